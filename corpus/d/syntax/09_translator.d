/* A translator from a kernel-ish input structure to a stable output structure. */
typedef struct request_info {
	int ri_size;
	string ri_name;
	uint64_t ri_when;
} request_info_t;

translator request_info_t < struct request *R >
{
	ri_size = R->len;
	ri_name = stringof(R->name);
	ri_when = R->start_time;
};

fbt::submit_request:entry
{
	this->info = xlate <request_info_t *> ((struct request *)arg0);
	printf("%s %d\n", this->info->ri_name, this->info->ri_size);
}
