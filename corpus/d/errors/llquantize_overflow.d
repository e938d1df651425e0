/* llquantize()'s highest bucket must fit in 64 bits. */
BEGIN
{
	@ = llquantize(cpu, 10, 0, 30, 20);
}
