BEGIN
{
	a = '';
	b = 'abcdefghij';
	c = 'x
	;
}
