/* step_row.h - one row of a job's step timeline, as the run reports it.
 *
 * A row is made where the step ran (from its event: timeline.h decides
 * which events become rows), crosses from a worker process to the
 * service as a binary frame, is kept by its job while the job runs and
 * written to the job store as it is: no JSON is built for a row unless
 * someone asks for it (the API, an event stream). A row is immutable
 * once made and reference-counted: the job, its pending store batch and
 * the store's writer may hold it at once. Thread-safe (refs are atomic). */
#ifndef OCTO_STEP_ROW_H
#define OCTO_STEP_ROW_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "runner.h"

struct octo_buf;

#define OCTO_STEP_OUTCOME_LEN 16

struct octo_step_row {
    atomic_int refs;
    long long seq;
    long long parent; /* 0: none (null) */
    long long item;   /* 0: none (null) */
    long long idx;
    long long duration_us; /* -1: running */
    double started;        /* epoch seconds */
    int depth;
    int attempt;
    char outcome[OCTO_STEP_OUTCOME_LEN]; /* "running" until the step ends */
    /* in the row's own allocation; error, input and output are redacted
     * JSON text (capped: {"$truncated": "<preview>"}) or NULL */
    const char *name;
    const char *type;
    const char *flow;
    const char *error;
    const char *input;
    const char *output;
};

/* The row of a step event (new, refs 1): a start event is "running".
 * Values are redacted and capped at cap bytes each. */
struct octo_step_row *octo_step_row_from_event(const struct octo_step_event *ev, size_t cap);

/* The same row, ended now: outcome, duration and error text (a JSON
 * object as text) replaced (new, refs 1). */
struct octo_step_row *octo_step_row_ended(const struct octo_step_row *r, const char *outcome,
                                          long long duration_us, const char *error_json);

struct octo_step_row *octo_step_row_ref(struct octo_step_row *r);
void octo_step_row_unref(struct octo_step_row *r);

static inline int octo_step_row_running(const struct octo_step_row *r)
{
    return r->duration_us < 0;
}

/* The row as the job store holds it (new): seq parent item depth idx name
 * type flow attempt started outcome, and once ended duration_us error
 * input output (the JSON text as strings). */
json_t *octo_step_row_json(const struct octo_step_row *r);

/* Wire form (worker -> service). encode: malloc'd bytes in *out, *len.
 * decode: a new row, or NULL when the bytes are not a well-formed row
 * (a worker is not trusted to send one). */
int octo_step_row_encode(const struct octo_step_row *r, char **out, size_t *len);
/* The wire form of octo_step_row_from_event(ev, cap), appended to out
 * without making the row (a worker sends every event it keeps). */
void octo_step_event_encode(const struct octo_step_event *ev, size_t cap, struct octo_buf *out);
struct octo_step_row *octo_step_row_decode(const char *data, size_t len);

/* A job's rows by seq (open addressing; no lock of its own: the job's
 * mutex guards it). The table holds a reference to each row. */
struct octo_row_table {
    struct octo_step_row **slot;
    size_t cap;
    size_t n;
};

/* The row of seq (borrowed), or NULL. */
struct octo_step_row *octo_row_table_get(const struct octo_row_table *t, long long seq);
/* Put r (takes a reference) in its seq's place; the row it replaces is
 * released. */
void octo_row_table_put(struct octo_row_table *t, struct octo_step_row *r);
/* Every row sorted by seq (new array of borrowed rows; free() it), *n. */
struct octo_step_row **octo_row_table_sorted(const struct octo_row_table *t, size_t *n);
void octo_row_table_free(struct octo_row_table *t);

#endif
