/* Buffer and space options: bufsize sizes the ring buffer, dynvarsize the dynamic variables,
   aggsize the aggregations; rates are accepted. */
#pragma D option bufsize=64k
#pragma D option dynvarsize=4k
#pragma D option aggsize=1m
#pragma D option switchrate=10hz
#pragma D option aggrate=1sec
#pragma D option quiet

tick-10ms
{
	start[cpu] = timestamp;
	@n[cpu] = count();
}

tick-1s
{
	exit(0);
}
