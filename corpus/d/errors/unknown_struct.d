/* A cast to a pointer to a struct neither the script nor the kernel defines. */
BEGIN
{
	trace(((struct no_such_struct *)curthread)->pid);
}
