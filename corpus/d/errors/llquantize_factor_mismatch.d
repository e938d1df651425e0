/* An llquantize() aggregation keeps its factor. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2, 10); @ = llquantize(cpu, 5, 0, 2, 5);
}
