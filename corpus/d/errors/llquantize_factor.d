/* llquantize() needs a factor of at least 2. */
profile-99
{
	@ = llquantize(cpu, 1, 0, 3, 10);
}
