// D: mod() and umod() print the module an address is in: vmlinux for a kernel function,
// the base name of the mapped file for a user address (here oxtrace's own text, as BEGIN
// fires in the tracer), the address in hex when nothing covers it; also as aggregation keys.
BEGIN
{
	trace(mod((uintptr_t)curthread->restart_block.fn));
	trace(sym((uintptr_t)curthread->restart_block.fn));
	trace(umod(curthread->mm->start_code + 0x100));
	trace(mod(0));
	trace(umod(0));
	@[mod((uintptr_t)curthread->restart_block.fn)] = count();
	@u[umod(curthread->mm->start_code + 0x100)] = count();
	exit(0);
}
