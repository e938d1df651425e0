// D: tracemem() of an address that cannot be read is DTrace's invalid address fault (the
// address in the message and in ERROR's arg5); the clause's other output is dropped.
#pragma D option quiet

BEGIN
{
	printf("dropped\n");
	tracemem(8, 16);
}

ERROR
{
	printf("fault %d at 0x%x in action %d\n", arg4, arg5, arg2);
}

BEGIN
{
	exit(0);
}
