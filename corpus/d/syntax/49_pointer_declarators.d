/* Pointer declarations, including int* without a space. */
int*ip;
char **argv_copy;
const char *cp;
struct task_struct *task;
vnode_t *vp;

BEGIN
{
	ip = (int *)0;
	argv_copy = (char **)0;
	cp = "x";
}
