/* Time spent on short-lived processes: fork to exit. */
#pragma D option quiet

BEGIN
{
	start = timestamp;
	procs = 0;
}

syscall::*fork*:entry
{
	self->fork = vtimestamp;
}

syscall::*fork*:return
/arg0 != 0 && self->fork/
{
	@total["fork"] = sum(vtimestamp - self->fork);
	self->fork = 0;
}

proc:::exit
{
	procs++;
	@total["exit"] = sum(timestamp - curpsinfo->pr_start);
}

dtrace:::END
{
	this->elapsed = (timestamp - start) / 1000000;
	printf("%d processes in %d ms\n", procs, this->elapsed);
	printa("%-8s %@d\n", @total);
}
