// D: lquantize() graphs: underflow and overflow rows, steps, a negative base, a limit that is
// not a multiple of the step, and the first three rows when nothing is left.
#pragma D option quiet

BEGIN
{
	@a = lquantize(-5, 0, 100, 10);
	@a = lquantize(0, 0, 100, 10);
	@a = lquantize(15, 0, 100, 10);
	@a = lquantize(15, 0, 100, 10);
	@a = lquantize(99, 0, 100, 10);
	@a = lquantize(100, 0, 100, 10);
	@a = lquantize(5000, 0, 100, 10, 3);
	@b = lquantize(-3, -5, 5);
	@b = lquantize(2, -5, 5);
	@c = lquantize(14, 0, 25, 10);
	@c = lquantize(25, 0, 25, 10);
	@d = lquantize(7, 0, 10, 1, 0);
	@e = lquantize(3, 0, 10);
	exit(0);
}
