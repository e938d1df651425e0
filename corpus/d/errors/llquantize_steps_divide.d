/* Steps below the factor must divide it. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2, 3);
}
