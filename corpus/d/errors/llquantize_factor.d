/* llquantize() needs a factor of at least 2. */
BEGIN
{
	@ = llquantize(cpu, 1, 0, 3, 10);
}
