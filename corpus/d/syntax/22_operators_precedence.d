/* Every C operator, to exercise precedence and associativity. */
BEGIN
{
	a = 1; b = 2; c = 3;
	x = a + b * c - c / b % 2;
	x = a << 2 >> 1;
	x = a < b == b > c;
	x = a <= b != b >= c;
	x = a & b ^ c | a;
	x = a && b || c && !a;
	x = a ^^ b;
	x = a || b ^^ c && a;
	x = a ? b : c ? a : b;
	x = -a + +b - ~c;
	x = (a + b) * (c - a);
	x += 1; x -= 1; x *= 2; x /= 2; x %= 7;
	x &= 0xff; x |= 0x100; x ^= 1; x <<= 2; x >>= 1;
	x = y = z = 0;
	x = (a, b, c);
	a++, b--, ++c, --a;
	p = &x;
	x = *p;
	x = !!a;
	x = a - -b;
	x = a-- - --b;
	exit(0)
}
