// D: the string subroutines with DTrace's edge cases (negative substr indices, index/rindex
// positions, basename/dirname of "/" and "", lltostr bases), strings kept in variables.
// Several BEGIN clauses: each is its own BPF program, and each string function is a loop the
// verifier walks byte by byte, so one clause holds only so many of them.
#pragma D option quiet

BEGIN
{
	s = "hello world";
	printf("strlen %d %d %d\n", strlen(s), strlen(""), strlen(strjoin(s, "!")));
	printf("strjoin [%s] [%s] [%s]\n", strjoin("foo", "bar"), strjoin("", "x"), strjoin(s, ""));
	printf("substr [%s] [%s] [%s] [%s]\n", substr(s, 6), substr(s, 0, 5), substr(s, -5), substr(s, -5, 2));
}

BEGIN
{
	printf("substr [%s] [%s] [%s] [%s]\n", substr(s, 1, -1), substr(s, 20), substr(s, -20, 13), substr(s, 3, 0));
	printf("index %d %d %d %d %d\n", index(s, "o"), index(s, "o", 5), index(s, "xyz"), index(s, ""), index(s, "o", -3));
	printf("rindex %d %d %d %d\n", rindex(s, "o"), rindex(s, "o", 6), rindex(s, "xyz"), rindex(s, ""));
}

BEGIN
{
	printf("strchr [%s] [%s] [%s]\n", strchr(s, 'o'), strrchr(s, 'o'), strchr(s, 'z'));
}

BEGIN
{
	printf("strstr [%s] [%s]\n", strstr(s, "lo w"), strstr(s, "low"));
}

BEGIN
{
	printf("basename [%s] [%s] [%s] [%s] [%s] [%s]\n", basename("/usr/lib/libc.so.6"), basename("/usr/lib//"), basename("/"), basename(""), basename("file"), basename("//"));
}

BEGIN
{
	printf("dirname [%s] [%s] [%s] [%s] [%s] [%s]\n", dirname("/usr/lib/libc.so.6"), dirname("/usr/lib//"), dirname("/"), dirname(""), dirname("file"), dirname("/usr"));
}

BEGIN
{
	printf("case [%s] [%s]\n", toupper("Hello, World 42"), tolower("Hello, World 42"));
	printf("lltostr %s %s %s %s %s %s %s\n", lltostr(12345), lltostr(-42), lltostr(0), lltostr(255, 16), lltostr(8, 8), lltostr(5, 2), lltostr(35, 36));
}

BEGIN
{
	t = strjoin(substr(s, 0, 5), toupper(substr(s, 5)));
	printf("nested [%s] %d\n", t, strlen(basename(strjoin("/tmp/", t))));
	exit(0);
}
