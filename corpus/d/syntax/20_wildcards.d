/* Globs in probe descriptions: star, question mark and character classes. */
syscall::*read*:entry,
syscall::*write*:entry
{
	@io[probefunc] = count();
}

syscall::[rw]*:return
/errno != 0/
{
	@errs[probefunc, errno] = count();
}

syscall::open?:entry,
syscall::[!a-m]*:entry,
sched:::*-cpu
{
	@other[probename] = count();
}

*:::entry
/pid == 1/
{
	@init[probeprov] = count();
}
