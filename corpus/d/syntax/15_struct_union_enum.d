/* Structure, union and enumeration definitions. */
struct point {
	int x;
	int y;
};

struct sample {
	struct point where;
	unsigned int flags : 4;
	unsigned int kind : 4, : 0;
	char tag[8];
	long values[4][2];
	struct sample *next;
	const char *label;
};

union word {
	uint32_t u;
	int32_t i;
	char bytes[4];
};

enum color { RED, GREEN = 5, BLUE, };
enum { ALPHA = 1 << 0, BETA = 1 << 1 };

struct point origin;
enum color paint;
union word w;

BEGIN
{
	origin.x = 0;
	paint = GREEN;
	printf("%d %d %d\n", sizeof (struct sample), offsetof(struct sample, tag), BLUE);
}
