/* stddev() of a string. */
BEGIN
{
	@ = stddev("x");
}
