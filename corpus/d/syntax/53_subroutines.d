/* Subroutines that compute values: strings, symbols, stacks, byte order. */
#pragma D option quiet
#pragma D option strsize=32

BEGIN
{
	s = strjoin("/usr/", "lib/");
	printf("%s %s %d\n", basename(s), substr(s, -4, 3), index(s, "l", 2));
	printf("%s %x %s\n", toupper(s), htonl(1), lltostr(-12));
}

profile-97
{
	@[sym(arg0), stack(3)] = count();
	printf("%a %s\n", arg0, copyinstr(arg1, 8));
	printf("%s %s %d\n", inet_ntoa(arg0), cleanpath("/a/../b"), progenyof(1));
}
