/* Steps must divide the factor to the low magnitude plus one. */
BEGIN
{
	@ = llquantize(cpu, 10, 1, 3, 300);
}
