#!/usr/sbin/dtrace -s
/*
 * Count system calls by process name until Ctrl-C; the aggregation is
 * printed at exit in DTrace's default format.
 */
#pragma D option quiet

dtrace:::BEGIN
{
	printf("Counting syscalls by process... Hit Ctrl-C to end.\n");
}

syscall:::entry
{
	@calls[execname] = count();
}

dtrace:::END
{
	printf("%-20s %10s\n", "PROCESS", "CALLS");
	printa("%-20s %@10d\n", @calls);
}
