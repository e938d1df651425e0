/* lquantize() allows at most 65535 levels. */
BEGIN
{
	@ = lquantize(cpu, 0, 100000);
}
