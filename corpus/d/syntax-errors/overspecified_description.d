fbt:vmlinux:vfs_read:entry:extra
{
	trace(1);
}

syscall::[rw:entry
{
	trace(2);
}
