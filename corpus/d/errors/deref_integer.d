/* * applied to an integer needs a cast to a pointer type first. */
BEGIN
{
	trace(*arg0);
}
