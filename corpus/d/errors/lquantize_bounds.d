/* lquantize() with its base above its limit. */
tick-1s
{
	@ = lquantize(cpu, 100, 10, 1);
}
