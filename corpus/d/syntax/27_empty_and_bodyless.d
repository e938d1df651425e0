/* Empty clauses, bodiless clauses and an empty statement list. */
syscall:::entry {}

syscall:::return
{
}

BEGIN

END
{
	;
	;;
}

proc:::exec-success
/execname == "sh"/
