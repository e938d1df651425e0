/* Elapsed and on-CPU time per system call, for one command. */
#pragma D option quiet

syscall:::entry
/pid == $target/
{
	self->start = timestamp;
	self->vstart = vtimestamp;
}

syscall:::return
/self->start/
{
	this->elapsed = timestamp - self->start;
	this->oncpu = vtimestamp - self->vstart;
	@elapsed[probefunc] = sum(this->elapsed);
	@cpu[probefunc] = sum(this->oncpu);
	@calls[probefunc] = count();
	self->start = 0;
	self->vstart = 0;
}

END
{
	normalize(@elapsed, 1000);
	normalize(@cpu, 1000);
	printf("%-16s %12s %12s %8s\n", "SYSCALL", "ELAPSED(us)", "CPU(us)", "COUNT");
	printa("%-16s %@12d %@12d %@8d\n", @elapsed, @cpu, @calls);
}
