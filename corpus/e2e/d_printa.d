// D: printa with a format (sorted by value); the exit dump leaves out printa'd aggregations.
#pragma D option quiet

BEGIN
{
	@a["a"] = sum(3);
	@a["b"] = sum(1);
	@n["x"] = count();
	@n["y"] = count();
	@n["y"] = count();
	printa("%s %@d\n", @a);
	exit(0);
}
