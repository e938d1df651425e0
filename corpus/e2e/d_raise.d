// D: raise() signals the thread the probe fired in. BEGIN runs in the tracer itself, so
// raise(15) (SIGTERM) there stops tracing as Ctrl-C would: END runs and the status is 0.
#pragma D option quiet
#pragma D option destructive

BEGIN
{
	raise(15);
	printf("raised\n");
}

tick-10s
{
	printf("not reached\n");
	exit(1);
}

END
{
	printf("stopped by the signal\n");
}
