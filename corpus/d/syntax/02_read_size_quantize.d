#!/usr/sbin/dtrace -qs
/* Distribution of read(2) request sizes, per process. */

syscall::read:entry
{
	@sizes[execname] = quantize(arg2);
}

END
{
	printa(@sizes);
}
