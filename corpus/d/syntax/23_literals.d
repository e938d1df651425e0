/* Integer, character and string literals with escapes. */
BEGIN
{
	dec = 1234567890;
	oct = 0755;
	hex = 0xDeadBeef;
	zero = 0;
	big = 18446744073709551615ULL;
	u = 10u; l = 10l; ul = 10UL; ull = 10ull; ll = 10LL; lu = 7lu;
	c = 'a';
	nl = '\n';
	tab = '\t';
	quote = '\'';
	nul = '\0';
	octc = '\101';
	hexc = '\x41';
	multi = 'ab';
	s = "plain";
	e = "tab\there, newline\n, quote \", backslash \\, bell \a";
	o = "\101\102\x43\0end";
	empty = "";
	printf("%d %d %d %s %s\n", dec, oct, hex, s, e);
}
