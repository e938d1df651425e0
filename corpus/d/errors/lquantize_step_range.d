/* lquantize()'s step must fit in 16 bits. */
BEGIN
{
	@ = lquantize(cpu, 0, 1000000, 70000);
}
