// D: byte order conversions, getmajor/getminor of a Linux dev_t, rand(), stringof of a
// string, sym()/%a of an address no symbol covers, and these values in non-quiet trace().
BEGIN
{
	printf("%x %x %x %x %x %x\n", htons(0x1234), ntohs(0x1234), htonl(0x12345678), ntohl(0x12345678), htonll(0x0102030405060708), ntohll(0x1122334455667788));
	printf("%d %d\n", getmajor(0x00800011), getminor(0x00800011));
	r = rand();
	printf("%d %s\n", r == r, stringof("str"));
	printf("%a %A\n", 0, 0);
	trace(htons(1));
	trace(sym(0));
	exit(0);
}
