// D: setopt() while tracing: quiet takes effect from the next output on (the record already
// started keeps its prefix); bad names, bad values and options that cannot change once
// tracing has started are reported as DTrace does, and tracing goes on.

BEGIN
{
	trace("loud");
}

BEGIN
{
	setopt("quiet");
	trace("quiet");
	printf("\n");
}

BEGIN
{
	setopt("bogus");
	setopt("bufsize", "4m");
	setopt("quiet", "maybe");
	setopt("zdefs");
	setopt("quiet", "no");
	trace("loud again");
}

BEGIN
{
	exit(0);
}
