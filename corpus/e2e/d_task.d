// D: the current task through kernel BTF. BEGIN runs in the tracer's own process, so ppid is
// $ppid, the process is its own and its parent's progeny (and init's), not pid 999999's;
// vtimestamp (on-CPU nanoseconds) and curthread are non-zero.
#pragma D option quiet

BEGIN
{
	printf("%d %d %d %d %d\n", ppid == $ppid, progenyof($pid), progenyof($ppid), progenyof(1), progenyof(999999));
	printf("%d %d\n", vtimestamp > 0, curthread != 0);
	exit(0);
}
