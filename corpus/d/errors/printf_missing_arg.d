/* A conversion without an argument. */
BEGIN
{
	printf("%d %s\n", 1);
}
