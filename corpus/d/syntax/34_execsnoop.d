#!/usr/sbin/dtrace -s
#pragma D option quiet
#pragma D option switchrate=10hz

BEGIN
{
	printf("%-20s %6s %6s %s\n", "TIME", "PID", "PPID", "ARGS");
}

proc:::exec-success
{
	printf("%-20Y %6d %6d %s\n", walltimestamp, pid, ppid,
	    curpsinfo->pr_psargs);
}
