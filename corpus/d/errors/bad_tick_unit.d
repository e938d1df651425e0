/* A tick rate with a unit DTrace does not know. */
tick-5fortnights
{
	exit(0);
}
