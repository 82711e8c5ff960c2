/* core.c - start-up and shut-down of the core: the composition root
 * (see octoflow/core.h).
 *
 * This is the one place that wires the modules together: the host table
 * goes to the plugin loader (plugins call back through it), the flow
 * cache and the runner find plugins through the registry, the launch
 * front door gets its executor. Start-up order matters: configuration
 * and the log first (everything reports through them), the time zone
 * (schedules, timestamps), process-global library inits (curl, the
 * jansson hash seed) before any thread, plugins, then per role: the job
 * store, orphaned jobs, the executor (worker processes or threads).
 */
#include <octoflow/core.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "flow.h"
#include "job.h"
#include "jqbridge.h"
#include "launch.h"
#include "locks.h"
#include "log.h"
#include "plugins.h"
#include "pool.h"
#include "scheduler.h"
#include "secrets.h"
#include "store.h"
#include "supervisor.h"
#include "tempfiles.h"
#include "timefmt.h"
#include "tplcache.h"
#include "version.h"
#include "worker.h"
#include "xalloc.h"

static struct octo_config g_cfg;
static int g_pool_started;
static int g_role;

const char *octo_version(void)
{
    return OCTO_VERSION;
}

static int start_executor(const struct octo_core_opts *opts, octo_error *err)
{
    if (g_role == OCTO_ROLE_SERVICE && g_cfg.isolation == OCTO_ISOLATION_PROCESS) {
        if (opts->exe_path == NULL ||
            octo_supervisor_start(opts->exe_path, g_cfg.flow_max_workers, err) != OCTO_OK) {
            octo_log(OCTO_LOG_ERROR,
                     "worker processes unavailable (%s): runs execute in the "
                     "service's threads",
                     err->msg[0] != '\0' ? err->msg : "no executable");
            memset(err, 0, sizeof(*err));
        } else {
            octo_launch_set_mode(OCTO_EXEC_PROCESSES);
            /* from now on this process only checks flows; workers run them */
            octo_flow_cache_set_flags(OCTO_FLOW_SHALLOW);
            return OCTO_OK;
        }
    }
    /* threads: runs (service, thread isolation) or loop items (CLI) */
    if (octo_pool_start(g_cfg.flow_max_workers) != 0) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the worker pool");
    }
    g_pool_started = 1;
    octo_launch_set_mode(g_role == OCTO_ROLE_SERVICE ? OCTO_EXEC_THREADS : OCTO_EXEC_INLINE);
    return OCTO_OK;
}

/* LOG_STDERR=1/0 says whether log lines also go to stderr. Unset: yes,
 * except under systemd (JOURNAL_STREAM) when a log file is written: the
 * journal would hold every line a second time. */
static void log_stderr_policy(int log_file)
{
    const char *v = getenv("LOG_STDERR");

    if (v != NULL && v[0] != '\0') {
        octo_log_set_stderr(!(strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
                              strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0));
    } else {
        const char *js = getenv("JOURNAL_STREAM");

        octo_log_set_stderr(!(log_file && js != NULL && js[0] != '\0'));
    }
}

