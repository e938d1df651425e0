syscall::read:entry
{
	@reads[execname] = count();
