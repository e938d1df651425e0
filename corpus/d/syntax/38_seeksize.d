/* Disk seek distance per process, from consecutive block numbers. */
#pragma D option quiet

self int last[dev_t];

io:::start
/self->last[args[0]->b_edev] != 0/
{
	this->last = self->last[args[0]->b_edev];
	this->dist = (int)(args[0]->b_blkno - this->last) > 0 ?
	    args[0]->b_blkno - this->last : this->last - args[0]->b_blkno;
	@size[pid, curpsinfo->pr_psargs] = quantize(this->dist);
}

io:::start
{
	self->last[args[0]->b_edev] = args[0]->b_blkno +
	    args[0]->b_bcount / 512;
}

END
{
	printa("\n%8d  %S\n%@d\n", @size);
}
