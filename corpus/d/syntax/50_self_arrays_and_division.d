/* Thread-local associative arrays; division in predicates and bodies. */
syscall::read:entry
{
	self->start[arg0] = timestamp;
	self->count[arg0, probefunc]++;
}

syscall::read:return
/self->start[arg0] && (timestamp - self->start[arg0]) / 1000 > 10/
{
	@slow[execname] = quantize((timestamp - self->start[arg0]) / 1000);
	self->start[arg0] = 0;
}

profile:::tick-5sec
/x / 2 > 1/
{
	y = x / 2 / 3;
}
