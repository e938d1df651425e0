syscall:::entry
/pid == /
{
	@[probefunc] = count();
}
