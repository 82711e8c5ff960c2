/* fold.c - Jinja2 evaluates an output expression whose value is known at
 * compile time ({{ 'a' ~ 1 }}, {{ (1)[::-1] }}) once, when the template is
 * compiled, with slightly different rules than at run time (a bad slice
 * gives an undefined value instead of a TypeError). Do the same: try to
 * evaluate every {{ expression }} without a context; on success it becomes
 * template text. Any failure (a name, a call, an error) leaves it for run
 * time, as Jinja2 does. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tpl.h"

struct folder {
    struct rs *st;
    struct octo_tpl *t;
};

/* forget everything that pointed into the previous attempt's memory */
static void fold_reset(struct rs *st, octo_error *err)
{
    memset(err, 0, sizeof(*err));
    st->err = err;
    st->steps = 0;
    st->npool = 0;
    st->jbig = NULL;
    st->njbig = 0;
    st->autoescape = 0;
    st->fold_volatile = 0;
    st->depth = 0;
}

/* the compile-time eval context of a statement (flags set by check.c) */
#define AE_OF(n)  (((n)->flags & NF_AE_ON) != 0)
#define VOL_OF(n) (((n)->flags & NF_AE_VOL) != 0)

/* an output expression: Jinja2 writes its value (escaped when autoescape
 * was on at compile time) into the template */
static int fold_expr(struct folder *f, struct node *e, struct node **out, int ae, int vol)
{
    struct rs *st = f->st;
    struct octo_buf b = OCTO_BUF_INIT;
    volatile int ok = 0;
    octo_error err;
    fold_reset(st, &err);
    st->autoescape = ae;
    st->fold_volatile = vol;
    b.limit = st->max_output;
    st->out = &b;
    if (setjmp(st->jb) == 0) {
        tv v = tpl_eval(st, e, NULL);
        if (ae) {
            v = tpl_filters_escape(st, v);
        }
        tpl_repr_str_to(st, v, &b);
        /* big texts stay computed at run time: compiled templates stay small */
        if (!octo_buf_failed(&b) && b.len <= 65536) {
            ok = 1;
        }
    }
    if (ok) {
        struct node *d = tpl_arena_alloc(&f->t->ar, sizeof(*d));
        char *text = tpl_arena_alloc(&f->t->ar, b.len + 1);
        if (d == NULL || text == NULL) {
            ok = 0;
        } else {
            memset(d, 0, sizeof(*d));
            d->kind = N_DATA;
            d->line = e->line;
            if (b.len) {
                memcpy(text, b.data, b.len);
            }
            text[b.len] = '\0';
            d->str = text;
            d->slen = b.len;
            *out = d;
        }
    }
    octo_buf_free(&b);
    /* release what the attempt allocated */
    tpl_arena_free(&st->ar);
    tpl_arena_init(&st->ar, (size_t)64u << 20);
    return ok;
}

static void fold_body(struct folder *f, struct node **items, int n, int depth);

/* Jinja2's has_safe_repr: what its optimizer may turn into a constant */
static int safe_repr(tv v, int depth)
{
    size_t i;
    if (depth > 50) {
        return 0;
    }
    switch (v.t) {
    case T_NONE:
    case T_BOOL:
    case T_INT:
    case T_BIG:
    case T_FLOAT:
    case T_STR:
        return 1;
    case T_ITER:
        return v.sub == IT_RANGE;
    case T_LIST:
    case T_TUPLE:
        for (i = 0; i < v.u.l->n; i++) {
            if (!safe_repr(v.u.l->it[i], depth + 1)) {
                return 0;
            }
        }
        return 1;
    case T_DICT:
        for (i = 0; i < v.u.d->n; i++) {
            if (!safe_repr(v.u.d->k[i], depth + 1) || !safe_repr(v.u.d->v[i], depth + 1)) {
                return 0;
            }
        }
        return 1;
    default:
        return 0;
    }
}

static int is_expr(struct node *n)
{
    return n->kind <= N_NSREF && n->kind != N_SLICE && n->kind != N_NSREF;
}

/* Jinja2 also folds every constant sub-expression whose value has a safe
 * repr; mark those: they are evaluated with the compile-time rules. */
