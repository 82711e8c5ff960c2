/* timeline.c - step events into timeline rows (see timeline.h). */
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "xalloc.h"

/* Text past the cap that is still dumped and redacted, so a secret that
 * straddles the cut is replaced whole before the cut is made. */
#define REDACT_MARGIN 8192

void octo_timeline_policy_init(struct octo_timeline_policy *p)
{
    atomic_init(&p->rows, 0);
    atomic_init(&p->failed_rows, 0);
    atomic_init(&p->dropped, 0);
}

/* Kept at start: the job's own steps, plain sub-flows, early loop items. */
static int ordinary(const struct octo_step_event *ev)
{
    return ev->depth == 0 || ev->item == 0 || ev->item <= OCTO_TIMELINE_ITEMS;
}

static int take_row(struct octo_timeline_policy *p)
{
    if (atomic_fetch_add(&p->rows, 1) >= OCTO_TIMELINE_MAX_ROWS) {
        atomic_fetch_sub(&p->rows, 1);
        return 0;
    }
    return 1;
}

int octo_timeline_keep_start(struct octo_timeline_policy *p, struct octo_step_event *ev)
{
    ev->recorded = ordinary(ev) && take_row(p);
    if (!ev->recorded && ev->outcome != NULL) { /* a skipped step: it has no end */
        atomic_fetch_add(&p->dropped, 1);
    }
    return ev->recorded;
}

int octo_timeline_keep_end(struct octo_timeline_policy *p, const struct octo_step_event *ev)
{
    if (ev->recorded) {
        return 1;
    }
    if (!ordinary(ev) && ev->outcome != NULL &&
        (strcmp(ev->outcome, "failed") == 0 || strcmp(ev->outcome, "retried") == 0) &&
        atomic_fetch_add(&p->failed_rows, 1) < OCTO_TIMELINE_FAILED_ITEMS && take_row(p)) {
        return 1;
    }
    if (ev->outcome != NULL) { /* count each step once, at its end */
        atomic_fetch_add(&p->dropped, 1);
    }
    return 0;
}

struct capped {
    struct octo_buf b;
    size_t limit;
    int over;
};

static int capped_put(const char *buffer, size_t size, void *data)
{
    struct capped *c = data;

    if (c->b.len + size > c->limit) {
        octo_buf_append(&c->b, buffer, c->limit - c->b.len);
        c->over = 1;
        return -1; /* stop jansson: the rest is never formatted */
    }
    octo_buf_append(&c->b, buffer, size);
    return 0;
}

char *octo_json_capped(json_t *v, size_t cap, int *truncated)
{
    struct capped c;
    char *text;

    memset(&c, 0, sizeof(c));
    c.limit = cap + REDACT_MARGIN;
    if (truncated != NULL) {
        *truncated = 0;
    }
    json_dump_callback(v, capped_put, &c, JSON_COMPACT | JSON_ENCODE_ANY);
    octo_redact_buf(&c.b);
    if (!c.over && c.b.len <= cap) {
        text = octo_buf_steal(&c.b, NULL);
        return text != NULL ? text : octo_xstrdup("null");
    }
    {
        size_t n = cap;
        json_t *s;

        while (n > 0 && (c.b.data[n] & 0xC0) == 0x80) {
            n--; /* cut on a character boundary */
        }
        s = json_stringn_nocheck(c.b.data, n);
        text = json_dumps(s, JSON_ENCODE_ANY);
        json_decref(s);
        octo_buf_free(&c.b);
        if (truncated != NULL) {
            *truncated = 1;
        }
        return text != NULL ? text : octo_xstrdup("null");
    }
}
