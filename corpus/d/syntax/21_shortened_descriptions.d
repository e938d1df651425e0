/* One-, two-, three- and four-part probe descriptions. */
BEGIN
{
	trace("one part");
}

entry
/probefunc == "nothing"/
{
	trace("name only");
}

vfs_read:entry
{
	trace("function and name");
}

vmlinux:vfs_write:entry
{
	trace("module, function, name");
}

fbt:vmlinux:vfs_open:entry
{
	trace("all four");
}

syscall::: { }
