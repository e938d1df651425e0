// D: strtok() keeps its string and position between calls: NULL goes on where the previous call
// stopped; runs of delimiters are skipped, and the end gives the empty string.
#pragma D option quiet

BEGIN
{
	printf("[%s]", strtok("  /usr//lib:x ", "/: "));
	printf("[%s]", strtok(NULL, "/: "));
	printf("[%s]", strtok(NULL, "/: "));
	printf("[%s]\n", strtok(NULL, "/: "));
}

BEGIN
{
	s = "key=value";
	printf("[%s] [%s] [%s]\n", strtok(s, "="), strtok(NULL, ""), strtok("", ","));
	exit(0);
}
