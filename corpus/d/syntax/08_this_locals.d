/* Clause-local variables carry intermediate values inside one clause. */
syscall::write:entry
{
	this->fd = arg0;
	this->len = (int)arg2;
	this->big = this->len > 4096;
	@writes[this->fd, this->big ? "big" : "small"] = count();
}
