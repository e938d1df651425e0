// D: curpsinfo of the workload while it spins on the CPU: pr_psargs (its arguments as one line,
// after the binary's directory), pr_fname, and the members Linux has no notion of (0).
// workload: spin-ms 3000
// stop: self
#pragma D option quiet

profile-997
/execname == "oxtwl"/
{
	printf("[%s] [%s] %d %d\n", basename(curpsinfo->pr_psargs), curpsinfo->pr_fname, curpsinfo->pr_projid, curpsinfo->pr_pid == pid);
	exit(0);
}
