// D: BEGIN fires before any other probe, even a tick that would exit at once: its output is
// never lost to an exit() already in the buffer.
#pragma D option quiet

BEGIN
{
	printf("BEGIN first\n");
}

tick-1ms
{
	printf("then the tick\n");
	exit(0);
}

profile-4999
{
	n++;
}
