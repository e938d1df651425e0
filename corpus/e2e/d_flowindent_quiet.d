// D: under flowindent DTrace prints the FUNCTION column even when quiet (no newline after a
// record then).
#pragma D option flowindent
#pragma D option quiet

BEGIN
{
	printf("begin\n");
	exit(0);
}
