/* exec.c - statements: output, if, for (loop context, recursion), set,
 * with, filter blocks, macros and call blocks. Template-level statements
 * (include, import, extends, block) are in inherit.c. */
#include <stdio.h>
#include <string.h>

#include "tpl.h"

struct loopctx {
    tv *items; /* NULL: items of src (a context list) fetched by index */
    tv src;
    size_t n, i;
    int depth0;
    tv self;
    tv last_changed;
    int has_changed;
    struct node *fornode;
    struct scope *outer;
};

static tv loop_item(struct loopctx *lc, size_t i)
{
    return lc->items != NULL ? lc->items[i] : tpl_value_seq_at(lc->src, i);
}

void tpl_exec_write_slow(struct rs *st, const char *p, size_t n)
{
    octo_buf_append(st->out, p, n);
    if (st->out->over) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    if (st->out->oom) {
        tpl_render_oom(st);
    }
}

/* Escape output? Jinja2 decides at compile time (check.c), at run time
 * only in a volatile eval context */
static inline int escaping(const struct rs *st, const struct node *n)
{
    if (__builtin_expect((n->flags & (NF_AE_ON | NF_AE_VOL)) == 0, 1)) {
        return 0;
    }
    return (n->flags & NF_AE_VOL) ? st->autoescape : 1;
}

/* the value of a buffer Jinja2 wraps in Markup where autoescaping is on
 * at compile time (filter input, loop(...) result) */
static inline tv mark_if_escaping(const struct rs *st, const struct node *n, tv v)
{
    if (escaping(st, n)) {
        v.safe = 1;
    }
    return v;
}

/* An undefined value is written (as "" by Jinja2's default Undefined):
 * remember the first one for the caller's warning, or fail as Jinja2's
 * StrictUndefined does (octo_tpl_render_ex). */
static void note_undefined(struct rs *st, tv v)
{
    struct tundef *d = v.u.u;

    if (st->undef->strict) {
        tpl_render_undefined(st, v);
    }
    if (st->undef->name[0] != '\0' || d == NULL || d->hint != NULL || d->name.t != T_STR) {
        return;
    }
    if (d->objtype == NULL) {
        snprintf(st->undef->name, sizeof(st->undef->name), "%.*s", (int)d->name.sn, d->name.u.s.p);
    } else {
        snprintf(st->undef->name, sizeof(st->undef->name), "attribute '%.*s' of a %s",
                 (int)d->name.sn, d->name.u.s.p, d->objtype);
    }
}

__attribute__((noinline)) static void write_value(struct rs *st, tv v, int escape)
{
    if (escape && v.t != T_UNDEF && !(v.t == T_STR && v.safe)) {
        v = tpl_filters_escape(st, v);
    }
    switch (v.t) {
    case T_STR:
        tpl_exec_write(st, v.u.s.p, v.sn);
        return;
    case T_UNDEF:
        if (v.u.u == &tpl_value_toolong) {
            tpl_render_undefined(st, v); /* not silently empty */
        }
        if (st->undef != NULL) {
            note_undefined(st, v);
        }
        return;
    case T_INT: {
        char tmp[24];
        tpl_exec_write(st, tmp, tpl_repr_i64(v.u.i, tmp));
        return;
    }
    default:
        tpl_repr_str_to(st, v, st->out);
        if (st->out->over) {
            tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
        }
        return;
    }
}

static tv capture_body(struct rs *st, struct node *body, struct scope *sc)
{
    struct octo_buf *saved = st->out;
    struct octo_buf *b = tpl_render_buf(st);
    tv r;
    st->out = b;
    tpl_exec_body(st, body, sc);
    st->out = saved;
    r = tpl_render_buf_str(st, b);
    return r;
}

