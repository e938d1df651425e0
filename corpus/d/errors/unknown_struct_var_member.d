/* A member that the struct type of a declared variable does not have. */
struct point {
	int x;
	int y;
};

this struct point pt;

BEGIN
{
	this->pt.z = 1;
}
