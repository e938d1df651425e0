/* setopt() with and without a value: a quiet program that calls it still sends its default
   records (setopt may turn quiet off while tracing). */
#pragma D option quiet

BEGIN
{
	setopt("aggsortrev");
	setopt("quiet", "no");
	@[probename] = count();
}

END
{
	trace(1);
}
