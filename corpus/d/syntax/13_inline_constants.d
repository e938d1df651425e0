/* Inline definitions are typed constants substituted at compile time. */
inline int MAX_DEPTH = 10;
inline string GREETING = "hello";
inline uint64_t NS_PER_SEC = 1000000000;
inline int TWICE = MAX_DEPTH * 2;
inline int OPT_pid = 0;

BEGIN
/MAX_DEPTH < TWICE/
{
	printf("%s %d %d\n", GREETING, MAX_DEPTH, NS_PER_SEC);
}
