/* lquantize()'s base must fit in 32 bits. */
BEGIN
{
	@ = lquantize(cpu, 2147483648, 2147483649);
}
