/* lquantize()'s base must be an integer constant. */
BEGIN
{
	x = 1; @ = lquantize(cpu, x, 10);
}
