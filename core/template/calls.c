/* calls.c - calling values, argument binding, and the global functions
 * of a default Jinja2 environment: range, dict, namespace, cycler, joiner,
 * lipsum (and self, the template reference). */
#include <string.h>

#include "tpl.h"

void tpl_calls_bind_args(struct rs *st, const char *fname, struct callargs *a,
                         const char *const *names, int nnames, tv *out)
{
    int i;
    for (i = 0; i < nnames; i++) {
        out[i] = tpl_value_undef();
        out[i].sub = ARG_MISSING;
    }
    if (a->npos > nnames) {
        tpl_render_fail(st, "%s() takes at most %d argument%s (%d given)", fname, nnames,
                        nnames == 1 ? "" : "s", a->npos + 1);
    }
    for (i = 0; i < a->npos; i++) {
        out[i] = a->pos[i];
    }
    for (i = 0; i < a->nkw; i++) {
        int k;
        for (k = 0; k < nnames; k++) {
            if (strcmp(names[k], a->kwn[i]) == 0) {
                break;
            }
        }
        if (k == nnames) {
            tpl_render_fail(st, "%s() got an unexpected keyword argument '%s'", fname, a->kwn[i]);
        }
        if (tpl_calls_given(out[k])) {
            tpl_render_fail(st, "%s() got multiple values for argument '%s'", fname, a->kwn[i]);
        }
        out[k] = a->kwv[i];
    }
}

