/* Reading a global before it is declared or assigned. */
BEGIN
{
	printf("%d\n", never_set);
}
