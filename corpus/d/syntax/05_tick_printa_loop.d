#pragma D option quiet

BEGIN
{
	secs = 0;
}

sysinfo:::readch
{
	@bytes[execname] = sum(arg0);
}

tick-1sec
{
	secs++;
	printf("\n%Y, after %d seconds:\n", walltimestamp, secs);
	normalize(@bytes, 1024);
	printa("  %-16s %@12d KB\n", @bytes);
	clear(@bytes);
}

tick-1sec
/secs == 10/
{
	exit(0);
}
