/* With a low magnitude of 0, steps must divide the factor squared. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 2, 40);
}
