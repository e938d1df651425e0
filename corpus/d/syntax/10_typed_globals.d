/* Typed global declarations of several kinds. */
int count_total;
string last_name;
uint64_t first_seen, last_seen;
char *name_pointer;
int histogram[16];
unsigned long long total_bytes;
short small;
long signed_long;
unsigned int flags;

BEGIN
{
	count_total = 0;
	last_name = "none";
	first_seen = timestamp;
}
