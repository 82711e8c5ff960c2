/* metrics.c - the lock-free metric registry (see metrics.h).
 *
 * Each family is a fixed table of series. A series is claimed once
 * (state 0 -> 1 with a compare-and-swap, its label text written, then
 * state 2 with release order) and lives as long as the process: the
 * label sets are bounded, and a table never shrinks, so a reader that
 * saw state 2 can read the labels without a lock. Values are relaxed
 * atomic adds: a scrape may see one histogram bucket a moment before the
 * sum that goes with it, which Prometheus tolerates (the count it prints
 * is the sum of the buckets it read, so +Inf and _count always agree).
 */
#include "metrics.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <octoflow/core.h>

#define LABELS_MAX  320 /* preformatted label text of one series */
#define VALUE_MAX   200 /* one label value (longer ones are cut) */
#define BUCKETS_MAX 16

struct series {
    atomic_int state; /* 0 free, 1 being claimed, 2 ready */
    uint64_t hash;
    char labels[LABELS_MAX];
    atomic_ullong value;               /* counters */
    atomic_ullong sum_ns;              /* histograms: sum of observations */
    atomic_ullong bucket[BUCKETS_MAX]; /* histograms: per bucket, not cumulative; [nb] is +Inf */
};

struct family {
    const char *name;
    const char *help;
    int histogram;
    const double *bounds;
    int nbounds;
    int nlabels;
    const char *labels[3];
    size_t cap; /* slots, the last one being the overflow series */
    struct series *s;
};

static const double JOB_BOUNDS[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
static const double STEP_BOUNDS[] = {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300};
static const double HTTP_BOUNDS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};

#define NB(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct series g_jobs_s[1024];
static struct series g_job_dur_s[256];
static struct series g_step_dur_s[128];
static struct series g_step_err_s[256];
static struct series g_http_s[1024];
static struct series g_http_dur_s[128];
static struct series g_store_s[1];

static struct family g_jobs = {"octoflow_jobs_total",
                               "Jobs finished, by flow, status and source.",
                               0,
                               NULL,
                               0,
                               3,
                               {"flow", "status", "source"},
                               1024,
                               g_jobs_s};
static struct family g_job_dur = {"octoflow_job_duration_seconds",
                                  "Job run time from start to end, by flow.",
                                  1,
                                  JOB_BOUNDS,
                                  NB(JOB_BOUNDS),
                                  1,
                                  {"flow"},
                                  256,
                                  g_job_dur_s};
static struct family g_step_dur = {"octoflow_step_duration_seconds",
                                   "Step run time (steps skipped by `when` are not counted), by "
                                   "step type.",
                                   1,
                                   STEP_BOUNDS,
                                   NB(STEP_BOUNDS),
                                   1,
                                   {"type"},
                                   128,
                                   g_step_dur_s};
static struct family g_step_err = {"octoflow_step_errors_total",
                                   "Step attempts that ended with an error (failed, retried, "
                                   "ignored or aborted), by step type and error type.",
                                   0,
                                   NULL,
                                   0,
                                   2,
                                   {"type", "error_type"},
                                   256,
                                   g_step_err_s};
static struct family g_http = {"octoflow_http_requests_total",
                               "API requests answered, by method, route template and status code.",
                               0,
                               NULL,
                               0,
                               3,
                               {"method", "route", "code"},
                               1024,
                               g_http_s};
static struct family g_http_dur = {"octoflow_http_request_duration_seconds",
                                   "Time to answer an API request, by route template (event "
                                   "streams last as long as their job).",
                                   1,
                                   HTTP_BOUNDS,
                                   NB(HTTP_BOUNDS),
                                   1,
                                   {"route"},
                                   128,
                                   g_http_dur_s};
static struct family g_store = {"octoflow_store_errors_total",
                                "Job store operations that failed (the run goes on; see "
                                "/api/health).",
                                0,
                                NULL,
                                0,
                                0,
                                {NULL},
                                1,
                                g_store_s};

