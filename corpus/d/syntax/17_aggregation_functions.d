/* Every aggregating function. */
syscall::read:return
/arg0 > 0/
{
	@c = count();
	@s[execname] = sum(arg0);
	@a[execname] = avg(arg0);
	@mn[execname] = min(arg0);
	@mx[execname] = max(arg0);
	@sd[execname] = stddev(arg0);
	@q[execname, probefunc] = quantize(arg0);
	@lq = lquantize(arg0, 0, 4096, 256);
	@llq = llquantize(arg0, 10, 0, 6, 20);
	@ = quantize(arg0);
}

END
{
	printa(@c);
	printa("%s %@d\n", @s);
	printa("%-16s %@8d %@8d\n", @mn, @mx);
}
