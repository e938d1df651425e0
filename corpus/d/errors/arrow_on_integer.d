/* -> applied to an integer, not a pointer to a struct. */
BEGIN
{
	trace(pid->x);
}
