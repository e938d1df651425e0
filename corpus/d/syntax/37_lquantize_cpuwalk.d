/* Which CPUs a process runs on, as a linear distribution. */
#pragma D option quiet
#pragma D option defaultargs

profile:::profile-1001hz
/pid == $1 || $1 == 0/
{
	@cpus[pid, execname] = lquantize(cpu, 0, 64, 1);
}

profile:::tick-1sec
/++ticks == ($2 ? $2 : 5)/
{
	printa("\n  %6d %-16s\n%@d\n", @cpus);
	exit(0);
}
