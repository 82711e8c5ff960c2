/* serve.c - `octoflow serve`: the long-running service.
 *
 * Start-up: signals blocked in every thread (the main thread takes them
 * with sigwait), the core initialised in the service role (job store,
 * worker processes, schedules), the API listening. Nothing is deleted at
 * start: flow locks are held by the kernel and die with their holder.
 * SIGHUP reopens the log file. SIGTERM/SIGINT: new launches get 503 and
 * schedules stop; running flows get SHUTDOWN_GRACE seconds to finish,
 * then are cancelled, and a run that does not stop within
 * KILL_GRACE_SECONDS has its worker killed; the API stops after the last
 * request; exit 0. So a shutdown takes at most grace + kill grace.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "api.h"
#include "api_config.h"
#include "cli.h"
#include "cli_spec.h"
#include "routes.h"

int octo_cmd_serve(int argc, char **argv, const char *exe_path, const char *exe_dir)
{
    struct octo_core_opts o;
    const struct octo_config *c;
    octo_error err;
    sigset_t set;
    char listening[600];
    int sig = 0;
    size_t left;

    {
        struct octo_cli_args a;
        int rc = octo_cli_parse(octo_cli_find("serve"), argc, argv, &a);

        if (rc != OCTO_CLI_PARSED) {
            return OCTO_CLI_PARSE_EXIT(rc);
        }
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.role = OCTO_ROLE_SERVICE;
    o.exe_path = exe_path;
    o.exe_dir = exe_dir;
    o.log_to_file = 1;
    o.load_plugins = 1;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow: %s\n", err.msg);
        return OCTO_EXIT_USAGE;
    }
    c = octo_config();
    /* API_PROTOCOL, API_HOST against the token: refused before schedules start */
    if (octo_api_listen_config(c, &(struct octo_api_listen){0}, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "%s", err.msg);
        octo_core_shutdown();
        return OCTO_EXIT_USAGE;
    }
    octo_log(OCTO_LOG_INFO,
             "Octoflow %s starting (step ABI %d.%d, %zu plugins, %d workers, %s "
             "isolation)",
             octo_version(), OCTO_ABI_MAJOR, OCTO_ABI_MINOR, octo_plugins_count(),
             c->flow_max_workers, c->isolation == OCTO_ISOLATION_PROCESS ? "process" : "thread");
    if (c->api_token_is_default) {
        octo_log(OCTO_LOG_WARN, "**************************************************************");
        octo_log(OCTO_LOG_WARN, "API_TOKEN is not set: the API accepts the public default token");
        octo_log(OCTO_LOG_WARN, "\"default_token\" and listens on 127.0.0.1 only. Set API_TOKEN.");
        octo_log(OCTO_LOG_WARN, "**************************************************************");
    }
    /* schedules before the API answers, so a client that sees the service
     * up sees its schedules too */
    octo_core_start_schedules();
    if (octo_api_start(exe_dir, listening, sizeof(listening), &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "cannot start the API: %s", err.msg);
        octo_core_shutdown();
        return OCTO_EXIT_FAILED;
    }
    octo_log(OCTO_LOG_INFO, "API listening on %s", listening);
    for (;;) {
        if (sigwait(&set, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            /* lines logged before the signal belong to the renamed file */
            octo_log_flush();
            octo_log_request_reopen();
            octo_log(OCTO_LOG_INFO, "SIGHUP: log file reopened");
            continue;
        }
        break;
    }
    octo_log(OCTO_LOG_INFO, "%s received: shutting down (grace %d s, then kill grace %d s)",
             strsignal(sig), c->shutdown_grace, c->kill_grace);
    octo_routes_set_shutting_down();
    octo_launch_close();
    left = octo_jobs_wait_idle((double)c->shutdown_grace);
    if (left > 0) {
        octo_log(OCTO_LOG_WARN, "%zu flow(s) still running after the grace period: cancelling",
                 left);
        octo_jobs_cancel_all();
        left = octo_jobs_wait_idle((double)c->kill_grace + 2.0);
        if (left > 0) {
            octo_log(OCTO_LOG_ERROR, "%zu flow(s) did not stop", left);
        }
    }
    octo_api_stop();
    octo_log(OCTO_LOG_INFO, "Octoflow stopped");
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}
