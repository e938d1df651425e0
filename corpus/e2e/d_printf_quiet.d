// D: -q -s: no notice, no records; 64-bit %d, * width, a macro argument; the blank line at exit.
// flags: -q -s
// args: 7
BEGIN { printf("hello %d %*d|%d\n", 42, 4, $1, 5000000000); exit(0); }
