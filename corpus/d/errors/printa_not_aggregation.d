/* printa() of a variable that is not an aggregation. */
BEGIN
{
	x = 1;
	printa(x);
}
