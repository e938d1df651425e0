// D: raise() with a signal number out of range is an illegal operation fault; the destructive
// option prints DTrace's notice.
#pragma D option destructive

BEGIN
{
	raise(0);
}

BEGIN
{
	exit(0);
}
