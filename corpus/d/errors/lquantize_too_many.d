/* lquantize() takes at most an increment after the step. */
BEGIN
{
	@ = lquantize(cpu, 0, 10, 1, 1, 1);
}