static int64_t want_int(struct rs *st, tv v, const char *what)
{
    if (v.t == T_INT) {
        return v.u.i;
    }
    if (v.t == T_BOOL) {
        return v.u.b;
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (v.t == T_BIG) {
        tpl_render_fail(st, "%s: Python int too large to convert to C ssize_t", what);
    }
    tpl_render_fail(st, "'%s' object cannot be interpreted as an integer", tpl_value_typename(v));
}

static tv g_range(struct rs *st, struct tfunc *f, struct callargs *a)
{
    int64_t start = 0;
    int64_t stop;
    int64_t step = 1;
    int64_t cnt;
    int64_t i;
    tv l;
    (void)f;
    if (a->nkw) {
        tpl_render_fail(st, "range() takes no keyword arguments");
    }
    if (a->npos == 1) {
        stop = want_int(st, a->pos[0], "range");
    } else if (a->npos == 2 || a->npos == 3) {
        start = want_int(st, a->pos[0], "range");
        stop = want_int(st, a->pos[1], "range");
        if (a->npos == 3) {
            step = want_int(st, a->pos[2], "range");
        }
    } else {
        tpl_render_fail(st, "range expected at most 3 arguments, got %d", a->npos);
    }
    if (step == 0) {
        tpl_render_fail(st, "range() arg 3 must not be zero");
    }
    if (step > 0) {
        cnt = stop > start
                  ? (int64_t)(((uint64_t)stop - (uint64_t)start - 1u) / (uint64_t)step + 1u)
                  : 0;
    } else {
        cnt =
            start > stop
                ? (int64_t)(((uint64_t)start - (uint64_t)stop - 1u) / (uint64_t)(-(step + 1) + 1) +
                            1u)
                : 0;
    }
    if (cnt < 0 || cnt > TPL_MAX_RANGE) {
        tpl_render_fail(st, "Range too big. The maximum is %d items.", TPL_MAX_RANGE);
    }
    l = tpl_value_list_new(st, (size_t)cnt);
    for (i = 0; i < cnt; i++) {
        l.u.l->it[i] = tpl_value_int(start + i * step);
    }
    l.u.l->n = (size_t)cnt;
    l.u.l->r0 = start;
    l.u.l->r1 = stop;
    l.u.l->r2 = step;
    return tpl_value_iter_from(st, l, IT_RANGE);
}

static void dict_update_from(struct rs *st, struct tdict *d, tv src)
{
    if (tpl_value_is_map(src)) {
        tv *ks;
        tv *vs;
        size_t n;
        size_t i;
        tpl_value_map_items(st, src, &ks, &vs, &n);
        for (i = 0; i < n; i++) {
            tpl_dict_set(st, d, ks[i], vs[i]);
        }
        return;
    }
    {
        size_t n;
        size_t i;
        tv *it = tpl_value_iterate(st, src, &n);
        for (i = 0; i < n; i++) {
            size_t pn;
            tv *pair;
            if (it[i].t == T_STR || !tpl_value_is_iterable(it[i])) {
                tpl_render_fail(
                    st, "cannot convert dictionary update sequence element #%zu to a sequence", i);
            }
            pair = tpl_value_iterate(st, it[i], &pn);
            if (pn != 2) {
                tpl_render_fail(
                    st, "dictionary update sequence element #%zu has length %zu; 2 is required", i,
                    pn);
            }
            tpl_dict_set(st, d, pair[0], pair[1]);
        }
    }
}

tv tpl_calls_dict(struct rs *st, struct callargs *a)
{
    tv d = tpl_value_dict_new(st, 0);
    int i;
    if (a->npos > 1) {
        tpl_render_fail(st, "dict expected at most 1 argument, got %d", a->npos);
    }
    if (a->npos == 1) {
        dict_update_from(st, d.u.d, a->pos[0]);
    }
    for (i = 0; i < a->nkw; i++) {
        tpl_dict_set(st, d.u.d, tpl_value_cstr(a->kwn[i]), a->kwv[i]);
    }
    return d;
}

static tv g_dict(struct rs *st, struct tfunc *f, struct callargs *a)
{
    (void)f;
    return tpl_calls_dict(st, a);
}

static tv g_namespace(struct rs *st, struct tfunc *f, struct callargs *a)
{
    tv d = tpl_calls_dict(st, a);
    struct tobj *o = tpl_render_alloc(st, sizeof(*o));
    tv v = {T_OBJ, 0, 0, 0, {0}};
    (void)f;
    memset(o, 0, sizeof(*o));
    o->kind = O_NAMESPACE;
    o->attrs = d.u.d;
    v.u.o = o;
    return v;
}

static tv g_cycler(struct rs *st, struct tfunc *f, struct callargs *a)
{
    struct tobj *o = tpl_render_alloc(st, sizeof(*o));
    tv v = {T_OBJ, 0, 0, 0, {0}};
    int i;
    (void)f;
    if (a->npos == 0) {
        tpl_render_fail(st, "at least one item has to be provided");
    }
    memset(o, 0, sizeof(*o));
    o->kind = O_CYCLER;
    o->items = tpl_value_list_new(st, (size_t)a->npos);
    for (i = 0; i < a->npos; i++) {
        tpl_value_list_push(st, o->items.u.l, a->pos[i]);
    }
    v.u.o = o;
    return v;
}

static tv g_joiner(struct rs *st, struct tfunc *f, struct callargs *a)
{
    static const char *const names[] = {"sep"};
    tv args[1];
    tv j;
    struct tobj *o = tpl_render_alloc(st, sizeof(*o));
    tv ov = {T_OBJ, 0, 0, 0, {0}};
    (void)f;
    tpl_calls_bind_args(st, "joiner", a, names, 1, args);
    memset(o, 0, sizeof(*o));
    o->kind = O_JOINER;
    o->items = tpl_calls_given(args[0]) ? tpl_repr_str(st, args[0]) : tpl_value_str(", ", 2);
    ov.u.o = o;
    j = tpl_value_func(st, F_JOINER, "joiner", ov);
    return j;
}

static tv g_lipsum(struct rs *st, struct tfunc *f, struct callargs *a)
{
    (void)f;
    (void)a;
    tpl_render_fail(st, "lipsum() is not supported (its output is random)");
}

static struct tfunc G_LIPSUM = {
    F_BUILTIN, "generate_lorem_ipsum", g_lipsum, {0}, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
static struct tfunc G_RANGE = {F_BUILTIN, "range", g_range, {0}, NULL, NULL,
                               NULL,      NULL,    0,       0,   0,    0};
static struct tfunc G_DICT = {F_BUILTIN, "dict", g_dict, {0}, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
static struct tfunc G_NS = {F_BUILTIN, "namespace", g_namespace, {0}, NULL, NULL,
                            NULL,      NULL,        0,           0,   0,    0};
static struct tfunc G_CYC = {F_BUILTIN, "cycler", g_cycler, {0}, NULL, NULL,
                             NULL,      NULL,     0,        0,   0,    0};
static struct tfunc G_JOIN = {F_BUILTIN, "joiner", g_joiner, {0}, NULL, NULL,
                              NULL,      NULL,     0,        0,   0,    0};

tv tpl_calls_global(const char *name, size_t n, struct rs *st, int *found)
{
    tv v = {T_FUNC, 0, 0, 0, {0}};
    *found = 1;
    if (n == 5 && memcmp(name, "range", 5) == 0) {
        v.u.fn = &G_RANGE;
    } else if (n == 4 && memcmp(name, "dict", 4) == 0) {
        v.u.fn = &G_DICT;
    } else if (n == 9 && memcmp(name, "namespace", 9) == 0) {
        v.u.fn = &G_NS;
    } else if (n == 6 && memcmp(name, "cycler", 6) == 0) {
        v.u.fn = &G_CYC;
    } else if (n == 6 && memcmp(name, "joiner", 6) == 0) {
        v.u.fn = &G_JOIN;
    } else if (n == 6 && memcmp(name, "lipsum", 6) == 0) {
        v.u.fn = &G_LIPSUM;
    } else if (n == 4 && memcmp(name, "self", 4) == 0) {
        struct tobj *o = tpl_render_alloc(st, sizeof(*o));
        memset(o, 0, sizeof(*o));
        o->kind = O_SELF;
        o->tpl = st->tpl;
        v.t = T_OBJ;
        v.u.o = o;
    } else {
        *found = 0;
    }
    return v;
}

tv tpl_calls_value(struct rs *st, tv fn, struct callargs *a)
{
    if (fn.t == T_UNDEF) {
        tpl_render_undefined(st, fn);
    }
    if (fn.t == T_OBJ && fn.u.o->kind == O_LOOP) {
        return tpl_exec_loop_recurse(st, fn.u.o->loop, a);
    }
    if (fn.t != T_FUNC) {
        tpl_render_fail(st, "'%s' object is not callable", tpl_value_typename(fn));
    }
    {
        struct tfunc *f = fn.u.fn;
        switch (f->kind) {
        case F_BUILTIN:
            return f->fn(st, f, a);
        case F_METHOD:
            return tpl_methods_call(st, f->self, f->name, a);
        case F_MACRO:
        case F_CALLER:
            return tpl_exec_macro(st, f, a);
        case F_SUPER:
        case F_BLOCK:
            return tpl_inherit_call_block(st, f);
        case F_LOOPCYCLE:
        case F_LOOPCHANGED:
            return tpl_exec_loop_call(st, f, a);
        case F_CYCNEXT: {
            struct tobj *o = f->self.u.o;
            tv r = o->items.u.l->it[o->pos];
            o->pos = (o->pos + 1) % o->items.u.l->n;
            return r;
        }
        case F_CYCRESET:
            f->self.u.o->pos = 0;
            return tpl_value_none();
        case F_JOINER: {
            struct tobj *o = f->self.u.o;
            if (!o->pos) {
                o->pos = 1;
                return tpl_value_str("", 0);
            }
            return o->items;
        }
        default:
            break;
        }
    }
    tpl_render_fail(st, "object is not callable");
}
