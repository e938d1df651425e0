BEGIN
{
	trace("start");
}
/* this comment never ends
END
{
	trace("end");
}
