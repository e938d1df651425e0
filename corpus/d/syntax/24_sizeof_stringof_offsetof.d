/* sizeof of types and expressions, stringof, offsetof. */
struct hdr {
	int len;
	char name[16];
};

BEGIN
{
	printf("%d %d %d\n", sizeof (int), sizeof (struct hdr), sizeof (char *));
	printf("%d %d\n", sizeof x, sizeof (uint64_t));
	printf("%d\n", offsetof(struct hdr, name));
	s = stringof(arg0);
	t = stringof arg1;
	u = stringof(curpsinfo->pr_psargs);
	n = sizeof sizeof x;
}
