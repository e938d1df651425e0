// D: cleanpath() as DTrace does it: "//" and "/./" collapse, "/../" goes back to the previous
// slash written (keeping it at the end), other dot names stay.
#pragma D option quiet

BEGIN
{
	printf("[%s] [%s] [%s] [%s]\n", cleanpath("/usr//lib/./x"), cleanpath("/a/b/../c"), cleanpath("/usr/.."), cleanpath("/a/b/.."));
}

BEGIN
{
	s = "/a/b/c/../../d//e/";
	printf("[%s] [%s] [%s] [%s]\n", cleanpath("a/../b"), cleanpath("/x/.hidden/..y/."), cleanpath(s), cleanpath(""));
	exit(0);
}
