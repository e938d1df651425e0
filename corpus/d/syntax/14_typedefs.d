/* Typedefs of scalars, pointers, arrays and structures. */
typedef int counter_t;
typedef unsigned long long bytes_t;
typedef char name_buf[32];
typedef struct pair { int a; int b; } pair_t, *pair_ptr;

counter_t total;
bytes_t moved;
pair_t last_pair;
pair_ptr pp;

BEGIN
{
	total = sizeof (counter_t);
	moved = sizeof (bytes_t) + sizeof (pair_t);
	pp = (pair_ptr)0;
}