static void assign(struct rs *st, struct scope *sc, struct node *t, tv v)
{
    if (t->kind == N_NAME) {
        tpl_eval_scope_set(st, sc, t->str, t->slen, t->hash, v);
        return;
    }
    if (t->kind == N_NSREF) {
        tv ns = tpl_eval_lookup(st, sc, t->str, t->slen, t->hash);
        if (ns.t != T_OBJ || ns.u.o->kind != O_NAMESPACE) {
            tpl_render_fail(st, "Can only assign attributes to namespaces.");
        }
        tpl_dict_set(st, ns.u.o->attrs, tpl_value_cstr(t->str2), v);
        return;
    }
    if (t->kind == N_TUPLE) {
        size_t n;
        tv *it;
        int i;
        if (v.t == T_UNDEF) {
            tpl_render_undefined(st, v);
        }
        it = tpl_value_iterate(st, v, &n);
        if (n < (size_t)t->n) {
            tpl_render_fail(st, "not enough values to unpack (expected %d, got %zu)", t->n, n);
        }
        if (n > (size_t)t->n) {
            tpl_render_fail(st, "too many values to unpack (expected %d)", t->n);
        }
        for (i = 0; i < t->n; i++) {
            assign(st, sc, t->items[i], it[i]);
        }
        return;
    }
    tpl_render_fail(st, "can't assign to this target");
}

tv tpl_exec_loop_attr_id(struct loopctx *lc, int id)
{
    switch (id) {
    case LA_INDEX:
        return tpl_value_int((int64_t)lc->i + 1);
    case LA_INDEX0:
        return tpl_value_int((int64_t)lc->i);
    case LA_LENGTH:
        return tpl_value_int((int64_t)lc->n);
    case LA_REVINDEX:
        return tpl_value_int((int64_t)(lc->n - lc->i));
    case LA_REVINDEX0:
        return tpl_value_int((int64_t)(lc->n - lc->i - 1));
    case LA_FIRST:
        return tpl_value_bool(lc->i == 0);
    case LA_LAST:
        return tpl_value_bool(lc->i + 1 == lc->n);
    case LA_DEPTH:
        return tpl_value_int(lc->depth0 + 1);
    default:
        return tpl_value_int(lc->depth0);
    }
}

/* the names of the LA_* attributes, which annotate.c resolves at compile time */
static const char *const LOOP_ATTRS[] = {
    [LA_INDEX] = "index",       [LA_INDEX0] = "index0",       [LA_LENGTH] = "length",
    [LA_REVINDEX] = "revindex", [LA_REVINDEX0] = "revindex0", [LA_FIRST] = "first",
    [LA_LAST] = "last",         [LA_DEPTH] = "depth",         [LA_DEPTH0] = "depth0"};

int tpl_exec_loop_attr_find(const char *name, size_t n)
{
    int i;
    for (i = LA_NONE + 1; i < (int)(sizeof(LOOP_ATTRS) / sizeof(LOOP_ATTRS[0])); i++) {
        if (strlen(LOOP_ATTRS[i]) == n && memcmp(LOOP_ATTRS[i], name, n) == 0) {
            return i;
        }
    }
    return LA_NONE;
}

tv tpl_exec_loop_attr(struct rs *st, struct loopctx *lc, const char *name, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
    int id = tpl_exec_loop_attr_find(name, n);
    if (id != LA_NONE) {
        return tpl_exec_loop_attr_id(lc, id);
    }
    if (IS("previtem")) {
        if (lc->i == 0) {
            return tpl_value_undef_name(st, "previtem", 8);
        }
        return loop_item(lc, lc->i - 1);
    }
    if (IS("nextitem")) {
        if (lc->i + 1 >= lc->n) {
            return tpl_value_undef_name(st, "nextitem", 8);
        }
        return loop_item(lc, lc->i + 1);
    }
    if (IS("cycle")) {
        return tpl_value_func(st, F_LOOPCYCLE, "cycle", lc->self);
    }
    if (IS("changed")) {
        return tpl_value_func(st, F_LOOPCHANGED, "changed", lc->self);
    }
#undef IS
    return tpl_value_undef();
}

