# 1 "script.d"
# 1 "<built-in>"
# 1 "<command-line>"
# 1 "script.d"
#line 10 "script.d"
BEGIN
{
# 12 "script.d" 2
	x = 1;
#line 20
	y = 2;
}
