/* panic(), breakpoint() and chill() cannot be offered by BPF programs. */
#pragma D option destructive
BEGIN
{
	panic();
	breakpoint();
	chill(100);
}
