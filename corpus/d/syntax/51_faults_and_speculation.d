/* Fault checks (division, speculation ids, signals), speculations and ERROR's arguments. */
#pragma D option quiet
#pragma D option nspec=4
#pragma D option destructive

int n;
int m;

BEGIN
/10 / n == 0/
{
	self->spec = speculation();
	speculate(self->spec);
	printf("%d\n", 100 % m);
}

tick-1s
{
	commit(self->spec);
	raise(2);
	tracemem(self->spec, 16, 8);
	exit(0);
}

ERROR
{
	printf("%d %d %d %d %d %d\n", arg1, arg2, arg3, arg4, arg5, epid);
}
