/* An lquantize() aggregation keeps its limit. */
BEGIN
{
	@ = lquantize(cpu, 0, 100, 10); @ = lquantize(cpu, 0, 200, 10);
}
