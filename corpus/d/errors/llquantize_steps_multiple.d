/* llquantize()'s steps above the factor must be a multiple of it. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2, 15);
}
