// D: printf with DTrace's default output (header and one :BEGIN record), the matched notice.
BEGIN { printf("hello %d\n", 42); exit(0); }