tv tpl_exec_loop_call(struct rs *st, struct tfunc *f, struct callargs *a)
{
    struct loopctx *lc = f->self.u.o->loop;
    if (f->kind == F_LOOPCYCLE) {
        if (a->npos == 0) {
            tpl_render_fail(st, "no items for cycling given");
        }
        return a->pos[lc->i % (size_t)a->npos];
    }
    if (f->kind == F_LOOPCHANGED) {
        tv cur = a->npos == 1 ? a->pos[0] : tpl_value_tuple_new(st, 0);
        if (a->npos != 1) {
            int i;
            for (i = 0; i < a->npos; i++) {
                tpl_value_list_push(st, cur.u.l, a->pos[i]);
            }
        }
        if (!lc->has_changed || !tpl_compare_eq(st, lc->last_changed, cur)) {
            lc->has_changed = 1;
            lc->last_changed = cur;
            return tpl_value_bool(1);
        }
        return tpl_value_bool(0);
    }
    return tpl_value_none();
}

static void run_for(struct rs *st, struct node *n, tv iter, struct scope *sc, int depth0);

tv tpl_exec_loop_recurse(struct rs *st, struct loopctx *lc, struct callargs *a)
{
    struct octo_buf *saved = st->out;
    struct octo_buf *b = tpl_render_buf(st);
    if (!(lc->fornode->flags & 1)) {
        tpl_render_fail(st, "'LoopContext' object is not callable");
    }
    if (a->npos != 1) {
        tpl_render_fail(st, "loop() takes exactly one argument");
    }
    if (++st->depth > st->max_depth) {
        tpl_render_fail(st, "maximum recursion depth exceeded (%d)", st->max_depth);
    }
    st->out = b;
    run_for(st, lc->fornode, a->pos[0], lc->outer, lc->depth0 + 1);
    st->out = saved;
    st->depth--;
    return mark_if_escaping(st, lc->fornode, tpl_render_buf_str(st, b));
}

static void run_for(struct rs *st, struct node *n, tv iter, struct scope *sc, int depth0)
{
    size_t cnt;
    tv *items = NULL;
    struct loopctx *lc;
    tv loopv = {T_OBJ, 0, 0, 0, {0}};
    struct tobj *o;
    size_t i;
    struct scope *is;
    int simple;
    uint32_t loop_hash = tpl_eval_hash("loop", 4);
    if (iter.t == T_JLIST && n->c == NULL) {
        cnt = json_array_size(iter.u.j); /* items fetched lazily */
        tpl_render_charge(st, cnt);
    } else {
        items = tpl_value_iterate(st, iter, &cnt);
    }
    if (n->c) {
        /* filtered loop: evaluate the condition per item first */
        tv *kept = tpl_render_alloc(st, (cnt ? cnt : 1) * sizeof(tv));
        size_t k = 0;
        struct scope *fs = tpl_eval_scope_new(st, sc, NULL);
        for (i = 0; i < cnt; i++) {
            tpl_render_step(st);
            fs->n = 0;
            assign(st, fs, n->a, items[i]);
            if (tpl_value_truthy(st, tpl_eval(st, n->c, fs))) {
                kept[k++] = items[i];
            }
        }
        items = kept;
        cnt = k;
    }
    lc = tpl_render_alloc(st, sizeof(*lc));
    memset(lc, 0, sizeof(*lc));
    o = tpl_render_alloc(st, sizeof(*o));
    memset(o, 0, sizeof(*o));
    o->kind = O_LOOP;
    o->loop = lc;
    loopv.u.o = o;
    lc->items = items;
    lc->src = iter;
    lc->n = cnt;
    lc->depth0 = depth0;
    lc->self = loopv;
    lc->fornode = n;
    lc->outer = sc;
    /* one scope for the body, emptied at each iteration: what an iteration
     * sets is gone at the next one, as in Jinja2 */
    is = tpl_eval_scope_new(st, sc, NULL);
    /* a plain name as the target (not "loop"): the iteration scope starts
     * as [loop, name] each time; write it directly */
    simple = n->a->kind == N_NAME && !(n->a->slen == 4 && memcmp(n->a->str, "loop", 4) == 0);
    if (simple) {
        is->v = tpl_render_alloc(st, 4 * sizeof(*is->v));
        is->cap = 4;
    }
    for (i = 0; i < cnt; i++) {
        tpl_render_step(st);
        if (items == NULL && i + 4 < cnt) {
            /* context records are scattered in memory: fetch ahead */
            __builtin_prefetch(json_array_get(iter.u.j, i + 4));
        }
        lc->i = i;
        if (simple) {
            struct var *v = is->v;
            v[0].name = tpl_annotate_loop_name;
            v[0].len = 4;
            v[0].hash = loop_hash;
            v[0].val = loopv;
            v[1].name = n->a->str;
            v[1].len = n->a->slen;
            v[1].hash = n->a->hash;
            v[1].val = loop_item(lc, i);
            is->n = 2;
        } else {
            is->n = 0;
            tpl_eval_scope_set(st, is, tpl_annotate_loop_name, 4, loop_hash, loopv);
            assign(st, is, n->a, loop_item(lc, i));
        }
        tpl_exec_body(st, n, is); /* the body is n's items */
    }
    if (cnt == 0 && n->d) {
        tpl_exec_body(st, n->d, tpl_eval_scope_new(st, sc, NULL)); /* its own scope, as in Jinja2 */
    }
}

