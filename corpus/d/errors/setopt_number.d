/* setopt()'s arguments are strings. */
BEGIN
{
	setopt("quiet", 1);
}
