// D: dynvarsize bounds the dynamic variables (here room for two entries of an int-keyed int
// array); stores that find no room are dropped and DTrace's drop count is reported.
#pragma D option quiet
#pragma D option dynvarsize=16

BEGIN
{
	a[1] = 10;
	a[2] = 20;
	a[3] = 30;
	a[4] = 40;
	a[5] = 50;
	a[1] = 11;
	printf("%d %d %d\n", a[1], a[2], a[5]);
	exit(0);
}
