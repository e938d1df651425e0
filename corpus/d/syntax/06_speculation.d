/* Trace open() only when it fails: speculate, then commit or discard. */
#pragma D option nspec=8

syscall::openat:entry
{
	self->spec = speculation();
	speculate(self->spec);
	printf("%s opening %s\n", execname, copyinstr(arg1));
}

syscall::openat:return
/self->spec && arg0 < 0/
{
	speculate(self->spec);
	printf("failed with errno %d\n", errno);
	commit(self->spec);
	self->spec = 0;
}

syscall::openat:return
/self->spec/
{
	discard(self->spec);
	self->spec = 0;
}
