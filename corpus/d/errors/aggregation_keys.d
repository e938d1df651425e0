/* Keys of different types for one aggregation. */
BEGIN
{
	@a[1] = count();
	@a["one"] = count();
}
