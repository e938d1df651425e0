/* Aggregations and exit() may not follow speculate(). */
BEGIN
{
	speculate(1);
	@a = count();
}

BEGIN
{
	speculate(1);
	exit(0);
}
