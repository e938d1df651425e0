// D: a fault in an ERROR clause does not fire ERROR again: DTrace counts it and warns "N error(s)
// in ERROR probe enabling".
#pragma D option quiet

BEGIN
{
	x = 0;
	y = 1 / x;
}

ERROR
{
	printf("in ERROR\n");
	z = 1 % x;
}

BEGIN
{
	exit(0);
}
