// D: a bad -x value stops dtrace before compiling, with DTrace's message and status 1.
// flags: -x aggsortkey -x bufsize=4q
// exit: 1

BEGIN
{
	exit(0);
}
