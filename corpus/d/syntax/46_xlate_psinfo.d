/* Translating kernel structures with xlate, by pointer and by value. */
proc:::exec-success
{
	this->ps = xlate <psinfo_t *> (curthread);
	this->lwp = xlate <lwpsinfo_t> (curthread);
	printf("%d %s %d\n", this->ps->pr_pid, this->ps->pr_fname, this->lwp.pr_pri);
}
