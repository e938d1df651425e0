// D: trace() of a string and an int in a default record (padded: strings in 33 columns, a 32-bit int in 10).
BEGIN
{
	trace("hi");
	trace(42);
	exit(0);
}
