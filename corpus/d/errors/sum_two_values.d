/* sum() takes one value. */
BEGIN
{
	@ = sum(1, 2);
}