static void exec_if(struct rs *st, struct node *n, struct scope *sc)
{
    while (n != NULL) {
        st->line = n->line;
        if (tpl_value_truthy(st, tpl_eval(st, n->a, sc))) {
            tpl_exec_body(st, n, sc); /* the body is n's items */
            return;
        }
        n = n->b;
        if (n != NULL && n->kind == N_BODY) {
            tpl_exec_body(st, n, sc);
            return;
        }
    }
}

static tv make_macro(struct rs *st, struct node *n, struct scope *sc, int kind)
{
    /* a call block is an anonymous macro (name None) */
    tv f = tpl_value_func(st, kind, kind == F_MACRO ? n->str : NULL, tpl_value_none());
    f.u.fn->node = n;
    f.u.fn->closure = sc;
    f.u.fn->tpl = st->tpl;
    f.u.fn->catch_varargs = (n->flags & 1) != 0;
    f.u.fn->catch_kwargs = (n->flags & 2) != 0;
    f.u.fn->uses_caller = (n->flags & 4) != 0;
    if (kind == F_CALLER) { /* its body runs in this template's context */
        f.u.fn->own_ae = 1 + (st->autoescape != 0);
    }
    return f;
}

static const char *macro_name(const struct tfunc *f)
{
    return f->name ? f->name : "None";
}

/* Binding as Jinja2's Macro.__call__: positional arguments first; only
 * when some parameters are left are keywords matched to them (so x(1, a=2)
 * for x(a) is an unknown keyword); `caller` as a parameter takes the call
 * block's caller; then the special caller / kwargs / varargs. */
