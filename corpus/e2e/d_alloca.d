// D: alloca() gives zeroed scratch memory read through casts, [], *, -> and stringof; bcopy()
// copies kernel memory into it; a destination outside alloca'd memory, an unreadable source
// and an alloca larger than the scratch space are faults (the clause's output is dropped and
// ERROR fires), and tracing goes on.
struct pair {
	int a;
	int b;
};

BEGIN
{
	this->p = (struct pair *)alloca(sizeof (struct pair));
	printf("zeroed: %d %d\n", this->p->a, this->p->b);
	this->buf = (char *)alloca(16);
	bcopy(&curthread->comm[0], this->buf, 7);
	printf("[%s] %d\n", stringof(this->buf), this->buf[9]);
	this->n = (int *)alloca(4);
	bcopy(&curthread->tgid, this->n, 4);
	printf("%d\n", *this->n == pid);
	bcopy(&curthread->tgid, &this->p->b, 4);
	printf("%d %d\n", this->p->a, this->p->b == pid);
}

BEGIN
{
	bcopy(&curthread->tgid, (void *)0x1000, 4);
	printf("not reached\n");
}

BEGIN
{
	this->q = (char *)alloca(8);
	bcopy((void *)8, this->q, 4);
	printf("not reached\n");
}

BEGIN
{
	this->big = alloca(100000);
	printf("not reached\n");
}

BEGIN
{
	exit(0);
}

ERROR
{
	printf("fault %d at %x\n", arg4, arg5);
}