int octo_core_init(const struct octo_core_opts *opts, octo_error *err)
{
    int rc;

    g_role = opts->role;
    /* The out-of-memory policy (xalloc.h) for jansson too, before any
     * thread: json_object(), json_pack()... then return NULL only for a
     * bad argument or format, never for lack of memory. Values allocated
     * before this are still freed by free(). The zygote runs this too and
     * workers are its forks, so they inherit it; plugins share this
     * libjansson and its allocator. */
    json_set_alloc_funcs(octo_xmalloc, free);
    octo_launch_reset();
    octo_flow_cache_set_flags(0);
    json_object_seed(0);
    rc = octo_config_load_ex(&g_cfg, g_role == OCTO_ROLE_TOOL ? OCTO_CONFIG_NO_MKDIR : 0, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    octo_config_set(&g_cfg);
    octo_log_set_level(opts->log_level != 0 ? opts->log_level : g_cfg.log_level);
    if (opts->log_to_file) {
        rc = octo_log_open(g_cfg.log_path, g_cfg.log_file_name, err);
        if (rc != OCTO_OK) {
            return rc;
        }
    }
    log_stderr_policy(opts->log_to_file);
    if (g_role == OCTO_ROLE_SERVICE && octo_log_start_writer() != 0) {
        /* lines are then written by the threads that log them */
        octo_log(OCTO_LOG_WARN, "log writer thread unavailable: logging synchronously");
    }
    rc = octo_timefmt_init(g_cfg.timezone, err);
    if (rc != OCTO_OK) {
        octo_error_prefix(err, "TIMEZONE");
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "libcurl initialisation failed");
    }
    /* a full disk must fail a write, not kill the process */
    signal(SIGXFSZ, SIG_IGN);
    if (opts->load_plugins) {
        octo_plugins_load_default(opts->exe_dir);
    }
    if (g_role == OCTO_ROLE_ZYGOTE) {
        return OCTO_OK;
    }
    if (g_role == OCTO_ROLE_SERVICE || g_role == OCTO_ROLE_CLI || opts->open_store) {
        octo_error serr;

        memset(&serr, 0, sizeof(serr));
        /* failure is not fatal: the store degrades, runs go on */
        octo_store_on_prune(octo_jobs_forget_ids);
        octo_store_open(g_cfg.jobs_db, g_role == OCTO_ROLE_TOOL, &serr);
        if (g_role != OCTO_ROLE_TOOL) {
            int n = octo_jobs_abandon_orphans();

            if (n > 0) {
                octo_log(OCTO_LOG_WARN, "%d job(s) left unfinished by a crash marked abandoned", n);
            }
        }
    }
    if (g_role == OCTO_ROLE_SERVICE) {
        size_t removed = 0;
        octo_error terr;

        /* what writers killed mid-write (kill -9, a worker past its hard
         * deadline) left behind */
        memset(&terr, 0, sizeof(terr));
        if (octo_tempfiles_clean(g_cfg.data_path, &removed, &terr) == OCTO_OK && removed > 0) {
            octo_log(OCTO_LOG_INFO, "%zu temporary file(s) of dead writers removed", removed);
        }
    }
    if (g_role == OCTO_ROLE_SERVICE || g_role == OCTO_ROLE_CLI) {
        rc = start_executor(opts, err);
        if (rc != OCTO_OK) {
            return rc;
        }
    }
    return OCTO_OK;
}

int octo_core_start_schedules(void)
{
    int n;

    if (g_role != OCTO_ROLE_SERVICE || octo_sched_start() != 0) {
        return -1;
    }
    n = octo_sched_restore();
    if (n > 0) {
        octo_log(OCTO_LOG_INFO, "%d stored schedule(s) restored", n);
    }
    n = octo_sched_autostart(g_cfg.file);
    if (n > 0) {
        octo_log(OCTO_LOG_INFO, "%d flow(s) scheduled from the configuration", n);
    }
    return 0;
}

int octo_core_zygote_main(const char *exe_dir)
{
    struct octo_core_opts o;
    octo_error err;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.role = OCTO_ROLE_ZYGOTE;
    o.exe_dir = exe_dir;
    o.load_plugins = 1;
    /* the service already reported plugin problems: only errors here */
    o.log_level = OCTO_LOG_ERROR;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow zygote: %s\n", err.msg);
        _exit(2);
    }
    /* workers log through the service: back to the configured level */
    octo_log_set_level(g_cfg.log_level);
    octo_zygote_main(3);
}

void octo_core_shutdown(void)
{
    if (g_role == OCTO_ROLE_SERVICE) {
        octo_sched_stop();
    }
    octo_launch_close();
    octo_supervisor_stop();
    if (g_pool_started) {
        octo_pool_stop();
        g_pool_started = 0;
    }
    octo_store_close();
    octo_jobs_clear();
    octo_flow_cache_clear();
    octo_tplcache_clear();
    octo_secrets_reset();
    octo_jq_clear_unused();
    octo_timefmt_shutdown();
    curl_global_cleanup();
    octo_log_close();
    octo_config_set(NULL);
    octo_config_free(&g_cfg);
}
