// D: copyin() reads user memory of the current process (here the tracer's own arguments, at
// mm->arg_start): through a cast pointer, with stringof; an unreadable user address is the
// invalid address fault at the copyin.
#pragma D option quiet

BEGIN
{
	this->a = curthread->mm->arg_start;
	this->p = (char *)copyin(this->a, 1);
	printf("first byte non-zero: %d\n", *this->p != 0);
	printf("same string as copyinstr: %d\n", stringof(copyin(this->a, 64)) == copyinstr(this->a));
	printf("int read: %d\n", *(int *)copyin(this->a, 4) == *(int *)copyin(this->a, 4));
}

BEGIN
{
	printf("dropped\n");
	x = *(int *)copyin(0, 4);
}

ERROR
{
	printf("fault %d at 0x%x\n", arg4, arg5);
}

BEGIN
{
	exit(0);
}
