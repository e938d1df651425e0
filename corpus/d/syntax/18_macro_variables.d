/* Macro variables: arguments, the target process, and process identifiers. */
#pragma D option defaultargs

BEGIN
{
	printf("args %d %s\n", $1, $$2);
	printf("me %d parent %d uid %d gid %d\n", $pid, $ppid, $uid, $gid);
	printf("session %d group %d project %d task %d\n", $sid, $pgid, $projid, $taskid);
	limit = $3 > 0 ? $3 : 100;
}

syscall:::entry
/pid == $target/
{
	@[probefunc] = count();
}
