// D: a syntax error in DTrace's compile-error format, exit status 1.
// exit: 1
BEGIN
{
	x = ;
}
