// D: copyinto(src, size, dst) copies user memory (here the tracer's own arguments, at
// mm->arg_start) into alloca'd memory; an unreadable source and a destination that is not
// alloca'd are invalid address faults.
#pragma D option quiet

BEGIN
{
	this->a = curthread->mm->arg_start;
	this->buf = (char *)alloca(32);
	copyinto(this->a, 16, this->buf);
	printf("same as copyinstr: %d\n", stringof(this->buf) == substr(copyinstr(this->a), 0, 16));
}

BEGIN
{
	this->q = (char *)alloca(8);
	copyinto(0, 4, this->q);
	printf("dropped\n");
}

BEGIN
{
	copyinto(curthread->mm->arg_start, 4, (void *)0x2000);
	printf("dropped\n");
}

ERROR
{
	printf("fault %d at 0x%x\n", arg4, arg5);
}

BEGIN
{
	exit(0);
}
