/* Three independent mistakes: each is reported, and parsing goes on. */
BEGIN
{
	x = ;
	y = 2;
}

syscall::read:entry
/execname == "bash"/
{
	@bytes[execname] = sum(arg2)
	@calls[execname] = count();
}

syscall::write:entry
{
	this->n = (arg2 + ) * 2;
}

END
{
	printa(@bytes);
}
