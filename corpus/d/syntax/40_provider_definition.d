/* A USDT provider definition, as in a provider's .d file. */
provider myapp {
	probe request__start(int, char *);
	probe request__done(int, char *, uint64_t latency);
	probe query(string) : (string);
	probe varargs(int, ...);
	probe nothing();
};

#pragma D attributes Evolving/Evolving/Common provider myapp provider
