// D: in default output a speculative clause's whole record (the probe column too) waits for
// commit(), which prints it after the committing clause's own record; an id above nspec is an
// illegal operation fault.
BEGIN
{
	s = speculation();
}

BEGIN
{
	speculate(s);
	trace(s);
}

BEGIN
{
	commit(s);
}

BEGIN
{
	speculate(5);
}

BEGIN
{
	exit(0);
}
