// D: checked divisions give C's results (nested, compound /= and %=, unsigned 64-bit), and a
// clause may hold many of them: their temporaries are shared by nesting depth (the BPF stack
// holds only 48 integer variables).
#pragma D option quiet

int a;
int b;
int c;
int d;

BEGIN
{
	a = 100;
	b = 5;
	c = 12;
	d = 3;
	printf("%d %d %d\n", (a / b) / (c / d), a / (b / (c % d + 1)), (a % 7) + (c / d) * (a / b));
	x = a;
	x /= b;
	x %= (c / d);
	printf("%d\n", x);
	u = (unsigned long)-1;
	printf("%u\n", u / (unsigned long)d);
}

BEGIN
{
	s0 = 100 / d + 0 % d;
	s1 = 101 / d + 1 % d;
	s2 = 102 / d + 2 % d;
	s3 = 103 / d + 3 % d;
	s4 = 104 / d + 4 % d;
	s5 = 105 / d + 5 % d;
	s6 = 106 / d + 6 % d;
	s7 = 107 / d + 7 % d;
	s8 = 108 / d + 8 % d;
	s9 = 109 / d + 9 % d;
	s10 = 110 / d + 10 % d;
	s11 = 111 / d + 11 % d;
	s12 = 112 / d + 12 % d;
	s13 = 113 / d + 13 % d;
	s14 = 114 / d + 14 % d;
	s15 = 115 / d + 15 % d;
	s16 = 116 / d + 16 % d;
	s17 = 117 / d + 17 % d;
	s18 = 118 / d + 18 % d;
	s19 = 119 / d + 19 % d;
	s20 = 120 / d + 20 % d;
	s21 = 121 / d + 21 % d;
	s22 = 122 / d + 22 % d;
	s23 = 123 / d + 23 % d;
	s24 = 124 / d + 24 % d;
	s25 = 125 / d + 25 % d;
	s26 = 126 / d + 26 % d;
	s27 = 127 / d + 27 % d;
	s28 = 128 / d + 28 % d;
	s29 = 129 / d + 29 % d;
	printf("%d %d %d\n", s0, s15, s29);
	exit(0);
}
