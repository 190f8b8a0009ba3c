"""``grid-collab demo``: a whole team on this machine, live, in one command."""
