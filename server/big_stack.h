/* big_stack.h - run a route handler on a large stack, on the same thread.
 *
 * Debian's civetweb runs handlers on 100 KiB thread stacks (built with
 * USE_STACK_SIZE=102400). JSON nested as deep as the API accepts (999
 * levels) is parsed, redacted and written by recursive code: a launch
 * body nested 800 deep, or GET /api/v1/jobs/{id} of a job whose result
 * was nested 990 deep, overflowed the stack and killed the whole service.
 * Handlers used to run on a thread created per POST (GETs had no such
 * guard); now every handler runs on an 8 MiB stack that each civetweb
 * thread allocates once and switches to (ucontext), which costs a
 * context switch of the same thread (~1 µs), not a thread. */
#ifndef OCTO_BIG_STACK_H
#define OCTO_BIG_STACK_H

#include "http.h"

/* fn(req) on this thread's big stack; on fn's own stack when none can be
 * had (the 8 MiB mapping refused) or when already on it. */
void octo_big_stack_call(octo_route_fn fn, struct octo_req *req);

#endif
