// D: with the rawbytes option trace() shows a string as DTrace records it: a hex dump of all
// strsize bytes; integers print as usual.
#pragma D option rawbytes
#pragma D option strsize=40

BEGIN
{
	trace("raw bytes\tand a tab");
	trace(12);
	exit(0);
}
