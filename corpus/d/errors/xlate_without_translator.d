/* xlate to a struct no translator produces. */
struct out {
	int pid;
};

BEGIN
{
	trace(xlate <struct out *> (curthread)->pid);
}
