/* One aggregation fed by two different functions. */
BEGIN
{
	@a = count();
	@a = sum(1);
}
