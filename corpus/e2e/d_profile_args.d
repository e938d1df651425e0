// D: in profile and tick probes exactly one of arg0 (kernel PC) and arg1 (user PC) is set;
// tracemem() of the kernel PC reads kernel text without a fault (shown with dsize 0: no bytes).
#pragma D option quiet

int done;

tick-997
/!done/
{
	done = 1;
	printf("one PC: %d\n", (arg0 != 0) + (arg1 != 0));
}

tick-997
/arg0 != 0/
{
	tracemem(arg0, 16, 0);
	printf("kernel text read\n");
	exit(0);
}
