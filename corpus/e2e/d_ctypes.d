// D: kernel structs from BTF through curthread (-> and ., nested structs, a char array with
// stringof and indexing, casts to struct pointers, pointers in clause-local and thread-local
// variables), & and * of members, pointer arithmetic scaled by the pointee, sizeof and
// offsetof of kernel and script-defined types (C layout: padding, a bit-field), typedef.
#pragma D option quiet

struct foo {
	int a;
	char name[16];
	struct foo *next;
	unsigned int flag : 3;
	long b;
};

union bar {
	char c;
	long l;
};

typedef struct task_struct task_t;
typedef struct foo foo_t;

BEGIN
{
	printf("curthread->pid == pid: %d\n", curthread->pid == pid);
	printf("cast tgid == pid: %d\n", ((struct task_struct *)curthread)->tgid == pid);
	printf("real_parent->tgid == ppid: %d\n", curthread->real_parent->tgid == ppid);
	printf("real_parent != NULL: %d\n", curthread->real_parent != NULL);
	printf("comm == execname: %d %d, comm[0] != 0: %d\n", stringof(curthread->comm) == execname, curthread->comm == execname, curthread->comm[0] != 0);
	printf("se.sum_exec_runtime > 0: %d\n", curthread->se.sum_exec_runtime > 0);
	printf("sizeof(struct task_struct) > 0: %d\n", sizeof(struct task_struct) > 0);
	printf("sizeof(task_t) == sizeof(struct task_struct): %d\n", sizeof(task_t) == sizeof(struct task_struct));
	printf("sizeof foo %d, bar %d, foo_t %d, int * %d\n", sizeof(struct foo), sizeof(union bar), sizeof(foo_t), sizeof(int *));
	printf("offsetof foo: %d %d %d %d\n", offsetof(struct foo, a), offsetof(struct foo, name), offsetof(struct foo, next), offsetof(struct foo, b));
	printf("offsetof(struct task_struct, pid) > 0: %d\n", offsetof(struct task_struct, pid) > 0);
	printf("&curthread->pid: %d\n", (uint64_t)&curthread->pid - (uint64_t)curthread == offsetof(struct task_struct, pid));
	printf("*&curthread->tgid == pid: %d\n", *&curthread->tgid == pid);
	this->t = (task_t *)curthread;
	printf("this->t->pid == pid: %d\n", this->t->pid == pid);
	self->t = curthread;
	printf("self->t->tgid == pid: %d\n", self->t->tgid == pid);
	this->p = &curthread->pid;
	printf("int * + 1: %d, - 1: %d, difference %d\n", (uint64_t)(this->p + 1) - (uint64_t)this->p, (uint64_t)this->p - (uint64_t)(this->p - 1), (this->p + 3) - this->p);
	this->f = (struct foo *)0;
	printf("struct foo * + 2: %d\n", (uint64_t)(this->f + 2));
	printf("(int *)16 + 1 == 20: %d\n", (uint64_t)((int *)16 + 1) == 20);
	exit(0);
}
