/* Two constants dividing by zero are refused at compile time. */
BEGIN
{
	x = 1 / 0;
	y = 5 % 0;
}
