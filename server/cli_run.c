/* cli_run.c - `octoflow run`.
 *
 * `run` is a job like any other (source "cli"): it goes through the
 * front door, takes the flow's lock (the same kernel-held lock the
 * service uses: the two exclude each other), is recorded in the job
 * store, and runs in this process.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

int octo_cli_init(int role, const char *exe_dir, int log_to_file, int level, int open_store)
{
    struct octo_core_opts o;
    octo_error err;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.role = role;
    o.exe_dir = exe_dir;
    o.log_to_file = log_to_file;
    o.load_plugins = 1;
    o.log_level = level;
    o.open_store = open_store;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow: %s\n", err.msg);
        return -1;
    }
    return 0;
}

void octo_cli_print_messages(json_t *list, const char *kind, FILE *fp)
{
    size_t i;
    json_t *m;

    json_array_foreach(list, i, m)
    {
        fprintf(fp, "%s: %s\n", kind, json_string_value(m));
    }
}

/* --data JSON or --data @FILE into *out (new). */
static int parse_data(const char *arg, json_t **out)
{
    json_error_t je;

    if (arg[0] == '@') {
        *out = json_load_file(arg + 1, JSON_DECODE_ANY, &je);
        if (*out == NULL && je.line < 1) { /* not read at all: jansson says why */
            fprintf(stderr, "octoflow run: --data %s: %s\n", arg, je.text);
        } else if (*out == NULL) {
            fprintf(stderr, "octoflow run: --data %s: not valid JSON: %s (line %d, column %d)\n",
                    arg, je.text, je.line, je.column);
        }
        return *out == NULL ? -1 : 0;
    }
    *out = json_loads(arg, JSON_DECODE_ANY, &je);
    if (*out == NULL) {
        fprintf(stderr, "octoflow run: --data is not valid JSON: %s (column %d)\n", je.text,
                je.column);
        return -1;
    }
    return 0;
}

static volatile sig_atomic_t g_signalled;

static void on_signal(int sig)
{
    (void)sig;
    g_signalled = 1;
}

/* Cancel from a thread, not the handler: cancelling takes locks. */
static void *watch_signals(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 20 * 1000000L};

        if (g_signalled) {
            octo_jobs_cancel_all();
            g_signalled = 0;
        }
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void print_json(json_t *v, FILE *fp)
{
    char *text = NULL;

    if (octo_json_text(v != NULL ? v : json_null(), OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &text,
                       NULL) == 0) {
        fprintf(fp, "%s\n", text);
    }
    free(text);
}

/* --output KEY: one key of the final data, text as it is. */
static int print_output(json_t *data, const char *key)
{
    json_t *v = json_object_get(data, key);

    if (v == NULL) {
        fprintf(stderr, "octoflow run: --output: the final data has no key \"%s\"\n", key);
        return -1;
    }
    if (json_is_string(v)) {
        fwrite(json_string_value(v), 1, json_string_length(v), stdout);
        if (json_string_length(v) == 0 || json_string_value(v)[json_string_length(v) - 1] != '\n') {
            putchar('\n');
        }
    } else {
        print_json(v, stdout);
    }
    return 0;
}

struct run_opts {
    const char *flow;
    const char *data;
    const char *output;
    int quiet;
    int dry_run;
    double timeout;
};

