/* step_row.c - timeline rows (see step_row.h). */
#include "step_row.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeline.h"
#include "xalloc.h"

enum { F_NAME, F_TYPE, F_FLOW, F_ERROR, F_INPUT, F_OUTPUT, NFIELDS };

#define ABSENT UINT32_MAX

/* A row with its texts copied after it, in one allocation. */
static struct octo_step_row *row_new(const struct octo_step_row *fields,
                                     const char *const text[NFIELDS], const uint32_t len[NFIELDS])
{
    size_t total = sizeof(struct octo_step_row);
    struct octo_step_row *r;
    const char **dst[NFIELDS];
    char *p;
    int i;

    for (i = 0; i < NFIELDS; i++) {
        if (len[i] != ABSENT) {
            total += (size_t)len[i] + 1;
        }
    }
    r = octo_xmalloc(total);
    *r = *fields;
    atomic_init(&r->refs, 1);
    dst[F_NAME] = &r->name;
    dst[F_TYPE] = &r->type;
    dst[F_FLOW] = &r->flow;
    dst[F_ERROR] = &r->error;
    dst[F_INPUT] = &r->input;
    dst[F_OUTPUT] = &r->output;
    p = (char *)(r + 1);
    for (i = 0; i < NFIELDS; i++) {
        if (len[i] == ABSENT) {
            *dst[i] = NULL;
            continue;
        }
        memcpy(p, text[i], len[i]);
        p[len[i]] = '\0';
        *dst[i] = p;
        p += len[i] + 1;
    }
    return r;
}

static uint32_t text_len(const char *s)
{
    size_t n;

    if (s == NULL) {
        return ABSENT;
    }
    n = strlen(s);
    return n < ABSENT ? (uint32_t)n : ABSENT - 1;
}

/* v as capped, redacted JSON text (malloc'd), or NULL for NULL. */
static char *value_text(json_t *v, size_t cap)
{
    int truncated = 0;
    char *text;

    if (v == NULL) {
        return NULL;
    }
    text = octo_json_capped(v, cap, &truncated);
    if (truncated) {
        struct octo_buf b = OCTO_BUF_INIT;

        octo_buf_printf(&b, "{\"$truncated\": %s}", text);
        free(text);
        text = octo_buf_steal(&b, NULL);
    }
    return text != NULL ? text : octo_xstrdup("null");
}

/* The numbers and texts of ev's row; texts the caller frees are in
 * owned[] (the capped, redacted values of an ended step). */
static void event_fields(const struct octo_step_event *ev, size_t cap, struct octo_step_row *f,
                         const char *text[NFIELDS], char *owned[3])
{
    memset(f, 0, sizeof(*f));
    f->seq = ev->seq;
    f->parent = ev->parent > 0 ? ev->parent : 0;
    f->item = ev->item > 0 ? ev->item : 0;
    f->idx = ev->index;
    f->depth = ev->depth;
    f->attempt = ev->attempt;
    f->started = ev->started;
    f->duration_us = ev->outcome != NULL ? (ev->duration_us >= 0 ? ev->duration_us : 0) : -1;
    {
        /* a copy, not snprintf: this runs for every step a worker keeps */
        const char *o = ev->outcome != NULL ? ev->outcome : "running";
        size_t n = strnlen(o, sizeof(f->outcome) - 1);

        memcpy(f->outcome, o, n);
        f->outcome[n] = '\0';
    }
    owned[0] = owned[1] = owned[2] = NULL;
    text[F_NAME] = ev->name;
    text[F_TYPE] = ev->type;
    text[F_FLOW] = ev->flow;
    if (ev->outcome != NULL) {
        owned[0] = value_text(ev->error, cap);
        if (cap > 0) {
            owned[1] = value_text(ev->input, cap);
            owned[2] = value_text(ev->output, cap);
        }
    }
    text[F_ERROR] = owned[0];
    text[F_INPUT] = owned[1];
    text[F_OUTPUT] = owned[2];
}

struct octo_step_row *octo_step_row_from_event(const struct octo_step_event *ev, size_t cap)
{
    struct octo_step_row f;
    const char *text[NFIELDS];
    uint32_t len[NFIELDS];
    char *owned[3];
    struct octo_step_row *r;
    int i;

    event_fields(ev, cap, &f, text, owned);
    for (i = 0; i < NFIELDS; i++) {
        len[i] = text_len(text[i]);
    }
    r = row_new(&f, text, len);
    for (i = 0; i < 3; i++) {
        free(owned[i]);
    }
    return r;
}

