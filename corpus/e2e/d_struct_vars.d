// D: variables of a script-defined struct type (global, clause-local, thread-local): members
// (nested structs, a char array as a string, a pointer) are assigned, updated and read.
#pragma D option quiet
struct point { int x; int y; };
struct foo { int a; char name[16]; struct point p; struct foo *next; long b; };
struct foo g;
this struct foo f;
self struct point s;
BEGIN
{
	g.a = 5;
	g.b = g.a * 2;
	g.name = "hello";
	g.p.x = 7;
	g.p.y += 3;
	g.next = (struct foo *)0;
	this->f.a = 11;
	this->f.p.y = 12;
	self->s.x = 13;
	self->s.x++;
	printf("%d %d %s %d %d %d\n", g.a, g.b, g.name, g.p.x, g.p.y, (uint64_t)g.next);
	printf("%d %d %d\n", this->f.a, this->f.p.y, self->s.x);
	printf("%d %d\n", sizeof(struct foo), sizeof(g.b));
	exit(0);
}
