// D: with the droptags option DTrace's drop warnings start with the drop kind's tag.
#pragma D option quiet
#pragma D option droptags

BEGIN
{
	a = speculation();
	b = speculation();
	printf("%d %d\n", a, b);
	exit(0);
}
