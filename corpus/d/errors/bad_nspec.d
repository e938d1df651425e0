/* nspec and specsize must be numbers. */
#pragma D option nspec=many
#pragma D option specsize=big
BEGIN
{
	exit(0);
}
