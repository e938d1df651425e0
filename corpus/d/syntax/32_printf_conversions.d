/* printf with D's conversions: widths, flags, %Y %S %a %A %@. */
#pragma D option quiet

proc:::exec-success
{
	printf("%Y %-16s %6d %S\n", walltimestamp, execname, pid, curpsinfo->pr_psargs);
	printf("%5.2d%% %x %X %o %u %i %c %p\n", 50, 255, 255, 8, 1, -1, 65, arg0);
	printf("%a %A\n", caller, ucaller);
	printf("%*d|%-*s|\n", 5, 42, 8, "pad");
}

profile-1001hz
/arg1/
{
	@pcs[arg1] = count();
}

END
{
	printa("%-40A %@10d\n", @pcs);
}
