/* llquantize()'s low magnitude is unsigned. */
BEGIN
{
	@ = llquantize(cpu, 10, -1, 2, 10);
}
