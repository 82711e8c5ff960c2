/* octoflow/core.h - what the executable (server/) uses of the core.
 *
 * Start-up order matters and lives in octo_core_init: configuration,
 * log, time zone, process-global library inits (curl, jansson seed),
 * plugins, worker pool. Everything after init may be used from any
 * thread. The module headers below are the core's internal API.
 */
#ifndef OCTOFLOW_CORE_H
#define OCTOFLOW_CORE_H

#include <octoflow/octo_step.h>

#include "config.h"
#include "errors.h"
#include "flow.h"
#include "locks.h"
#include "log.h"
#include "plugins.h"
#include "pool.h"
#include "runner.h"
#include "timefmt.h"
#include "version.h"

struct octo_core_opts {
    const char *exe_dir;  /* directory of the executable (plugin search) */
    int log_to_file;      /* open LOG_PATH/LOG_FILE_NAME */
    int log_level;        /* 0: LOG_LEVEL from the environment */
    int start_pool;       /* start the worker pool */
    int load_plugins;
};

/* Initialise the core. Returns OCTO_OK or fills err (bad environment,
 * unreadable config.yml, unknown TIMEZONE...). Call once, before threads. */
int octo_core_init(const struct octo_core_opts *opts, octo_error *err);
void octo_core_shutdown(void);

#endif