tv tpl_exec_macro(struct rs *st, struct tfunc *f, struct callargs *a)
{
    struct node *n = f->node;
    struct scope *ms;
    tv *vals;
    unsigned char *set;
    unsigned char *used;
    int np = n->nnames;
    int off = a->npos < np ? a->npos : np;
    int i;
    int found_caller;
    int saved_line = st->line;
    const struct octo_tpl *saved_tpl = st->tpl;
    int saved_ae = st->autoescape;
    tv caller = tpl_value_undef();
    tv r;
    if (++st->depth > st->max_depth) {
        tpl_render_fail(st, "maximum recursion depth exceeded (%d)", st->max_depth);
    }
    tpl_render_step(st);
    vals = tpl_render_alloc(st, (size_t)(np + 1) * sizeof(tv));
    set = tpl_render_alloc(st, (size_t)(np + 1) + (size_t)(a->nkw + 1));
    used = set + np + 1;
    memset(set, 0, (size_t)(np + 1) + (size_t)(a->nkw + 1));
    for (i = 0; i < off; i++) {
        vals[i] = a->pos[i];
        set[i] = 1;
    }
    if (off != np) {
        found_caller = 0;
        for (i = off; i < np; i++) {
            int k;
            for (k = a->nkw - 1; k >= 0; k--) { /* the last of repeated keywords wins */
                if (!used[k] && strcmp(n->names[i], a->kwn[k]) == 0) {
                    vals[i] = a->kwv[k];
                    set[i] = 1;
                    used[k] = 1;
                    break;
                }
            }
            if (strcmp(n->names[i], "caller") == 0) {
                found_caller = 1;
            }
        }
    } else {
        found_caller = (n->flags & 8) != 0;
    }
    if (f->uses_caller && !found_caller) {
        int k;
        for (k = 0; k < a->nkw; k++) {
            if (!used[k] && strcmp(a->kwn[k], "caller") == 0) {
                used[k] = 1;
                caller = a->kwv[k];
            }
        }
        if (caller.t == T_UNDEF || caller.t == T_NONE) {
            caller = tpl_value_undef_name(st, "caller", 6);
            caller.u.u->hint = "No caller defined";
        }
    }
    if (!f->catch_kwargs) {
        int k;
        for (k = 0; k < a->nkw; k++) {
            if (!used[k] && strcmp(a->kwn[k], "caller") == 0) {
                tpl_render_fail(
                    st,
                    "macro '%s' was invoked with two values for the special caller argument. "
                    "This is most likely a bug.",
                    macro_name(f));
            }
        }
        for (k = 0; k < a->nkw; k++) {
            if (!used[k]) {
                tpl_render_fail(st, "macro '%s' takes no keyword argument '%s'", macro_name(f),
                                a->kwn[k]);
            }
        }
    }
    if (!f->catch_varargs && a->npos > np) {
        tpl_render_fail(st, "macro '%s' takes not more than %d argument(s)", macro_name(f), np);
    }
    ms = tpl_eval_scope_new(st, f->closure, NULL);
    st->tpl = f->tpl;
    if (f->own_ae) {
        st->autoescape = f->own_ae - 1;
    }
    for (i = 0; i < np; i++) {
        const char *pn = n->names[i];
        size_t pl = strlen(pn);
        tv v;
        if (set[i]) {
            v = vals[i];
        } else {
            int di = i - (np - n->nkw);
            if (di >= 0) {
                v = tpl_eval(st, n->kw[di], ms);
            } else {
                struct octo_buf *hb = tpl_render_buf(st);
                octo_buf_printf(hb, "parameter '%s' was not provided", pn);
                v = tpl_value_undef_name(st, pn, pl);
                v.u.u->hint = tpl_render_buf_str(st, hb).u.s.p;
            }
        }
        tpl_eval_scope_set(st, ms, pn, pl, tpl_eval_hash(pn, pl), v);
    }
    if (f->catch_varargs) {
        tv varargs = tpl_value_tuple_new(st, a->npos > np ? (size_t)(a->npos - np) : 0);
        for (i = np; i < a->npos; i++) {
            tpl_value_list_push(st, varargs.u.l, a->pos[i]);
        }
        tpl_eval_scope_set(st, ms, "varargs", 7, tpl_eval_hash("varargs", 7), varargs);
    }
    if (f->catch_kwargs) {
        tv kwargs = tpl_value_dict_new(st, 0);
        int k;
        for (k = 0; k < a->nkw; k++) {
            if (!used[k]) {
                tpl_dict_set(st, kwargs.u.d, tpl_value_cstr(a->kwn[k]), a->kwv[k]);
            }
        }
        tpl_eval_scope_set(st, ms, "kwargs", 6, tpl_eval_hash("kwargs", 6), kwargs);
    }
    if (f->uses_caller && !(n->flags & 8)) {
        tpl_eval_scope_set(st, ms, "caller", 6, tpl_eval_hash("caller", 6), caller);
    }
    r = capture_body(st, n, ms); /* the body is n's items */
    /* Macro.__call__: Markup when autoescaping where it is called */
    st->autoescape = saved_ae;
    r.safe = (uint8_t)(saved_ae != 0);
    st->tpl = saved_tpl;
    st->line = saved_line;
    st->depth--;
    return r;
}

