// D: a translator from the kernel's struct task_struct to a script-defined typedef'd struct,
// used as xlate <T>(x).member, xlate <T *>(x)->member, and through clause-local and
// thread-local variables that hold a translated pointer.
#pragma D option quiet
typedef struct taskinfo {
	int ti_pid;
	int ti_ppid;
	string ti_comm;
	uint64_t ti_task;
} taskinfo_t;

translator taskinfo_t < struct task_struct *T >
{
	ti_pid = T->tgid;
	ti_ppid = T->real_parent->tgid;
	ti_comm = stringof(T->comm);
	ti_task = (uint64_t)T;
};

BEGIN
{
	printf("%d %d %d\n", xlate <taskinfo_t> (curthread).ti_pid == pid, xlate <taskinfo_t *> (curthread)->ti_ppid == ppid, xlate <taskinfo_t> (curthread).ti_comm == execname);
	this->info = xlate <taskinfo_t *> (curthread);
	printf("%d %d\n", this->info->ti_pid == pid, this->info->ti_task == (uint64_t)curthread);
	self->i = xlate <struct taskinfo *> ((struct task_struct *)curthread);
	printf("%d\n", self->i->ti_comm == execname);
	exit(0);
}
