/* commit() may not follow a data-recording action in its clause. */
BEGIN
{
	trace(1);
	commit(1);
}
