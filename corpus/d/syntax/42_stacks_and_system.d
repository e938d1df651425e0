/* Stacks, symbols and destructive actions. */
#pragma D option destructive
#pragma D option quiet

profile-99
/arg0/
{
	@kstacks[stack()] = count();
	@ustacks[ustack(10)] = count();
	@funcs[func(arg0)] = count();
	@mods[mod(arg0)] = count();
}

tick-10sec
{
	system("date");
	printa(@kstacks);
	trunc(@ustacks, 5);
	printa(@ustacks);
	exit(0);
}

fbt::do_exit:entry
/execname == "victim"/
{
	stop();
	raise(9);
	copyout(arg0, arg1, 8);
}
