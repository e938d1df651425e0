/* Hottest kernel functions from the sampled program counter. */
#pragma D option quiet

profile:::profile-1001hz
/arg0/
{
	@pc[arg0] = count();
}

dtrace:::END
{
	trunc(@pc, 20);
	printa("%-48a %@12d\n", @pc);
}
