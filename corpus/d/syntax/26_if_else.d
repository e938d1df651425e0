/* if / else in clauses (DTrace for Linux 2.x). */
syscall::read:return
{
	if (arg0 < 0) {
		@errors[execname] = count();
	} else if (arg0 == 0) {
		@eof[execname] = count();
	} else {
		@bytes[execname] = sum(arg0);
	}

	if (arg0 > 1048576)
		@huge = count();
	else
		@normal = count();

	if (pid == 1)
		if (arg0 > 0)
			trace("init read");
		else
			trace("init failed");

	if (execname == "bash") {
	}
}
