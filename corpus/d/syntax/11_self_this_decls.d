/* Typed thread-local and clause-local declarations. */
self int depth;
self uint64_t entry_ts;
this string name;
this int len;

fbt::vfs_read:entry
{
	self->depth++;
	self->entry_ts = timestamp;
	this->name = execname;
}

fbt::vfs_read:return
/self->depth > 0/
{
	self->depth--;
	this->len = arg1;
	printf("%s %d %d\n", this->name, this->len, timestamp - self->entry_ts);
}
