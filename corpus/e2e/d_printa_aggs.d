// D: printa() of every aggregation kind, with and without a format; several aggregations in
// one printa() joined on their keys (a key missing from one prints its zero); %@ conversions
// with flags and widths.
#pragma D option quiet

BEGIN
{
	@c["a"] = count();
	@c["b"] = count();
	@c["b"] = count();
	@s["a"] = sum(100);
	@s["c"] = sum(-7);
	@av["a"] = avg(9);
	@av["a"] = avg(2);
	@mn["b"] = min(4);
	@mx["b"] = max(4);
	@sd["a"] = stddev(1);
	@sd["a"] = stddev(3);
	@q["a"] = quantize(5);
	@l["b"] = lquantize(3, 0, 10, 5);

	printf("-- default\n");
	printa(@c);
	printf("-- format\n");
	printa("%-4s|%@8d|\n", @c);
	printa("%s avg=%@d\n", @av);
	printa("%s sd=%@u stddev\n", @sd);
	printa("%s min=%@d max=%@d\n", @mn, @mx);
	printa("%s hex=%@x %@X %@#x\n", @s, @s, @s);
	printf("-- joined default\n");
	printa(@c, @s, @av);
	printf("-- joined format\n");
	printa("%s: count %@d sum %@d\n", @c, @s);
	printf("-- distributions\n");
	printa("%s q:%@d", @q);
	printa(@l);
	printa("key %s then %@d and %@d\n", @q, @c);
	exit(0);
}
