/* The last statement of a clause does not need a semicolon. */
BEGIN { trace(1) }

END
{
	printf("a\n");
	printf("b\n")
}

tick-1s { x = 1; y = 2 }
