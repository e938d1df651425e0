/* llquantize()'s high magnitude must be at least its low one. */
BEGIN
{
	@ = llquantize(cpu, 10, 4, 3, 20);
}
