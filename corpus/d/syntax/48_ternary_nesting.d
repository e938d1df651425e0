/* Nested ternaries, logical operators and comparison chains in predicates. */
syscall::read:return
/(arg0 > 0 && arg0 < 1024) || (arg0 >= 1048576 ^^ execname == "dd")/
{
	this->bucket = arg0 < 512 ? "tiny" : arg0 < 4096 ? "small" :
	    arg0 < 65536 ? "medium" : "large";
	@[this->bucket] = count();
}

syscall::write:entry
/!(pid == $pid) && (arg2 & 0xfff) == 0/
{
	@aligned = count();
}
