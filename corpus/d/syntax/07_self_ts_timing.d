/* Time spent in read(2), per process, in nanoseconds. */
syscall::read:entry
{
	self->ts = timestamp;
}

syscall::read:return
/self->ts/
{
	@time[execname] = sum(timestamp - self->ts);
	@dist["read latency (ns)"] = quantize(timestamp - self->ts);
	self->ts = 0;
}
