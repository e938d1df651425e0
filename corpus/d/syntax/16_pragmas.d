#!/usr/sbin/dtrace -Zs
#pragma D option quiet
#pragma D option bufsize=16m
#pragma D option aggsize=4m
#pragma D option dynvarsize=32m
#pragma D option switchrate=10hz
#pragma D option defaultargs
#pragma D option destructive
#pragma D depends_on module vmlinux
#pragma D depends_on provider io
#pragma D attributes Evolving/Evolving/Common provider io args
#pragma D binding "1.0" my_inline
#pragma ident "example pragma ignored by DTrace"
#pragma weak other_compiler_pragma

inline int my_inline = 3;

BEGIN
{
	exit(0);
}
