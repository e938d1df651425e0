// D: options from -x: zdefs lets descriptions that match no probe pass (their clauses never
// run), aggsortkey sorts the exit dump by key.
// flags: -x zdefs -x aggsortkey

profile:::tick-3furlongs
{
	printf("never\n");
}

dtrace:::NOSUCH
{
	printf("never\n");
}

BEGIN
{
	@["b"] = sum(1);
	@["a"] = sum(2);
	exit(0);
}