void tpl_exec_body(struct rs *st, struct node *body, struct scope *sc)
{
    int i;
    for (i = 0; i < body->n; i++) {
        struct node *n = body->items[i];
        st->line = n->line;
        switch (n->kind) {
        case N_OUTPUT: {
            int k;
            int esc = escaping(st, n);
            for (k = 0; k < n->n; k++) {
                struct node *x = n->items[k];
                if (x->kind == N_DATA) {
                    tpl_exec_write(st, x->str, x->slen);
                } else {
                    st->line = x->line;
                    write_value(st, tpl_eval(st, x, sc), esc);
                }
            }
            break;
        }
        case N_IF:
            exec_if(st, n, sc);
            break;
        case N_FOR: {
            tv it = tpl_eval(st, n->b, sc);
            run_for(st, n, it, sc, 0);
            break;
        }
        case N_SET:
            assign(st, sc, n->a, tpl_eval(st, n->b, sc));
            break;
        case N_SETBLOCK: {
            /* the block body has its own scope in Jinja2 (sets do not leak) */
            tv v = capture_body(st, n, tpl_eval_scope_new(st, sc, NULL));
            if (n->c) {
                v = tpl_eval_filter_chain(st, n->c, mark_if_escaping(st, n, v), sc);
            }
            if (st->autoescape) { /* (Markup if context.eval_ctx.autoescape else identity) */
                v = tpl_repr_str(st, v);
                v.safe = 1;
            }
            assign(st, sc, n->a, v);
            break;
        }
        case N_FILTERBLOCK: {
            tv v = capture_body(st, n, tpl_eval_scope_new(st, sc, NULL));
            v = tpl_eval_filter_chain(st, n->c, mark_if_escaping(st, n, v), sc);
            write_value(st, v, escaping(st, n));
            break;
        }
        case N_MACRO:
            tpl_eval_scope_set(st, sc, n->str, n->slen, n->hash, make_macro(st, n, sc, F_MACRO));
            break;
        case N_CALLBLOCK: {
            struct node *call = n->a;
            tv caller = make_macro(st, n, sc, F_CALLER);
            struct callargs a = tpl_eval_args(st, call, sc, 1);
            tv fn = tpl_eval(st, call->a, sc);
            a.kwn[a.nkw] = "caller";
            a.kwv[a.nkw++] = caller;
            st->line = n->line;
            write_value(st, tpl_calls_value(st, fn, &a), escaping(st, n));
            break;
        }
        case N_WITH: {
            struct scope *ws = tpl_eval_scope_new(st, sc, NULL);
            int k;
            tv *vals = tpl_render_alloc(st, (size_t)(n->nkw + 1) * sizeof(tv));
            for (k = 0; k < n->nkw; k++) {
                vals[k] = tpl_eval(st, n->b->items[k], sc);
            }
            for (k = 0; k < n->nkw; k++) {
                assign(st, ws, n->kw[k], vals[k]);
            }
            tpl_exec_body(st, n, ws);
            break;
        }
        case N_BODY:
            if (n->a != NULL) { /* {% autoescape expr %}: a scope, as in Jinja2 */
                int saved = st->autoescape;
                st->autoescape = tpl_value_truthy(st, tpl_eval(st, n->a, sc));
                tpl_exec_body(st, n, tpl_eval_scope_new(st, sc, NULL));
                st->autoescape = saved;
            } else {
                tpl_exec_body(st, n, sc);
            }
            break;
        default:
            tpl_inherit_exec_stmt(st, n, sc);
            break;
        }
    }
}
