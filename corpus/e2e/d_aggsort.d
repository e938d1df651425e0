// D: the order of aggregation entries: by value then key; aggsortkey, aggsortrev (which also
// reverses the order of the aggregations in the exit dump), aggsortkeypos and aggsortpos, set
// by pragma and changed by setopt() while tracing. Integer keys compare as unsigned numbers.
#pragma D option quiet
#pragma D option aggsortrev

BEGIN
{
	@a[1, "z"] = sum(5);
	@a[2, "y"] = sum(5);
	@a[3, "x"] = sum(1);
	@a[-1, "w"] = sum(3);
	@c["p"] = count();
	@c["q"] = count();
	@c["q"] = count();
	@d["p"] = sum(10);
	@d["q"] = sum(5);
	@e["one"] = count();
	@e["two"] = count();
	@e["two"] = count();
	@f["three"] = count();
	printa(@a);
	setopt("aggsortrev", "no");
	printa(@a);
	setopt("aggsortkey");
	printa(@a);
	setopt("aggsortkeypos", "1");
	printa(@a);
	setopt("aggsortkey", "");
	setopt("aggsortkeypos", "0");
	printa(@c, @d);
	setopt("aggsortpos", "1");
	printa(@c, @d);
	printa("%s %@d %@d\n", @c, @d);
	setopt("aggsortrev");
	exit(0);
}
