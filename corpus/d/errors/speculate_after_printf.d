/* speculate() must come before the clause records data. */
BEGIN
{
	printf("too early\n");
	speculate(1);
}
