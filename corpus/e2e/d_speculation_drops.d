// D: a speculation holds at most specsize bytes: records past it are dropped and counted
// (DTrace's "speculative drops" warning); what fitted is committed.
#pragma D option quiet
#pragma D option specsize=8

BEGIN
{
	s = speculation();
}

BEGIN
{
	speculate(s);
	printf("kept %d\n", 1);
	printf("kept %d\n", 2);
	printf("dropped %d\n", 3);
	printf("dropped %d\n", 4);
}

BEGIN
{
	commit(s);
	exit(0);
}
