/* Casts to scalar, pointer, struct pointer and typedef types. */
fbt::do_sys_open:entry
{
	this->fd = (int)arg0;
	this->u = (unsigned long long)arg1;
	this->p = (char *)arg1;
	this->pp = (char **)arg2;
	this->s = (struct file *)arg3;
	this->ts = (uint64_t)timestamp;
	this->pid = (pid_t)pid;
	this->mode = (umode_t)arg3;
	this->task = (struct task_struct *)curthread;
	this->flags = ((struct file *)arg3)->f_flags;
	this->inode = this->s->f_inode->i_ino;
	this->v = *(int *)copyin(arg1, 4);
	this->cv = (const char *)arg1;
}
