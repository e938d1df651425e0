/* speculation() searches at most 256 speculations for a free one. */
#pragma D option nspec=1000
BEGIN
{
	s = speculation();
}
