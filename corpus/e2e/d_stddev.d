// D: count, sum, avg, min, max and stddev at exit; normalize() on every kind (distributions
// divide their counts, stddev divides the squares once) and denormalize().
#pragma D option quiet

BEGIN
{
	@c["count"] = count();
	@c["count"] = count();
	@s["sum"] = sum(-40);
	@s["sum"] = sum(10);
	@a["avg"] = avg(7);
	@a["avg"] = avg(10);
	@mn["min"] = min(12);
	@mn["min"] = min(-3);
	@mx["max"] = max(12);
	@mx["max"] = max(-3);
	@sd["sd"] = stddev(2);
	@sd["sd"] = stddev(4);
	@sd["sd"] = stddev(4);
	@sd["sd"] = stddev(4);
	@sd["sd"] = stddev(5);
	@sd["sd"] = stddev(5);
	@sd["sd"] = stddev(7);
	@sd["sd"] = stddev(9);
	@q = quantize(8, 10);
	@ns["sum"] = sum(1000);
	@ns["sum"] = sum(-1);
	@nsd["sd"] = stddev(100);
	@nsd["sd"] = stddev(300);
	normalize(@ns, 10);
	normalize(@nsd, 4);
	normalize(@q, 3);
	normalize(@c, 2);
	denormalize(@c);
	exit(0);
}
