/* Providers the next issue maps: each is reported. */
syscall::read:entry
{
	@[execname] = count();
}

proc:::exec-success,
sched:::on-cpu
{
	trace(pid);
}

BEGIN
{
	exit(0);
}
