/* Every aggregating function, with the quantize family's optional increments. */
#pragma D option quiet

profile-97
{
	@c[cpu] = count();
	@s[cpu] = sum(arg0);
	@a = avg(timestamp);
	@mn = min(pid);
	@mx = max(pid);
	@sd[execname] = stddev(tid);
	@q = quantize(arg0);
	@qi = quantize(arg0, cpu + 1);
	@l = lquantize(cpu, 0, 8);
	@li[pid] = lquantize(cpu, -10, 100, 10, 2);
	@ll = llquantize(arg0, 10, 0, 6, 20);
	@lli = llquantize(arg0, 2, 3, 10, 4, -1);
}

tick-1s
{
	printa("%@d %@d\n", @q, @qi);
	exit(0);
}
