/* lltostr() with a base D does not accept. */
BEGIN
{
	trace(lltostr(5, 1));
}
