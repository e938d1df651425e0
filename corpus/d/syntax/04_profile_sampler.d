/* Sample on-CPU process names at 997 Hz, print the top ten each second. */
#pragma D option quiet

profile-997
/pid != 0/
{
	@samples[execname, pid] = count();
}

profile:::tick-1sec
{
	trunc(@samples, 10);
	printa("%-16s %6d %@8d\n", @samples);
	trunc(@samples);
}
