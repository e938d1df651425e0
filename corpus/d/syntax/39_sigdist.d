/* Signals sent, by sender, recipient and signal number. */
#pragma D option quiet

proc:::signal-send
{
	@sigs[execname, stringof(args[1]->pr_fname), args[2]] = count();
}

END
{
	printf("%16s %16s %6s %6s\n", "FROM", "TO", "SIG", "COUNT");
	printa("%16s %16s %6d %@6d\n", @sigs);
}