struct octo_step_row *octo_step_row_ended(const struct octo_step_row *r, const char *outcome,
                                          long long duration_us, const char *error_json)
{
    struct octo_step_row f = *r;
    const char *text[NFIELDS] = {r->name, r->type, r->flow, error_json, r->input, r->output};
    uint32_t len[NFIELDS];
    int i;

    f.duration_us = duration_us >= 0 ? duration_us : 0;
    snprintf(f.outcome, sizeof(f.outcome), "%s", outcome);
    for (i = 0; i < NFIELDS; i++) {
        len[i] = text_len(text[i]);
    }
    return row_new(&f, text, len);
}

struct octo_step_row *octo_step_row_ref(struct octo_step_row *r)
{
    if (r != NULL) {
        atomic_fetch_add(&r->refs, 1);
    }
    return r;
}

void octo_step_row_unref(struct octo_step_row *r)
{
    if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
        free(r);
    }
}

static json_t *text_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *octo_step_row_json(const struct octo_step_row *r)
{
    json_t *o = json_object();

    json_object_set_new(o, "seq", json_integer(r->seq));
    json_object_set_new(o, "parent", r->parent > 0 ? json_integer(r->parent) : json_null());
    json_object_set_new(o, "item", r->item > 0 ? json_integer(r->item) : json_null());
    json_object_set_new(o, "depth", json_integer(r->depth));
    json_object_set_new(o, "idx", json_integer(r->idx));
    json_object_set_new(o, "name", text_or_null(r->name));
    json_object_set_new(o, "type", text_or_null(r->type));
    json_object_set_new(o, "flow", text_or_null(r->flow));
    json_object_set_new(o, "attempt", json_integer(r->attempt));
    json_object_set_new(o, "started", json_real(r->started));
    json_object_set_new(o, "outcome", json_string(r->outcome));
    if (octo_step_row_running(r)) {
        return o;
    }
    json_object_set_new(o, "duration_us", json_integer(r->duration_us));
    if (r->error != NULL) {
        json_object_set_new(o, "error", json_string(r->error));
    }
    if (r->input != NULL) {
        json_object_set_new(o, "input", json_string(r->input));
    }
    if (r->output != NULL) {
        json_object_set_new(o, "output", json_string(r->output));
    }
    return o;
}

/* ---- wire form ------------------------------------------------------------
 * A fixed header of numbers (both ends are this same executable on this
 * machine: native layout), then the texts back to back. */

struct wire_head {
    int64_t seq;
    int64_t parent;
    int64_t item;
    int64_t idx;
    int64_t duration_us;
    double started;
    int32_t depth;
    int32_t attempt;
    char outcome[OCTO_STEP_OUTCOME_LEN];
    uint32_t len[NFIELDS]; /* ABSENT: NULL */
};

/* Append the wire form of a row (its numbers in r, its texts in text)
 * to out. */
static void encode_into(const struct octo_step_row *r, const char *const text[NFIELDS],
                        struct octo_buf *out)
{
    struct wire_head h;
    int i;

    memset(&h, 0, sizeof(h));
    h.seq = r->seq;
    h.parent = r->parent;
    h.item = r->item;
    h.idx = r->idx;
    h.duration_us = r->duration_us;
    h.started = r->started;
    h.depth = r->depth;
    h.attempt = r->attempt;
    memcpy(h.outcome, r->outcome, sizeof(h.outcome));
    for (i = 0; i < NFIELDS; i++) {
        h.len[i] = text_len(text[i]);
    }
    octo_buf_append(out, (const char *)&h, sizeof(h));
    for (i = 0; i < NFIELDS; i++) {
        if (h.len[i] != ABSENT) {
            octo_buf_append(out, text[i], h.len[i]);
        }
    }
}

int octo_step_row_encode(const struct octo_step_row *r, char **out, size_t *len)
{
    const char *text[NFIELDS] = {r->name, r->type, r->flow, r->error, r->input, r->output};
    struct octo_buf b = OCTO_BUF_INIT;

    encode_into(r, text, &b);
    *out = octo_buf_steal(&b, len);
    return 0;
}

void octo_step_event_encode(const struct octo_step_event *ev, size_t cap, struct octo_buf *out)
{
    struct octo_step_row f;
    const char *text[NFIELDS];
    char *owned[3];
    int i;

    event_fields(ev, cap, &f, text, owned);
    encode_into(&f, text, out);
    for (i = 0; i < 3; i++) {
        free(owned[i]);
    }
}

