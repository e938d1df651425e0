// D: flowindent changes the columns to FUNCTION (test mode drops CPU), each record starting
// with "| func:name" padded to 41; a probe that is neither an entry nor a return is not indented.
#pragma D option flowindent

BEGIN
{
	trace("begin");
}

tick-1ms
{
	exit(0);
}

END
{
	printf("end");
}
