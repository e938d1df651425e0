/* lquantize() with its base above its limit. */
BEGIN
{
	@ = lquantize(cpu, 100, 10, 1);
}
