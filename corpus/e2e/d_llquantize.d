// D: llquantize() graphs: log-linear buckets, buckets narrower than one, a low magnitude above
// zero, negative values, the overflow rows and steps below the factor.
#pragma D option quiet

BEGIN
{
	@a = llquantize(1, 10, 0, 1, 20);
	@a = llquantize(2, 10, 0, 1, 20);
	@a = llquantize(15, 10, 0, 1, 20);
	@a = llquantize(15, 10, 0, 1, 20);
	@a = llquantize(99, 10, 0, 1, 20);
	@b = llquantize(150, 10, 2, 3, 10);
	@b = llquantize(5, 10, 2, 3, 10);
	@b = llquantize(12345, 10, 2, 3, 10);
	@c = llquantize(-40, 4, 0, 1, 4);
	@c = llquantize(3, 4, 0, 1, 4);
	@c = llquantize(-20, 4, 0, 1, 4);
	@d = llquantize(50, 10, 0, 2, 5);
	@d = llquantize(7, 10, 0, 2, 5);
	@e = llquantize(-150, 10, 2, 3, 10);
	@e = llquantize(20, 10, 2, 3, 10);
	exit(0);
}
