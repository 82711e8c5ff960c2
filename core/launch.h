/* launch.h - the one front door of every run (declared in
 * octoflow/core.h: octo_launch).
 *
 * The CLI, the API, the scheduler all start a flow there, and nowhere
 * else: resolve the flow (loaded and validated through the cache) ->
 * take its lock -> record the job -> hand it to the executor -> (the
 * executor runs it and finishes the job: unlock, final record). Which
 * executor is the process's choice, made once at start-up: worker
 * processes in the service (FLOW_ISOLATION=process), the service's
 * threads (FLOW_ISOLATION=thread), or the calling thread (the CLI).
 */
#ifndef OCTO_LAUNCH_H
#define OCTO_LAUNCH_H

#include <octoflow/core.h>

enum octo_exec_mode { OCTO_EXEC_INLINE = 0, OCTO_EXEC_THREADS, OCTO_EXEC_PROCESSES };
void octo_launch_set_mode(int mode);
int octo_launch_mode(void);
/* Accept launches again (a new octo_core_init after a shutdown). */
void octo_launch_reset(void);

#endif
