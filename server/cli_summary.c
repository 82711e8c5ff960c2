/* cli_summary.c - what `octoflow run` prints on stderr: one line per step
 * of the flow with its outcome and duration, then the flow's status;
 * and the plan of `run --dry-run`. Colours only on a terminal, and never
 * when NO_COLOR is set (no-color.org). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "cli.h"

struct palette {
    const char *ok, *bad, *warn, *dim, *off;
};

static struct palette palette_for(FILE *fp)
{
    static const struct palette colour = {"\033[32m", "\033[31m", "\033[33m", "\033[2m", "\033[0m"};
    static const struct palette plain = {"", "", "", "", ""};
    const char *nc = getenv("NO_COLOR");

    if ((nc != NULL && nc[0] != '\0') || !isatty(fileno(fp))) {
        return plain;
    }
    return colour;
}

static const char *str(json_t *o, const char *k, const char *def)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v != NULL ? v : def;
}

static void duration(double seconds, char *out, size_t cap)
{
    if (seconds < 1.0) {
        snprintf(out, cap, "%.2f ms", seconds * 1000.0);
    } else {
        snprintf(out, cap, "%.2f s", seconds);
    }
}

void octo_cli_run_summary(json_t *job, FILE *fp)
{
    struct palette p = palette_for(fp);
    json_t *tl = json_object_get(job, "timeline");
    size_t i;
    json_t *row;
    size_t nsteps = 0;
    size_t nfailed = 0;
    size_t nskipped = 0;
    const char *status = str(job, "status", "?");
    char total[32];

    json_array_foreach(tl, i, row)
    {
        const char *outcome = str(row, "outcome", "?");
        const char *colour = strcmp(outcome, "ok") == 0        ? p.ok
                             : strcmp(outcome, "failed") == 0  ? p.bad
                             : strcmp(outcome, "skipped") == 0 ? p.dim
                                                               : p.warn;
        char dur[32] = "";
        json_t *err = json_object_get(row, "error");

        if (json_integer_value(json_object_get(row, "depth")) != 0) {
            continue; /* sub-flows and loop items: `octoflow jobs show` has them */
        }
        nsteps++;
        nfailed += strcmp(outcome, "failed") == 0;
        nskipped += strcmp(outcome, "skipped") == 0;
        if (json_is_integer(json_object_get(row, "duration_us")) && strcmp(outcome, "skipped")) {
            duration((double)json_integer_value(json_object_get(row, "duration_us")) / 1e6, dur,
                     sizeof(dur));
        }
        fprintf(fp, "  %s%-8s%s %-24s %-12s %10s", colour, outcome, p.off, str(row, "name", "?"),
                str(row, "type", ""), dur);
        if (json_is_object(err)) {
            fprintf(fp, "  %s%s%s", p.bad, str(err, "message", ""), p.off);
        }
        fputc('\n', fp);
    }
    duration(json_real_value(json_object_get(job, "duration_seconds")), total, sizeof(total));
    fprintf(fp, "%s%s%s %s in %s (%zu step%s run", strcmp(status, "success") == 0 ? p.ok : p.bad,
            status, p.off, str(job, "flow_path", "?"), total, nsteps - nskipped,
            nsteps - nskipped == 1 ? "" : "s");
    if (nskipped > 0) {
        fprintf(fp, ", %zu skipped", nskipped);
    }
    if (nfailed > 0) {
        fprintf(fp, ", %zu failed", nfailed);
    }
    fprintf(fp, ")\n");
}

static void print_options(json_t *opts, FILE *fp)
{
    const char *k;
    json_t *v;

    json_object_foreach(opts, k, v)
    {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);

        fprintf(fp, "      %s: %s\n", k, text != NULL ? text : "?");
        free(text);
    }
}

int octo_cli_dry_run(const char *flow, json_t *input, FILE *fp)
{
    struct palette p = palette_for(fp);
    json_t *plan = NULL;
    octo_error err;
    size_t i;
    json_t *st;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = octo_flow_dry_run(flow, input, &plan, &err);
    if (rc != OCTO_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return OCTO_EXIT_USAGE;
    }
    octo_cli_print_messages(json_object_get(plan, "errors"), "error", stderr);
    octo_cli_print_messages(json_object_get(plan, "warnings"), "warning", stderr);
    if (!json_is_true(json_object_get(plan, "valid"))) {
        json_decref(plan);
        return OCTO_EXIT_USAGE;
    }
    fprintf(fp,
            "dry run of %s: nothing is called; later steps see the data as it is before "
            "the first step\n",
            str(plan, "flow", flow));
    json_array_foreach(json_object_get(plan, "steps"), i, st)
    {
        const char *what = str(st, "would", "run");
        const char *colour = strcmp(what, "run") == 0    ? p.ok
                             : strcmp(what, "skip") == 0 ? p.dim
                                                         : p.warn;

        fprintf(fp, "%2zu. %s%-6s%s %s (%s, line %lld)", i + 1, colour, what, p.off,
                str(st, "name", "?"), str(st, "type", "?"),
                (long long)json_integer_value(json_object_get(st, "line")));
        if (json_is_string(json_object_get(st, "why"))) {
            fprintf(fp, ": %s", str(st, "why", ""));
        }
        fputc('\n', fp);
        if (strcmp(what, "skip") != 0) {
            print_options(json_object_get(st, "options"), fp);
        }
    }
    json_decref(plan);
    return OCTO_EXIT_OK;
}