static void fold_sub(struct folder *f, struct node *n, int depth, int ae, int vol)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 2 || vol) {
        return; /* Jinja2 does not optimize in a volatile eval context */
    }
    if (is_expr(n) && n->kind != N_CONST && n->kind != N_NAME) {
        struct rs *st = f->st;
        volatile int ok = 0;
        octo_error err;
        fold_reset(st, &err);
        st->autoescape = ae;
        if (setjmp(st->jb) == 0) {
            tv v = tpl_eval(st, n, NULL);
            ok = safe_repr(v, 0);
        }
        tpl_arena_free(&st->ar);
        tpl_arena_init(&st->ar, (size_t)64u << 20);
        if (ok) {
            n->flags |= NF_FOLDED | (ae ? NF_AE_ON : 0);
            return;
        }
    }
    fold_sub(f, n->a, depth + 1, ae, vol);
    fold_sub(f, n->b, depth + 1, ae, vol);
    fold_sub(f, n->c, depth + 1, ae, vol);
    fold_sub(f, n->d, depth + 1, ae, vol);
    for (i = 0; i < n->n; i++) {
        fold_sub(f, n->items[i], depth + 1, ae, vol);
    }
    for (i = 0; i < n->nkw; i++) {
        fold_sub(f, n->kw[i], depth + 1, ae, vol);
    }
}

static void fold_node(struct folder *f, struct node *n, int depth)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 2) {
        return;
    }
    switch (n->kind) {
    case N_OUTPUT:
        for (i = 0; i < n->n; i++) {
            struct node *x = n->items[i];
            struct node *d;
            if (x->kind != N_DATA) {
                if (fold_expr(f, x, &d, AE_OF(n), VOL_OF(n))) {
                    n->items[i] = d;
                } else {
                    fold_sub(f, x, depth + 1, AE_OF(n), VOL_OF(n));
                }
            }
        }
        return;
    case N_BODY:
        fold_body(f, n->items, n->n, depth + 1);
        return;
    case N_IF:
        fold_sub(f, n->a, depth + 1, AE_OF(n), VOL_OF(n));
        fold_body(f, n->items, n->n, depth + 1);
        fold_node(f, n->b, depth + 1);
        return;
    case N_FOR:
        fold_sub(f, n->b, depth + 1, AE_OF(n), VOL_OF(n));
        fold_sub(f, n->c, depth + 1, AE_OF(n), VOL_OF(n));
        fold_body(f, n->items, n->n, depth + 1);
        fold_node(f, n->d, depth + 1);
        return;
    case N_SET:
        fold_sub(f, n->b, depth + 1, AE_OF(n), VOL_OF(n));
        return;
    case N_SETBLOCK:
    case N_MACRO:
    case N_CALLBLOCK:
    case N_FILTERBLOCK:
    case N_WITH:
    case N_BLOCK:
        fold_body(f, n->items, n->n, depth + 1);
        return;
    default:
        return;
    }
}

static void fold_body(struct folder *f, struct node **items, int n, int depth)
{
    int i;
    for (i = 0; i < n; i++) {
        fold_node(f, items[i], depth);
    }
}

static struct rs *fold_state_new(struct octo_tpl *t)
{
    struct rs *st = malloc(sizeof(*st));
    if (st == NULL) {
        return NULL;
    }
    memset(st, 0, offsetof(struct rs, first_block));
    tpl_arena_init(&st->ar, (size_t)64u << 20);
    st->tpl = t;
    st->env = NULL;
    st->max_output = t->env && t->env->max_output ? t->env->max_output : 16u * 1024u * 1024u;
    st->max_depth = 100;
    st->max_steps = 100000;
    st->folding = 1;
    return st;
}

void tpl_fold(struct octo_tpl *t)
{
    struct folder f;
    struct rs *st = fold_state_new(t);
    if (st == NULL) {
        return;
    }
    f.st = st;
    f.t = t;
    fold_node(&f, t->root, 0);
    tpl_arena_free(&st->ar);
    free(st);
}

int tpl_fold_const(struct octo_tpl *t, struct node *e, int ae, int vol, int *truthy, int *saferepr)
{
    struct rs *st = fold_state_new(t);
    volatile int ok = 0;
    octo_error err;
    if (st == NULL) {
        return 0;
    }
    fold_reset(st, &err);
    st->autoescape = ae;
    st->fold_volatile = vol;
    if (setjmp(st->jb) == 0) {
        tv v = tpl_eval(st, e, NULL);
        *truthy = tpl_value_truthy(st, v);
        *saferepr = safe_repr(v, 0);
        ok = 1;
    }
    tpl_arena_free(&st->ar);
    free(st);
    return ok;
}
