/* How many helpers one user who is not root may run at once. */
#ifndef PROBE_LENS_SESSIONS_H
#define PROBE_LENS_SESSIONS_H

#include "access.h"
#include "rpc.h"

#define MAX_SESSIONS_PER_USER 4

/* Takes one of the requester's session slots for this process's lifetime; -1 with a reason
 * when they are all taken. */
int session_claim(const struct requester *who, struct rpc_failure *failure);

#endif
