/* cli_run.c - `octoflow run` and `octoflow validate`.
 *
 * `run` is a job like any other (source "cli"): it goes through the
 * front door, takes the flow's lock (the same kernel-held lock the
 * service uses: the two exclude each other), is recorded in the job
 * store, and runs in this process.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/core.h>

#include "cli.h"

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

static void print_messages(json_t *list, const char *kind, FILE *fp)
{
    size_t i;
    json_t *m;

    json_array_foreach(list, i, m) {
        fprintf(fp, "%s: %s\n", kind, json_string_value(m));
    }
}

/* --data JSON or --data @FILE into *out (new). */
static int parse_data(const char *arg, json_t **out)
{
    json_error_t je;

    if (arg[0] == '@') {
        *out = json_load_file(arg + 1, JSON_DECODE_ANY, &je);
        if (*out == NULL) {
            fprintf(stderr, "octoflow run: --data %s: %s (line %d)\n", arg, je.text, je.line);
            return -1;
        }
        return 0;
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

int octo_cmd_run(int argc, char **argv, const char *exe_dir)
{
    const char *flow_arg = NULL;
    const char *data_arg = NULL;
    json_t *timeout_v = NULL;
    json_t *input = NULL;
    json_t *diags = json_object();
    struct octo_launch_req lr;
    struct octo_job *job = NULL;
    octo_error err;
    double timeout = 0;
    int code = OCTO_EXIT_USAGE;
    int status = 0;
    const char *message = NULL;
    const char *step = NULL;
    json_t *data = NULL;
    pthread_t watcher;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_arg = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            data_arg = argv[i] + 7;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            json_decref(timeout_v);
            timeout_v = json_loads(argv[++i], JSON_DECODE_ANY, NULL);
            if (timeout_v == NULL) {
                timeout_v = json_string(argv[i]); /* refused below with the rule */
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "octoflow run: unknown option %s\n", argv[i]);
            json_decref(diags);
            json_decref(timeout_v);
            return OCTO_EXIT_USAGE;
        } else if (flow_arg == NULL) {
            flow_arg = argv[i];
        } else {
            fprintf(stderr, "octoflow run: one flow at a time\n");
            json_decref(diags);
            json_decref(timeout_v);
            return OCTO_EXIT_USAGE;
        }
    }
    memset(&err, 0, sizeof(err));
    if (flow_arg == NULL) {
        fprintf(stderr, "usage: octoflow run FLOW [--data JSON | --data @FILE] [--timeout S]\n");
        goto out_early;
    }
    if (octo_seconds_check(timeout_v, "--timeout", &timeout, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow run: %s\n", err.msg);
        goto out_early;
    }
    if (data_arg != NULL && parse_data(data_arg, &input) != 0) {
        goto out_early;
    }
    if (octo_cli_init(OCTO_ROLE_CLI, exe_dir, 1, 0, 1) != 0) {
        goto out_early;
    }
    memset(&lr, 0, sizeof(lr));
    lr.flow = flow_arg;
    lr.cli_arg = 1;
    lr.input = input;
    lr.timeout = timeout;
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
        print_messages(json_object_get(diags, "errors"), "error", stderr);
        print_messages(json_object_get(diags, "warnings"), "warning", stderr);
        goto out;
    }
    print_messages(json_object_get(diags, "warnings"), "warning", stderr);
    octo_job_outcome(job, &status, &message, &step, &data);
    {
        char *text = NULL;

        if (octo_json_text(data != NULL ? data : json_null(), OCTO_JSON_INDENT(2) |
                                                                  OCTO_JSON_UNICODE,
                           &text, NULL) == 0) {
            printf("%s\n", text);
        }
        free(text);
    }
    if (status == OCTO_RUN_EXIT) {
        fprintf(stderr, "octoflow run: %s\n", message != NULL ? message : "the flow exited");
    } else if (status != OCTO_RUN_SUCCESS) {
        fprintf(stderr, "octoflow run: flow %s: %s%s%s\n", octo_run_status_name(status),
                step != NULL ? step : "", step != NULL ? ": " : "",
                message != NULL ? message : "");
    }
    code = status == OCTO_RUN_SUCCESS || status == OCTO_RUN_EXIT ? OCTO_EXIT_OK
                                                                   : OCTO_EXIT_FAILED;
out:
    octo_job_unref(job);
    octo_core_shutdown();
out_early:
    json_decref(input);
    json_decref(diags);
    json_decref(timeout_v);
    return code;
}

int octo_cmd_validate(int argc, char **argv, const char *exe_dir)
{
    json_t *names = json_array();
    unsigned flags = 0;
    int bad = 0;
    int k;
    size_t i;
    json_t *name;

    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--strict") == 0) {
            flags |= OCTO_FLOW_STRICT;
        } else if (argv[k][0] == '-' && argv[k][1] != '\0') {
            fprintf(stderr, "octoflow validate: unknown option %s\n", argv[k]);
            json_decref(names);
            return OCTO_EXIT_USAGE;
        } else {
            json_array_append_new(names, json_string(argv[k]));
        }
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) != 0) {
        json_decref(names);
        return OCTO_EXIT_USAGE;
    }
    if (json_array_size(names) == 0) {
        json_decref(names);
        names = octo_flow_files();
    }
    json_array_foreach(names, i, name) {
        json_t *report = NULL;
        octo_error err;
        int valid;

        memset(&err, 0, sizeof(err));
        if (octo_flow_check(json_string_value(name), flags, &report, &err) != OCTO_OK) {
            printf("error: %s\n", err.msg);
            printf("%s: INVALID (0 warnings)\n", json_string_value(name));
            bad++;
            continue;
        }
        valid = json_is_true(json_object_get(report, "valid"));
        bad += !valid;
        print_messages(json_object_get(report, "errors"), "error", stdout);
        print_messages(json_object_get(report, "warnings"), "warning", stdout);
        printf("%s: %s (%zu warning%s)\n", json_string_value(name), valid ? "valid" : "INVALID",
               json_array_size(json_object_get(report, "warnings")),
               json_array_size(json_object_get(report, "warnings")) == 1 ? "" : "s");
        json_decref(report);
    }
    printf("%zu flow%s checked, %d invalid\n", json_array_size(names),
           json_array_size(names) == 1 ? "" : "s", bad);
    json_decref(names);
    octo_core_shutdown();
    return bad > 0 ? OCTO_EXIT_FAILED : OCTO_EXIT_OK;
}
