/* $3 without three arguments (and without defaultargs). */
BEGIN
{
	printf("%d\n", $3);
}
