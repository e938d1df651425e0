/* quantize()'s increment must be a number. */
BEGIN
{
	@ = quantize(cpu, "many");
}
