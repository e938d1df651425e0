/* lquantize() needs at least one level. */
BEGIN
{
	@ = lquantize(cpu, 0, 10, 20);
}
