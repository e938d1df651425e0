/* quantize() takes a value and an increment. */
BEGIN
{
	@ = quantize(cpu, 1, 2);
}
