// D: trunc() keeps the n largest entries (the n smallest when n is negative) and deletes the
// rest, whatever the sort options; trunc(@) deletes everything; clear() zeroes the values and
// keeps the keys; normalize() and denormalize() on a distribution and on avg.
#pragma D option quiet
#pragma D option aggsortrev

BEGIN
{
	@s["a"] = sum(1);
	@s["b"] = sum(2);
	@s["c"] = sum(3);
	@s["d"] = sum(4);
	@s["e"] = sum(5);
	@t["a"] = sum(1);
	@t["b"] = sum(2);
	@t["c"] = sum(3);
	@t["d"] = sum(2);
	@q["x"] = quantize(1);
	@q["y"] = quantize(100);
	@q["z"] = quantize(10);
	@u["gone"] = count();
	@c["k"] = count();
	@c["l"] = count();
	@l["l"] = lquantize(4, 0, 10, 2, 6);
	@a["avg"] = avg(100);
	@a["avg"] = avg(300);
	@big["m"] = max(7);
	trunc(@s, 2);
	trunc(@t, -3);
	trunc(@q, 1);
	trunc(@u);
	trunc(@big, 10);
	clear(@c);
	normalize(@l, 4);
	normalize(@a, 3);
	printa(@s);
	printa(@t);
	printa(@q);
	printa(@c);
	printa(@l);
	printa(@a);
	denormalize(@l);
	printa(@l);
	exit(0);
}
