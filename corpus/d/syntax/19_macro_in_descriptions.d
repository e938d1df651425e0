/* Macro variables inside probe descriptions. */
pid$target:libc.so.6:malloc:entry
{
	@sizes = quantize(arg0);
}

syscall::$1:entry
{
	@calls[execname] = count();
}

pid$1::$$2:entry,
pid$1::$$2:return
{
	trace(probename);
}
