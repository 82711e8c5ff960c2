/* cli_jobs.c - `octoflow jobs list` and `octoflow jobs show ID`: the job
 * history, read from the job store (the service may be running). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

static void usage(FILE *fp)
{
    octo_cli_usage_line(octo_cli_find("jobs list"), fp);
    octo_cli_usage_line(octo_cli_find("jobs show"), fp);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v != NULL ? v : "-";
}

/* No store file yet (no job ever ran with this JOBS_DB): an empty history,
 * not SQLite's "unable to open database file". */
static int store_missing(void)
{
    const struct octo_config *cfg = octo_config();

    return cfg != NULL && cfg->jobs_db[0] != '\0' && access(cfg->jobs_db, F_OK) != 0;
}

/* *value (when set) made canonical, or exit 2 naming the filter's values */
static int check_filter(const char *field, const char **value)
{
    const char *names = "";
    const char *v;

    if (*value == NULL) {
        return 0;
    }
    v = octo_job_filter_value(field, *value, &names);
    if (v == NULL) {
        fprintf(stderr, "octoflow jobs list: --%s '%s' is not one of %s\n", field, *value, names);
        return -1;
    }
    *value = v;
    return 0;
}

static int list(const struct octo_cli_cmd *c, const struct octo_cli_args *a)
{
    struct octo_job_query q;
    json_t *jobs = NULL;
    long total = 0;
    octo_error err;
    int as_json;
    size_t k;
    json_t *j;

    memset(&q, 0, sizeof(q));
    q.limit = 50;
    q.flow = octo_cli_get(c, a, "--flow");
    q.status = octo_cli_get(c, a, "--status");
    q.state = octo_cli_get(c, a, "--state");
    q.source = octo_cli_get(c, a, "--source");
    as_json = octo_cli_get(c, a, "--json") != NULL;
    if (octo_cli_get(c, a, "--limit") != NULL) {
        char *end;

        q.limit = strtol(octo_cli_get(c, a, "--limit"), &end, 10);
        if (*end != '\0' || q.limit < 1 || q.limit > 100000) {
            fprintf(stderr, "octoflow jobs list: --limit must be 1..100000\n");
            return OCTO_EXIT_USAGE;
        }
    }
    if (check_filter("status", &q.status) != 0 || check_filter("state", &q.state) != 0 ||
        check_filter("source", &q.source) != 0) {
        return OCTO_EXIT_USAGE;
    }
    memset(&err, 0, sizeof(err));
    if (store_missing()) {
        jobs = json_array(); /* nothing recorded yet */
    } else if (octo_jobs_query(&q, &jobs, &total, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow jobs: %s\n", err.msg);
        return OCTO_EXIT_FAILED;
    }
    if (as_json) {
        char *text = NULL;

        octo_json_text(jobs, OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &text, NULL);
        printf("%s\n", text != NULL ? text : "[]");
        free(text);
    } else {
        printf("%-36s  %-25s  %-9s  %-9s  %-8s  %s\n", "ID", "CREATED", "STATE", "STATUS", "SOURCE",
               "FLOW");
        json_array_foreach(jobs, k, j)
        {
            printf("%-36s  %-25.25s  %-9s  %-9s  %-8s  %s\n", str(j, "id"), str(j, "created"),
                   str(j, "state"), str(j, "status"), str(j, "source"), str(j, "flow_path"));
        }
        printf("%zu of %ld job(s)\n", json_array_size(jobs), total);
    }
    json_decref(jobs);
    return OCTO_EXIT_OK;
}

static void timeline_table(json_t *tl)
{
    size_t k;
    json_t *s;

    printf("\n%5s  %-6s  %-28s  %-16s  %-8s  %7s  %12s  %s\n", "SEQ", "PARENT", "STEP", "TYPE",
           "OUTCOME", "ATTEMPT", "DURATION", "ERROR");
    json_array_foreach(tl, k, s)
    {
        char name[64];
        char dur[32] = "-";
        json_t *err = json_object_get(s, "error");
        json_int_t depth = json_integer_value(json_object_get(s, "depth"));
        json_t *item = json_object_get(s, "item");

        snprintf(name, sizeof(name), "%*s%s", (int)(depth * 2), "", str(s, "name"));
        if (json_is_integer(item)) {
            size_t n = strlen(name);

            snprintf(name + n, sizeof(name) - n, " [%lld]", (long long)json_integer_value(item));
        }
        if (json_is_integer(json_object_get(s, "duration_us"))) {
            snprintf(dur, sizeof(dur), "%.3f ms",
                     (double)json_integer_value(json_object_get(s, "duration_us")) / 1000.0);
        }
        printf("%5lld  %-6s  %-28.28s  %-16.16s  %-8s  %7lld  %12s  %s\n",
               (long long)json_integer_value(json_object_get(s, "seq")),
               json_is_integer(json_object_get(s, "parent")) ? "sub" : "", name, str(s, "type"),
               str(s, "outcome"), (long long)json_integer_value(json_object_get(s, "attempt")), dur,
               json_is_object(err) ? str(err, "message") : "");
    }
}

static int show(const struct octo_cli_cmd *c, const struct octo_cli_args *a)
{
    const char *id = a->pos[0];
    int as_json = octo_cli_get(c, a, "--json") != NULL;
    json_t *job = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (store_missing()) {
        fprintf(stderr, "octoflow jobs: no such job (no job has been recorded yet)\n");
        return OCTO_EXIT_FAILED;
    }
    if (octo_job_lookup(id, &job, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow jobs: %s\n", err.code == OCTO_ENOENT ? "no such job" : err.msg);
        return OCTO_EXIT_FAILED;
    }
    if (as_json) {
        char *text = NULL;

        octo_json_text(job, OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &text, NULL);
        printf("%s\n", text != NULL ? text : "{}");
        free(text);
    } else {
        printf("job      %s\nflow     %s\nsource   %s%s%s\nstate    %s\nstatus   %s\n"
               "created  %s\nstarted  %s\nended    %s\nnode     %s\n",
               str(job, "id"), str(job, "flow_path"), str(job, "source"),
               json_is_string(json_object_get(job, "schedule_id")) ? " (schedule " : "",
               json_is_string(json_object_get(job, "schedule_id"))
                   ? json_string_value(json_object_get(job, "schedule_id"))
                   : "",
               str(job, "state"), str(job, "status"), str(job, "created"), str(job, "started"),
               str(job, "ended"), str(job, "node"));
        if (json_is_string(json_object_get(job, "error"))) {
            printf("error    %s\n", str(job, "error"));
        }
        timeline_table(json_object_get(job, "timeline"));
        if (json_integer_value(json_object_get(job, "steps_dropped")) > 0) {
            printf("(%lld more step executions of loop items not recorded)\n",
                   (long long)json_integer_value(json_object_get(job, "steps_dropped")));
        }
    }
    json_decref(job);
    return OCTO_EXIT_OK;
}

int octo_cmd_jobs(int argc, char **argv, const char *exe_dir)
{
    const struct octo_cli_cmd *c;
    struct octo_cli_args a;
    char name[64];
    int code;

    if (argc < 2) {
        fprintf(stderr, "octoflow jobs: list or show?\n");
        usage(stderr);
        return OCTO_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        octo_cli_help(octo_cli_find("jobs list"), stdout);
        printf("\n");
        octo_cli_help(octo_cli_find("jobs show"), stdout);
        return OCTO_EXIT_OK;
    }
    snprintf(name, sizeof(name), "jobs %s", argv[1]);
    c = octo_cli_find(name);
    if (c == NULL) {
        fprintf(stderr, "octoflow jobs: unknown subcommand %s\n", argv[1]);
        usage(stderr);
        return OCTO_EXIT_USAGE;
    }
    code = octo_cli_parse(c, argc - 1, argv + 1, &a);
    if (code != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(code);
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 1) != 0) {
        return OCTO_EXIT_USAGE;
    }
    code = strcmp(argv[1], "list") == 0 ? list(c, &a) : show(c, &a);
    octo_core_shutdown();
    return code;
}
