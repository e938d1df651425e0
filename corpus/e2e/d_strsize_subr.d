// D: string subroutines respect the strsize option: results of strjoin/substr/toupper are cut to 7 bytes
// plus the NUL.
#pragma D option quiet
#pragma D option strsize=8

BEGIN
{
	printf("[%s] [%s] [%s]\n", strjoin("abcdef", "ghijkl"), toupper("abcdefghij"), substr("0123456789", 2));
	printf("%d\n", strlen(strjoin("abcd", "efgh")));
	exit(0);
}
