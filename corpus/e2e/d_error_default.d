// D: without an ERROR clause, the default record of a faulting clause is not printed, only
// DTrace's message on stderr; the other clauses' records are.
BEGIN
{
	trace("kept");
}

BEGIN
{
	trace("dropped");
	n = 0;
	trace(10 / n);
}

BEGIN
{
	exit(0);
}
