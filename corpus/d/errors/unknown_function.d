/* A misspelt action. */
BEGIN
{
	prinft("hello\n");
}
