/* A member that a script-defined struct does not have, in offsetof. */
struct foo {
	int a;
};

BEGIN
{
	trace(offsetof(struct foo, b));
}
