/* Associative arrays with declared key and value types. */
int counts[int, string];
string names[int];
uint64_t started[pid_t, int];

syscall::read:entry
{
	counts[pid, execname]++;
	names[pid] = execname;
	started[pid, (int)arg0] = timestamp;
}
