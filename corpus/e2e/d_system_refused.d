// D: a destructive action without -w / the destructive option: DTrace's enabling error.
// exit: 1
BEGIN
{
	system("echo never");
	exit(0);
}
