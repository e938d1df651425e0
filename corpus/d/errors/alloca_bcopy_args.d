/* alloca() and bcopy() argument errors. */
BEGIN
{
	this->a = alloca(8);
	this->b = alloca();
	this->s = alloca("x");
	this->t = alloca(timestamp);
	bcopy(0, this->a);
	bcopy("abc", this->a, 4);
	x = bcopy(0, this->a, 4);
}
