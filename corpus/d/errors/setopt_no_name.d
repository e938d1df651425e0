/* setopt() takes a name and an optional value. */
BEGIN
{
	setopt();
}
