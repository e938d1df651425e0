/* A void pointer must be cast to a typed pointer before it is dereferenced. */
BEGIN
{
	trace(*(void *)arg0);
}
