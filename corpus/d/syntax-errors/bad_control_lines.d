#include <stdio.h>
#pragma D option
#pragma D option bufsize=4m quiet
#pragma D frobnicate
#line abc
BEGIN
{
	trace(1);
}
