/* lquantize()'s step must be positive. */
BEGIN
{
	@ = lquantize(cpu, 0, 10, 0);
}