struct octo_step_row *octo_step_row_decode(const char *data, size_t len)
{
    struct wire_head h;
    struct octo_step_row f;
    const char *text[NFIELDS];
    size_t off = sizeof(h);
    int i;

    if (len < sizeof(h)) {
        return NULL;
    }
    memcpy(&h, data, sizeof(h));
    if (memchr(h.outcome, '\0', sizeof(h.outcome)) == NULL || h.outcome[0] == '\0' || h.seq <= 0 ||
        h.depth < 0 || h.attempt < 0 || h.duration_us < -1) {
        return NULL;
    }
    for (i = 0; i < NFIELDS; i++) {
        if (h.len[i] == ABSENT) {
            text[i] = NULL;
            continue;
        }
        if (h.len[i] > len - off || memchr(data + off, '\0', h.len[i]) != NULL) {
            return NULL;
        }
        text[i] = data + off;
        off += h.len[i];
    }
    if (off != len) {
        return NULL;
    }
    memset(&f, 0, sizeof(f));
    f.seq = h.seq;
    f.parent = h.parent > 0 ? h.parent : 0;
    f.item = h.item > 0 ? h.item : 0;
    f.idx = h.idx;
    f.duration_us = h.duration_us;
    f.started = h.started;
    f.depth = h.depth;
    f.attempt = h.attempt;
    memcpy(f.outcome, h.outcome, sizeof(f.outcome));
    return row_new(&f, text, h.len);
}

/* ---- a job's rows by seq ---------------------------------------------------- */

static size_t slot_of(const struct octo_row_table *t, long long seq)
{
    uint64_t h = (uint64_t)seq * 0x9E3779B97F4A7C15ULL;

    return (size_t)(h >> 20) & (t->cap - 1);
}

struct octo_step_row *octo_row_table_get(const struct octo_row_table *t, long long seq)
{
    size_t i;

    if (t->cap == 0) {
        return NULL;
    }
    for (i = slot_of(t, seq); t->slot[i] != NULL; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i]->seq == seq) {
            return t->slot[i];
        }
    }
    return NULL;
}

static void grow(struct octo_row_table *t)
{
    struct octo_row_table bigger;
    size_t i;

    bigger.cap = t->cap != 0 ? t->cap * 2 : 64;
    bigger.n = 0;
    bigger.slot = octo_xcalloc(bigger.cap, sizeof(*bigger.slot));
    for (i = 0; i < t->cap; i++) {
        if (t->slot[i] != NULL) {
            size_t k = slot_of(&bigger, t->slot[i]->seq);

            while (bigger.slot[k] != NULL) {
                k = (k + 1) & (bigger.cap - 1);
            }
            bigger.slot[k] = t->slot[i];
            bigger.n++;
        }
    }
    free(t->slot);
    *t = bigger;
}

void octo_row_table_put(struct octo_row_table *t, struct octo_step_row *r)
{
    size_t i;

    if ((t->n + 1) * 2 > t->cap) {
        grow(t);
    }
    for (i = slot_of(t, r->seq); t->slot[i] != NULL; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i]->seq == r->seq) {
            struct octo_step_row *old = t->slot[i];

            t->slot[i] = octo_step_row_ref(r);
            octo_step_row_unref(old);
            return;
        }
    }
    t->slot[i] = octo_step_row_ref(r);
    t->n++;
}

static int by_seq(const void *a, const void *b)
{
    long long x = (*(struct octo_step_row *const *)a)->seq;
    long long y = (*(struct octo_step_row *const *)b)->seq;

    return x < y ? -1 : x > y;
}

struct octo_step_row **octo_row_table_sorted(const struct octo_row_table *t, size_t *n)
{
    struct octo_step_row **out = octo_xcalloc(t->n + 1, sizeof(*out));
    size_t i;
    size_t k = 0;

    for (i = 0; i < t->cap; i++) {
        if (t->slot[i] != NULL) {
            out[k++] = t->slot[i];
        }
    }
    qsort(out, k, sizeof(*out), by_seq);
    *n = k;
    return out;
}

void octo_row_table_free(struct octo_row_table *t)
{
    size_t i;

    for (i = 0; i < t->cap; i++) {
        octo_step_row_unref(t->slot[i]);
    }
    free(t->slot);
    memset(t, 0, sizeof(*t));
}
