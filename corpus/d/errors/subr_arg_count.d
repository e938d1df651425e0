/* A subroutine given too many arguments. */
BEGIN
{
	printf("%d\n", strlen("a", "b"));
}
