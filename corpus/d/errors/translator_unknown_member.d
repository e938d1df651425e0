/* A translator that sets a member its output struct does not have. */
struct out {
	int pid;
};

translator struct out < struct task_struct *T >
{
	pid = T->tgid;
	uid = 0;
};
