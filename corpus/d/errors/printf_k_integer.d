/* %k needs a stack, not an integer. */
BEGIN
{
	printf("%k", 42);
}
