/* serve.c - `octoflow serve`: the long-running service.
 *
 * Start-up: signals blocked in every thread (the main thread takes them
 * with sigwait), core initialised, stale lock files removed, schedules
 * from config.yml added, API listening. SIGHUP reopens the log file.
 * SIGTERM/SIGINT: new launches get 503 and schedules stop; running flows
 * get SHUTDOWN_GRACE seconds to finish, then are cancelled; the API stops
 * after the last request; locks are released; exit 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "api.h"
#include "api_config.h"
#include "cli.h"
#include "jobs.h"
#include "routes.h"
#include "scheduler.h"

int octo_cmd_serve(int argc, char **argv, const char *exe_dir)
{
    struct octo_core_opts o;
    octo_error err;
    sigset_t set;
    char listening[600];
    int sig = 0;
    size_t left;
    int n;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: octoflow serve (configured by environment variables)\n");
        return OCTO_EXIT_USAGE;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.exe_dir = exe_dir;
    o.log_to_file = 1;
    o.start_pool = 1;
    o.load_plugins = 1;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow: %s\n", err.msg);
        return OCTO_EXIT_USAGE;
    }
    /* API_PROTOCOL, API_HOST against the token: refused before schedules start */
    if (octo_api_listen_config(octo_config(), &(struct octo_api_listen){0}, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "%s", err.msg);
        octo_core_shutdown();
        return OCTO_EXIT_USAGE;
    }
    octo_log(OCTO_LOG_INFO, "Octoflow %s starting (step ABI %d.%d, %zu plugins, %d workers)",
             OCTO_VERSION, OCTO_ABI_MAJOR, OCTO_ABI_MINOR, octo_plugins_count(),
             octo_config()->flow_max_workers);
    if (octo_config()->api_token_is_default) {
        octo_log(OCTO_LOG_WARN, "**************************************************************");
        octo_log(OCTO_LOG_WARN, "API_TOKEN is not set: the API accepts the public default token");
        octo_log(OCTO_LOG_WARN, "\"default_token\" and listens on 127.0.0.1 only. Set API_TOKEN.");
        octo_log(OCTO_LOG_WARN, "**************************************************************");
    }
    n = octo_locks_clear_files();
    if (n > 0) {
        octo_log(OCTO_LOG_INFO, "%d stale lock file(s) removed", n);
    }
    octo_sched_start();
    n = octo_sched_autostart(octo_config()->file);
    if (n > 0) {
        octo_log(OCTO_LOG_INFO, "%d flow(s) scheduled from the configuration", n);
    }
    if (octo_api_start(exe_dir, listening, sizeof(listening), &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "cannot start the API: %s", err.msg);
        octo_sched_stop();
        octo_core_shutdown();
        return OCTO_EXIT_FAILED;
    }
    octo_log(OCTO_LOG_INFO, "API listening on %s", listening);
    for (;;) {
        if (sigwait(&set, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            octo_log_request_reopen();
            octo_log(OCTO_LOG_INFO, "SIGHUP: log file reopened");
            continue;
        }
        break;
    }
    octo_log(OCTO_LOG_INFO, "%s received: shutting down (grace %d s)", strsignal(sig),
             octo_config()->shutdown_grace);
    octo_routes_set_shutting_down();
    octo_sched_stop();
    left = octo_jobs_wait_idle((double)octo_config()->shutdown_grace);
    if (left > 0) {
        octo_log(OCTO_LOG_WARN, "%zu flow(s) still running after the grace period: cancelling",
                 left);
        octo_jobs_cancel_all();
        left = octo_jobs_wait_idle(30);
        if (left > 0) {
            octo_log(OCTO_LOG_ERROR, "%zu flow(s) did not stop", left);
        }
    }
    octo_api_stop();
    octo_log(OCTO_LOG_INFO, "Octoflow stopped");
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}
