/* A struct that is only declared has no members to reach and no size. */
struct fwd;

BEGIN
{
	this->p = (struct fwd *)0;
	trace(this->p->x);
	trace(sizeof(struct fwd));
}
