// D: printf conversions with flags, widths and precisions: %c %C %S %p %e %f %g %x %X %o %u %i,
// '*' widths, and %Y of a fixed epoch time (the machines run in UTC).
#pragma D option quiet

BEGIN
{
	printf("[%c] [%3c] [%-3c] [%C] [%C]\n", 65, 66, 67, 10, 'z');
	printf("[%S] [%s] [%.3s] [%-8s] [%8s]\n", "tab\there\n", "plain", "truncate", "left", "right");
	printf("[%p] [%p] [%x] [%X] [%#x] [%#o] [%o] [%u]\n", 4096, 0, 255, 255, 255, 8, 8, 3000000000);
	printf("[%5d] [%-5d] [%05d] [%+d] [% d] [%.4d] [%i]\n", 42, 42, 42, 42, 42, 42, -7);
	printf("[%f] [%.2f] [%8.1f] [%e] [%.2E] [%g] [%g] [%G]\n", 3, 7, 12, 12345, 12345, 100000, 1000000, 1234567);
	printf("[%*d] [%-*d] [%.*d] [%*s]\n", 6, 1, 6, 2, 3, 3, 5, "ab");
	printf("[%Y]\n", 1700000000123456789);
	exit(0);
}
