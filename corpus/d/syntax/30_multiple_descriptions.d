/* Several probe descriptions per clause, on one line and across lines. */
syscall::read:entry, syscall::write:entry, syscall::pread64:entry
{
	@rw[probefunc] = count();
}

proc:::exec-success,
proc:::exit,
proc:::signal-send
/pid != $pid/
{
	@proc[probename] = count();
}

BEGIN,END{trace(probename)}