static struct family *const FAMILIES[] = {&g_jobs, &g_job_dur,  &g_step_dur, &g_step_err,
                                          &g_http, &g_http_dur, &g_store};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Append name="value" (escaped as the text format wants) to out. */
static size_t put_label(char *out, size_t at, size_t cap, const char *name, const char *value)
{
    size_t n = 0;
    size_t nl = strlen(name);

    if (at + nl + 8 >= cap) {
        return at;
    }
    if (at > 0) {
        out[at++] = ',';
    }
    memcpy(out + at, name, nl); /* no snprintf: this runs on every request */
    at += nl;
    out[at++] = '=';
    out[at++] = '"';
    for (; value != NULL && *value != '\0' && n < VALUE_MAX && at + 4 < cap; value++, n++) {
        char c = *value;

        if (c == '\\' || c == '"') {
            out[at++] = '\\';
            out[at++] = c;
        } else if (c == '\n') {
            out[at++] = '\\';
            out[at++] = 'n';
        } else {
            out[at++] = c;
        }
    }
    out[at++] = '"';
    out[at] = '\0';
    return at;
}

/* The series of f with these label values, claimed when new. */
static struct series *series_of(struct family *f, const char *const *values)
{
    char text[LABELS_MAX];
    size_t at = 0;
    uint64_t h;
    size_t probe = f->cap - 1; /* the last slot is the overflow series */
    size_t i;
    int k;

    text[0] = '\0';
    for (k = 0; k < f->nlabels; k++) {
        at = put_label(text, at, sizeof(text), f->labels[k], values[k]);
    }
    h = fnv1a(text);
    for (i = 0; i < probe; i++) {
        struct series *s = &f->s[(h + i) % probe];
        int st = atomic_load_explicit(&s->state, memory_order_acquire);

        if (st == 0) {
            int expected = 0;

            if (atomic_compare_exchange_strong(&s->state, &expected, 1)) {
                s->hash = h;
                memcpy(s->labels, text, at + 1);
                atomic_store_explicit(&s->state, 2, memory_order_release);
                return s;
            }
            st = expected;
        }
        while (st == 1) { /* another thread is writing its labels: a moment */
            sched_yield();
            st = atomic_load_explicit(&s->state, memory_order_acquire);
        }
        if (s->hash == h && strcmp(s->labels, text) == 0) {
            return s;
        }
    }
    return &f->s[probe];
}

static void observe(struct family *f, struct series *s, double seconds)
{
    int b = 0;

    if (!(seconds >= 0)) {
        seconds = 0;
    }
    while (b < f->nbounds && seconds > f->bounds[b]) {
        b++;
    }
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, (unsigned long long)(seconds * 1e9),
                              memory_order_relaxed);
}

void octo_metrics_job_finished(const char *flow, const char *status, const char *source,
                               double seconds)
{
    const char *v[3] = {flow, status, source};

    atomic_fetch_add_explicit(&series_of(&g_jobs, v)->value, 1, memory_order_relaxed);
    if (seconds >= 0) {
        observe(&g_job_dur, series_of(&g_job_dur, v), seconds);
    }
}

void octo_metrics_step(const char *type, const char *outcome, long long duration_us,
                       const char *error_json)
{
    const char *v[2] = {type, NULL};

    if (outcome == NULL || strcmp(outcome, "running") == 0) {
        return; /* a start: its end comes */
    }
    if (duration_us >= 0 && strcmp(outcome, "skipped") != 0) {
        observe(&g_step_dur, series_of(&g_step_dur, v), (double)duration_us / 1e6);
    }
    if (error_json != NULL && strcmp(error_json, "null") != 0) {
        json_t *e = json_loads(error_json, JSON_DECODE_ANY, NULL);
        const char *t = json_string_value(json_object_get(e, "type"));

        v[1] = t != NULL ? t : "unknown";
        atomic_fetch_add_explicit(&series_of(&g_step_err, v)->value, 1, memory_order_relaxed);
        json_decref(e);
    }
}

void octo_metrics_store_error(void)
{
    atomic_fetch_add_explicit(&g_store_s[0].value, 1, memory_order_relaxed);
}

