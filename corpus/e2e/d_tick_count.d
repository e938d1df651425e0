// D: tick-100ms fires three times, then exit; the count is printed in DTrace's exit format.
// The pragma makes the script quiet, so no notice either.
#pragma D option quiet

BEGIN
{
	i = 0;
}

tick-100ms
/i < 3/
{
	@c = count();
	i++;
}

tick-100ms
/i == 3/
{
	exit(0);
}
