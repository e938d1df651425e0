/* A top-style read/write summary refreshed every interval. */
#pragma D option quiet
#pragma D option switchrate=10hz

inline int OPT_clear = 1;
inline int INTERVAL = 5;
inline int TOP = 20;

dtrace:::BEGIN
{
	secs = INTERVAL;
	printf("Tracing... Please wait.\n");
}

sysinfo:::readch,
sysinfo:::writech
{
	@out[pid, ppid, execname, probename == "readch" ? "R" : "W"] = sum(arg0);
}

profile:::tick-1sec
{
	secs--;
}

profile:::tick-1sec
/secs == 0/
{
	OPT_clear ? printf("\033[H\033[2J") : 1;
	printf("%Y\n", walltimestamp);
	trunc(@out, TOP);
	normalize(@out, 1024);
	printf("%6s %6s %-12s %1s %10s\n", "PID", "PPID", "CMD", "D", "KB");
	printa("%6d %6d %-12s %1s %@10d\n", @out);
	trunc(@out);
	secs = INTERVAL;
}
