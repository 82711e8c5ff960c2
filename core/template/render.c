/* render.c - the services of a render's state (struct rs) every module
 * uses: failing with a message (longjmp back to octo_tpl_render_ex, which
 * set the jump up; the arena frees everything at once, so nothing leaks),
 * memory from the render's arena, pooled scratch buffers, and the budget
 * of work that stops runaway templates. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tpl.h"

_Noreturn void tpl_render_fail(struct rs *st, const char *fmt, ...)
{
    va_list ap;
    int k;
    octo_error *e = st->err;
    e->code = OCTO_ETEMPLATE;
    k = snprintf(e->msg, sizeof(e->msg), "%s:%d: ", st->tpl ? st->tpl->name : "<template>",
                 st->line);
    if (k < 0 || (size_t)k >= sizeof(e->msg)) {
        k = 0;
    }
    va_start(ap, fmt);
    vsnprintf(e->msg + k, sizeof(e->msg) - (size_t)k, fmt, ap);
    va_end(ap);
    longjmp(st->jb, 1);
}

_Noreturn void tpl_render_oom(struct rs *st)
{
    if (st->ar.limit && st->ar.total >= st->ar.limit / 2) {
        tpl_render_fail(st, "template exceeded its memory limit");
    }
    tpl_render_fail(st, "out of memory");
}

_Noreturn void tpl_render_undefined(struct rs *st, tv u)
{
    struct tundef *d = u.u.u;
    if (d == NULL) {
        tpl_render_fail(st, "undefined value");
    }
    if (d->hint) {
        tpl_render_fail(st, "%s", d->hint);
    }
    if (d->objtype == NULL) {
        tpl_render_fail(st, "'%.*s' is undefined", (int)d->name.sn, d->name.u.s.p);
    }
    if (d->name.t != T_STR) {
        tv r = tpl_repr(st, d->name);
        tpl_render_fail(st, "%s has no element %.*s", d->objtype, (int)r.sn, r.u.s.p);
    }
    tpl_render_fail(st, "'%s' has no attribute '%.*s'", d->objtype, (int)d->name.sn, d->name.u.s.p);
}

void *tpl_render_alloc_slow(struct rs *st, size_t n)
{
    void *p = tpl_arena_alloc(&st->ar, n);
    if (p == NULL) {
        tpl_render_oom(st);
    }
    return p;
}

/* Scratch buffers are pooled per render: tpl_render_buf_str copies the text into
 * the arena and puts the buffer back for reuse (no malloc churn). */
#define BUF_POOL 32

tv tpl_render_buf_str(struct rs *st, struct octo_buf *b)
{
    tv r;
    if (b->over) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    if (b->oom) {
        tpl_render_oom(st);
    }
    r = tpl_value_strdup(st, b->data ? b->data : "", b->len);
    if (st->npool < BUF_POOL && b->cap <= 65536) {
        b->len = 0;
        st->pool[st->npool++] = b;
    } else {
        octo_buf_free(b);
    }
    return r;
}

/* give back a scratch buffer whose text is not needed */
void tpl_render_buf_release(struct rs *st, struct octo_buf *b)
{
    if (st->npool < BUF_POOL && b->cap <= 65536 && !b->oom && !b->over) {
        b->len = 0;
        st->pool[st->npool++] = b;
    }
}

static void buf_cleanup(void *p)
{
    octo_buf_free(p);
}

struct octo_buf *tpl_render_buf(struct rs *st)
{
    struct octo_buf *b;
    if (st->npool > 0) {
        b = st->pool[--st->npool];
        b->len = 0;
        if (b->data) {
            b->data[0] = '\0';
        }
        b->limit = st->max_output;
        return b;
    }
    b = tpl_render_alloc(st, sizeof(*b));
    octo_buf_init(b);
    b->limit = st->max_output;
    tpl_arena_on_free(&st->ar, buf_cleanup, b);
    return b;
}

void tpl_render_charge(struct rs *st, size_t n)
{
    st->steps += n / 8;
    if (st->steps > st->max_steps) {
        tpl_render_fail(st, "template exceeded its evaluation budget (%llu steps)",
                        (unsigned long long)st->max_steps);
    }
}

void tpl_render_step(struct rs *st)
{
    if (++st->steps > st->max_steps) {
        tpl_render_fail(st, "template exceeded its evaluation budget (%llu steps)",
                        (unsigned long long)st->max_steps);
    }
}
