// D: integer conversions format the argument at its D type's width: %u, %x and %o of a 32-bit
// int -1 show 32 bits, of a 64-bit long all 64; %d of a uint32_t with the top bit set is negative.
#pragma D option quiet

BEGIN
{
	i = -1;
	l = (long)-1;
	u = (uint32_t)0xffffffff;
	printf("%u %x %X %o\n", i, i, i, i);
	printf("%u %x\n", -1, -1);
	printf("%u %x\n", l, l);
	printf("%d %i %u\n", u, u, u);
	printf("%u %x\n", (short)-1, (short)-1);
	exit(0);
}
