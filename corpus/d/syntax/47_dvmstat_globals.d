/* Per-interval counters kept in global scalars and arrays. */
#pragma D option quiet

int pgin, pgout, faults;
int per_cpu[int];

vminfo:::pgpgin { pgin += arg0; }
vminfo:::pgpgout { pgout += arg0; }
vminfo:::as_fault { faults++; per_cpu[cpu]++; }

profile:::tick-1sec
{
	printf("%8d %8d %8d\n", pgin, pgout, faults);
	pgin = 0;
	pgout = 0;
	faults = 0;
}
