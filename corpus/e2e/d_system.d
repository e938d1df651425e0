// D: system() with the destructive option runs the command through the shell, its output in
// order with the program's; exit(n) is the exit status.
// exit: 3
#pragma D option quiet
#pragma D option destructive

BEGIN
{
	printf("before\n");
	system("echo %s %d", "from the shell", 42);
	printf("after\n");
	exit(3);
}
