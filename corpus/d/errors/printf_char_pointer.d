/* %s takes a string or a char array, not a char pointer (stringof reads the string). */
BEGIN
{
	printf("%s\n", (char *)curthread);
}
