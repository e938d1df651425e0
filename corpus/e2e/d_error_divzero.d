// D: a division by zero abandons the clause (its earlier printf is dropped too), prints DTrace's
// default error message, fires ERROR with the fault's details; tracing goes on.
#pragma D option quiet

BEGIN
{
	i = 1;
	j = 0;
	printf("dropped with its clause\n");
	x = i / j;
	printf("not reached\n");
}

BEGIN
{
	printf("the next clause runs\n");
}

ERROR
{
	printf("ERROR epid %d action %d offset %d fault %d value %d\n", arg1, arg2, arg3, arg4, arg5);
}

BEGIN
/j % j == 0/
{
	printf("predicate fault: not reached\n");
}

BEGIN
{
	printf("modulo: %d\n", 7 % (j + 2));
	exit(0);
}
