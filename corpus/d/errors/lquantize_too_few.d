/* lquantize() needs a base and a limit. */
BEGIN
{
	@ = lquantize(cpu, 0);
}
