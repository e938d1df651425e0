// D: reading through a bad pointer is DTrace's invalid address fault, with the address read:
// *(int *)8, a member of a struct at a bad address (0x10 + 4), an element of a bad array.
#pragma D option quiet

struct foo { int a; int b; };

BEGIN
{
	printf("dropped\n");
	x = *(int *)8;
}

BEGIN
{
	this->f = (struct foo *)16;
	printf("%d\n", this->f->b);
}

BEGIN
{
	printf("%d\n", ((long *)64)[3]);
}

ERROR
{
	printf("fault %d at 0x%x in action %d\n", arg4, arg5, arg2);
}

BEGIN
{
	exit(0);
}
