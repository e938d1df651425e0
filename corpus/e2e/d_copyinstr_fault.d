// D: copyinstr(), stringof() and inet_ntoa() of addresses that cannot be read are DTrace's invalid address
// fault (user and kernel memory); ERROR gets the address, the clause's other output is dropped.
#pragma D option quiet

BEGIN
{
	printf("dropped\n");
	printf("%s\n", copyinstr(16));
}

BEGIN
{
	trace(stringof(24));
}

BEGIN
{
	printf("%s\n", inet_ntoa(32));
}

ERROR
{
	printf("fault %d at 0x%x in action %d\n", arg4, arg5, arg2);
}

BEGIN
{
	exit(0);
}
