/*
 * Block comments anywhere, including between the parts of a clause.
 */
BEGIN /* after the description */
/* before the predicate */ /1/ /* after the predicate */
{
	/* inside */ x = 1; /* after a statement */
	y = /* inside an expression */ 2;
	// a line comment
	z = x / y; // division, then a comment
}
