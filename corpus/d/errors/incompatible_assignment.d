/* A global first assigned an int, then a string. */
BEGIN
{
	x = 1;
	x = "one";
}
