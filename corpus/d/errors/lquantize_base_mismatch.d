/* An lquantize() aggregation keeps its base. */
BEGIN
{
	@ = lquantize(cpu, 0, 100, 10); @ = lquantize(cpu, 10, 100, 10);
}
