/* llquantize()'s steps must be positive. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2, 0);
}
