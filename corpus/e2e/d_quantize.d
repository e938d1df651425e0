// D: quantize() graphs: powers of two, negative values, zero, increments, keyed entries
// sorted by their weighted totals.
#pragma D option quiet

BEGIN
{
	@pos = quantize(0);
	@pos = quantize(1);
	@pos = quantize(3);
	@pos = quantize(3);
	@pos = quantize(1000);
	@neg = quantize(-1);
	@neg = quantize(-7);
	@neg = quantize(-8, 3);
	@neg = quantize(5);
	@k["big"] = quantize(1024);
	@k["small"] = quantize(2);
	@k["small"] = quantize(2);
	@k["mid"] = quantize(16, 4);
	@w = quantize(100, -2);
	@w = quantize(-100, 1);
	@none = quantize(1, 5);
	@none = quantize(1, -5);
	exit(0);
}
