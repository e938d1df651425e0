int x = 5;
inline int LIMIT;
struct point int y;
translator struct out < struct in *P >
{
	a = P->a
};
