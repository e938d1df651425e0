/* llquantize() needs four parameters. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2);
}