/* Methods are user input: anything else is "other". */
static const char *method_label(const char *m)
{
    static const char *const known[] = {"GET",   "HEAD",   "POST",    "PUT",
                                        "PATCH", "DELETE", "OPTIONS", NULL};
    int i;

    for (i = 0; m != NULL && known[i] != NULL; i++) {
        if (strcmp(m, known[i]) == 0) {
            return known[i];
        }
    }
    return "other";
}

void octo_metrics_http(const char *method, const char *route, int code, double seconds)
{
    char c[4] = "0";
    const char *v[3];

    if (code >= 100 && code <= 599) {
        c[0] = (char)('0' + code / 100);
        c[1] = (char)('0' + code / 10 % 10);
        c[2] = (char)('0' + code % 10);
        c[3] = '\0';
    }
    v[0] = method_label(method);
    v[1] = route != NULL ? route : "unmatched";
    v[2] = c;
    atomic_fetch_add_explicit(&series_of(&g_http, v)->value, 1, memory_order_relaxed);
    observe(&g_http_dur, series_of(&g_http_dur, v + 1), seconds);
}

static void write_bound(struct octo_buf *b, double x)
{
    char t[32];

    snprintf(t, sizeof(t), "%.6g", x);
    octo_buf_puts(b, t);
}

static void write_series(struct octo_buf *b, const struct family *f, struct series *s,
                         const char *labels)
{
    const char *sep = labels[0] != '\0' ? "," : "";
    unsigned long long cum = 0;
    int k;

    if (!f->histogram) {
        octo_buf_printf(b, "%s%s%s%s %llu\n", f->name, labels[0] ? "{" : "", labels,
                        labels[0] ? "}" : "",
                        atomic_load_explicit(&s->value, memory_order_relaxed));
        return;
    }
    for (k = 0; k <= f->nbounds; k++) {
        cum += atomic_load_explicit(&s->bucket[k], memory_order_relaxed);
        octo_buf_printf(b, "%s_bucket{%s%sle=\"", f->name, labels, sep);
        if (k < f->nbounds) {
            write_bound(b, f->bounds[k]);
        } else {
            octo_buf_puts(b, "+Inf");
        }
        octo_buf_printf(b, "\"} %llu\n", cum);
    }
    octo_buf_printf(b, "%s_sum%s%s%s %.9f\n", f->name, labels[0] ? "{" : "", labels,
                    labels[0] ? "}" : "",
                    (double)atomic_load_explicit(&s->sum_ns, memory_order_relaxed) / 1e9);
    octo_buf_printf(b, "%s_count%s%s%s %llu\n", f->name, labels[0] ? "{" : "", labels,
                    labels[0] ? "}" : "", cum);
}

static int series_used(const struct family *f, struct series *s)
{
    int k;

    if (!f->histogram) {
        return atomic_load_explicit(&s->value, memory_order_relaxed) > 0;
    }
    for (k = 0; k <= f->nbounds; k++) {
        if (atomic_load_explicit(&s->bucket[k], memory_order_relaxed) > 0) {
            return 1;
        }
    }
    return 0;
}

void octo_metrics_write(struct octo_buf *b)
{
    size_t i;
    size_t n;

    for (i = 0; i < sizeof(FAMILIES) / sizeof(FAMILIES[0]); i++) {
        struct family *f = FAMILIES[i];

        octo_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                        f->histogram ? "histogram" : "counter");
        if (f->nlabels == 0) {
            write_series(b, f, &f->s[0], "");
            continue;
        }
        for (n = 0; n + 1 < f->cap; n++) {
            struct series *s = &f->s[n];

            if (atomic_load_explicit(&s->state, memory_order_acquire) == 2) {
                write_series(b, f, s, s->labels);
            }
        }
        if (series_used(f, &f->s[f->cap - 1])) {
            char over[LABELS_MAX];
            size_t at = 0;
            int k;

            over[0] = '\0';
            for (k = 0; k < f->nlabels; k++) {
                at = put_label(over, at, sizeof(over), f->labels[k], "_overflow");
            }
            write_series(b, f, &f->s[f->cap - 1], over);
        }
    }
}
