/* An option DTrace does not have. */
#pragma D option notanoption
BEGIN
{
	exit(0);
}
