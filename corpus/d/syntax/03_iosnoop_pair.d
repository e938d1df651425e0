#!/usr/sbin/dtrace -s
#pragma D option quiet
#pragma D option switchrate=10hz

/* Block I/O start/done pairs, keyed by device and block number. */
inline int OPT_time = 1;

io:::start
{
	start_time[args[0]->b_edev, args[0]->b_blkno] = timestamp;
	start_pid[args[0]->b_edev, args[0]->b_blkno] = pid;
}

io:::done
/start_time[args[0]->b_edev, args[0]->b_blkno]/
{
	this->delta = (timestamp - start_time[args[0]->b_edev, args[0]->b_blkno]) / 1000;
	this->dir = args[0]->b_flags & B_READ ? "R" : "W";
	printf("%5d %1s %8d %6d %10d %s\n",
	    start_pid[args[0]->b_edev, args[0]->b_blkno], this->dir,
	    args[0]->b_blkno, args[0]->b_bcount, this->delta,
	    args[2]->fi_pathname);
	start_time[args[0]->b_edev, args[0]->b_blkno] = 0;
	start_pid[args[0]->b_edev, args[0]->b_blkno] = 0;
}
