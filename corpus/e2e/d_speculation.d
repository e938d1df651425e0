// D: speculations: committed data prints in order at commit(), discarded data never; with
// nspec=2 a third speculation() fails (returns 0, DTrace's "failed speculation" warning), and a
// freed id is handed out again; speculating on an id not in use drops the data.
#pragma D option quiet
#pragma D option nspec=2

BEGIN
{
	a = speculation();
	b = speculation();
	c = speculation();
	printf("ids %d %d %d\n", a, b, c);
}

BEGIN
{
	speculate(a);
	printf("speculative %d\n", 1);
	printf("speculative %d\n", 2);
}

BEGIN
{
	speculate(b);
	printf("discarded\n");
}

BEGIN
{
	speculate(c);
	printf("speculate(0) drops this\n");
}

BEGIN
{
	printf("not speculative\n");
}

BEGIN
{
	commit(a);
	discard(b);
}

BEGIN
{
	d = speculation();
	speculate(d);
	printf("reused id %d\n", d);
}

BEGIN
{
	speculate(2);
	printf("speculation 2 is not in use: dropped\n");
}

BEGIN
{
	commit(2);
	commit(d);
	exit(0);
}