static int launch_and_report(const struct run_opts *ro, json_t *input)
{
    json_t *diags = json_object();
    struct octo_launch_req lr;
    struct octo_job *job = NULL;
    octo_error err;
    int code = OCTO_EXIT_USAGE;
    int status = 0;
    const char *message = NULL;
    const char *step = NULL;
    json_t *data = NULL;
    pthread_t watcher;

    memset(&err, 0, sizeof(err));
    memset(&lr, 0, sizeof(lr));
    lr.flow = ro->flow;
    lr.cli_arg = 1;
    lr.input = input;
    lr.timeout = ro->timeout;
    lr.source = "cli";
    lr.diags = diags;
    lr.inline_run = 1;
    /* the run happens inside octo_launch (inline): a signal during it
     * cancels it cleanly from the watcher thread, locks released */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (pthread_create(&watcher, NULL, watch_signals, NULL) == 0) {
        pthread_detach(watcher);
    }
    switch (octo_launch(&lr, &job, &err)) {
    case OCTO_LAUNCHED:
        break;
    case OCTO_LAUNCH_BUSY:
        fprintf(stderr, "octoflow run: %s\n", err.msg);
        code = OCTO_EXIT_LOCKED;
        goto out;
    case OCTO_LAUNCH_NOT_FOUND:
        fprintf(stderr, "error: %s\n", err.msg);
        goto out;
    default:
        if (json_array_size(json_object_get(diags, "errors")) == 0) {
            fprintf(stderr, "error: %s\n", err.msg);
        }
        octo_cli_print_messages(json_object_get(diags, "errors"), "error", stderr);
        octo_cli_print_messages(json_object_get(diags, "warnings"), "warning", stderr);
        goto out;
    }
    octo_cli_print_messages(json_object_get(diags, "warnings"), "warning", stderr);
    octo_job_outcome(job, &status, &message, &step, &data);
    if (!ro->quiet) {
        json_t *detail = octo_job_json(job, 1);

        octo_cli_run_summary(detail, stderr);
        json_decref(detail);
    }
    code = status == OCTO_RUN_SUCCESS || status == OCTO_RUN_EXIT ? OCTO_EXIT_OK : OCTO_EXIT_FAILED;
    if (ro->output != NULL) {
        if (print_output(data, ro->output) != 0) {
            code = OCTO_EXIT_FAILED;
        }
    } else {
        print_json(data, stdout);
    }
    if (status == OCTO_RUN_EXIT) {
        fprintf(stderr, "octoflow run: %s\n", message != NULL ? message : "the flow exited");
    } else if (status != OCTO_RUN_SUCCESS) {
        char *text = octo_failure_text(data, step, message);

        fprintf(stderr, "octoflow run: flow %s: %s\n", octo_run_status_name(status),
                text != NULL ? text : "");
        free(text);
    }
out:
    octo_job_unref(job);
    json_decref(diags);
    return code;
}

int octo_cmd_run(int argc, char **argv, const char *exe_dir)
{
    const struct octo_cli_cmd *c = octo_cli_find("run");
    struct octo_cli_args a;
    struct run_opts ro;
    json_t *timeout_v = NULL;
    json_t *input = NULL;
    octo_error err;
    int rc = octo_cli_parse(c, argc, argv, &a);
    int code = OCTO_EXIT_USAGE;

    if (rc != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    memset(&ro, 0, sizeof(ro));
    memset(&err, 0, sizeof(err));
    ro.flow = a.pos[0];
    ro.data = octo_cli_get(c, &a, "--data");
    ro.output = octo_cli_get(c, &a, "--output");
    ro.quiet = octo_cli_get(c, &a, "--quiet") != NULL;
    ro.dry_run = octo_cli_get(c, &a, "--dry-run") != NULL;
    if (octo_cli_get(c, &a, "--timeout") != NULL) {
        const char *t = octo_cli_get(c, &a, "--timeout");

        timeout_v = json_loads(t, JSON_DECODE_ANY, NULL);
        if (timeout_v == NULL) {
            timeout_v = json_string(t); /* refused below with the rule */
        }
    }
    if (octo_seconds_check(timeout_v, "--timeout", &ro.timeout, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow run: %s\n", err.msg);
        goto out;
    }
    if (ro.data != NULL && parse_data(ro.data, &input) != 0) {
        goto out;
    }
    if (ro.dry_run) {
        /* nothing runs: no lock, no job, no directory, no log file */
        if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) == 0) {
            code = octo_cli_dry_run(ro.flow, input, stdout);
            octo_core_shutdown();
        }
        goto out;
    }
    if (octo_cli_init(OCTO_ROLE_CLI, exe_dir, 1, 0, 1) != 0) {
        goto out;
    }
    if (getenv("LOG_LEVEL") == NULL || getenv("LOG_LEVEL")[0] == '\0') {
        /* the summary tells the story: INFO lines go to the log file only */
        octo_log_set_stderr_level(OCTO_LOG_WARN);
    }
    code = launch_and_report(&ro, input);
    octo_core_shutdown();
out:
    json_decref(input);
    json_decref(timeout_v);
    return code;
}
