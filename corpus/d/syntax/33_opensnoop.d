#!/usr/sbin/dtrace -qs
/* Report every file open with its result. */

BEGIN
{
	printf("%-6s %-16s %4s %3s %s\n", "PID", "COMM", "FD", "ERR", "PATH");
}

syscall::open:entry,
syscall::openat:entry
{
	self->path = probefunc == "open" ? arg0 : arg1;
}

syscall::open:return,
syscall::openat:return
/self->path/
{
	this->fd = (int)arg0;
	printf("%-6d %-16s %4d %3d %s\n", pid, execname, this->fd,
	    this->fd < 0 ? errno : 0, copyinstr(self->path));
	self->path = 0;
}
