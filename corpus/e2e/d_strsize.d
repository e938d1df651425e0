// D: strsize sets the size of D strings (a string holds strsize - 1 characters); defaultargs
// makes missing macro arguments 0 and "".
#pragma D option quiet
#pragma D option strsize=8
#pragma D option defaultargs

BEGIN
{
	s = "abcdefghijklmnop";
	printf("[%s] [%d] [%s]\n", s, $1, $$2);
	@[s] = count();
	exit(0);
}
