/* Kernel symbols with backquotes, and nested member access. */
profile:::tick-1sec
{
	printf("jiffies %d\n", `jiffies);
	printf("hz %d\n", vmlinux`loops_per_jiffy);
	this->task = curthread;
	printf("%d %s\n", this->task->pid, stringof(this->task->comm));
	printf("%d\n", curthread->real_parent->tgid);
}
