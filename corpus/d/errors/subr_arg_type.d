/* substr() of an integer. */
BEGIN
{
	x = 1;
	trace(substr(x, 2));
}
