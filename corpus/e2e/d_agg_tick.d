// D: aggregations updated by a profile probe (tick-1ms) with known values 0..9: quantize,
// lquantize, llquantize, stddev, and printa() of them at the end.
#pragma D option quiet

int i;

tick-1ms
/i < 10/
{
	@q["q"] = quantize(i);
	@l["l"] = lquantize(i, 2, 8, 2);
	@ll["ll"] = llquantize(i * 7, 4, 0, 2, 8);
	@sd["x"] = stddev(i * 10);
	@n["x"] = count();
	i++;
}

tick-1ms
/i == 10/
{
	printa(@q);
	printa("%s %@d %@d\n", @sd, @n);
	exit(0);
}
