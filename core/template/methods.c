/* methods.c - list, tuple, dict and number methods, and the dispatch of
 * every method call through the per-type tables (methods.h; str methods in
 * methods_str.c). Lists and dicts created by the template are mutable
 * (append, update...); context data is read-only (mutating it is an
 * error that says to copy it first). */
#include <string.h>

#include "methods.h"
#include "tpl.h"

static void nargs(struct rs *st, const char *m, struct callargs *a, int lo, int hi)
{
    if (a->npos < lo || a->npos > hi) {
        if (lo == hi) {
            tpl_render_fail(st, "%s() takes exactly %d argument%s (%d given)", m, lo,
                            lo == 1 ? "" : "s", a->npos);
        }
        tpl_render_fail(st, "%s expected at most %d argument%s, got %d", m, hi, hi == 1 ? "" : "s",
                        a->npos);
    }
}

_Noreturn static void readonly(struct rs *st, tv self, const char *m)
{
    tpl_render_fail(st,
                    "cannot call %s() on %s data from the context (read-only); copy it first "
                    "(e.g. x | list)",
                    m, tpl_value_typename(self));
}

static tv dict_view(struct rs *st, tv d, int kind)
{
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv l;
    tpl_value_map_items(st, d, &ks, &vs, &n);
    l = tpl_value_list_new(st, n);
    for (i = 0; i < n; i++) {
        if (kind == IT_DICT_ITEMS) {
            tv t = tpl_value_tuple_new(st, 2);
            t.u.l->it[0] = ks[i];
            t.u.l->it[1] = vs[i];
            t.u.l->n = 2;
            l.u.l->it[i] = t;
        } else {
            l.u.l->it[i] = kind == IT_DICT_KEYS ? ks[i] : vs[i];
        }
    }
    l.u.l->n = n;
    return tpl_value_iter_from(st, l, kind);
}

/* ---- dict methods ---- */

static tv d_update(struct rs *st, tv d, const char *m, struct callargs *a)
{
    struct callargs b = *a;
    tv src;
    size_t i;
    (void)m;
    src = tpl_calls_dict(st, &b);
    for (i = 0; i < src.u.d->n; i++) {
        tpl_dict_set(st, d.u.d, src.u.d->k[i], src.u.d->v[i]);
    }
    return tpl_value_none();
}

/* items, keys, values */
static tv d_view(struct rs *st, tv d, const char *m, struct callargs *a)
{
    (void)a;
    return dict_view(st, d,
                     m[0] == 'i'   ? IT_DICT_ITEMS
                     : m[0] == 'k' ? IT_DICT_KEYS
                                   : IT_DICT_VALUES);
}

static tv d_get(struct rs *st, tv d, const char *m, struct callargs *a)
{
    tv r;
    (void)m;
    if (tpl_value_map_get(st, d, a->pos[0], &r)) {
        return r;
    }
    return a->npos > 1 ? a->pos[1] : tpl_value_none();
}

static tv d_copy(struct rs *st, tv d, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_dict_copy(st, d);
}

static tv d_clear(struct rs *st, tv d, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    d.u.d->n = 0;
    tpl_dict_drop_index(d.u.d);
    return tpl_value_none();
}

static tv d_setdefault(struct rs *st, tv d, const char *m, struct callargs *a)
{
    tv r;
    (void)m;
    if (tpl_value_map_get(st, d, a->pos[0], &r)) {
        return r;
    }
    r = a->npos > 1 ? a->pos[1] : tpl_value_none();
    tpl_dict_set(st, d.u.d, a->pos[0], r);
    return r;
}

static tv d_pop(struct rs *st, tv d, const char *m, struct callargs *a)
{
    size_t idx;
    (void)m;
    if (tpl_dict_find(d.u.d, a->pos[0], &idx)) {
        struct tdict *dd = d.u.d;
        tv r = dd->v[idx];
        memmove(dd->k + idx, dd->k + idx + 1, (dd->n - idx - 1) * sizeof(tv));
        memmove(dd->v + idx, dd->v + idx + 1, (dd->n - idx - 1) * sizeof(tv));
        dd->n--;
        tpl_dict_drop_index(dd);
        return r;
    }
    if (a->npos > 1) {
        return a->pos[1];
    }
    tpl_render_fail(st, "KeyError: %s", tpl_repr(st, a->pos[0]).u.s.p);
}

static tv d_popitem(struct rs *st, tv d, const char *m, struct callargs *a)
{
    struct tdict *dd = d.u.d;
    tv r;
    (void)m;
    (void)a;
    if (dd->n == 0) {
        tpl_render_fail(st, "'popitem(): dictionary is empty'");
    }
    r = tpl_value_tuple_new(st, 2);
    r.u.l->it[0] = dd->k[dd->n - 1];
    r.u.l->it[1] = dd->v[dd->n - 1];
    r.u.l->n = 2;
    dd->n--;
    tpl_dict_drop_index(dd);
    return r;
}

/* Arity M_ANY where nothing was counted before this table (items(1) and
 * copy(1) are accepted, as they were). */
static const struct method DICT_METHODS[] = {
    METHOD("clear", d_clear, M_ANY, M_ANY, M_MUTATES),
    METHOD("copy", d_copy, M_ANY, M_ANY, 0),
    METHOD("get", d_get, 1, 2, 0),
    METHOD("items", d_view, M_ANY, M_ANY, 0),
    METHOD("keys", d_view, M_ANY, M_ANY, 0),
    METHOD("pop", d_pop, 1, 2, M_MUTATES),
    METHOD("popitem", d_popitem, M_ANY, M_ANY, M_MUTATES),
    METHOD("setdefault", d_setdefault, 1, 2, M_MUTATES),
    METHOD("update", d_update, M_ANY, M_ANY, M_KWARGS | M_MUTATES), /* as dict(...) */
    METHOD("values", d_view, M_ANY, M_ANY, 0),
    {NULL, 0, 0, 0, 0, NULL}};

/* ---- list methods (tuples: those flagged M_TUPLE) ---- */

static tv l_sort(struct rs *st, tv l, const char *m, struct callargs *a)
{
    static const char *const names[] = {"key", "reverse"};
    tv args[2];
    (void)m;
    if (a->npos) {
        tpl_render_fail(st, "sort() takes no positional arguments");
    }
    tpl_calls_bind_args(st, "sort", a, names, 2, args);
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        tpl_render_fail(st, "sort(key=...) is not supported in templates; use the sort filter");
    }
    tpl_filters_sort_values(st, l.u.l->it, l.u.l->n,
                            tpl_calls_given(args[1]) && tpl_value_truthy(st, args[1]), 1, NULL);
    return tpl_value_none();
}

/* index, count */
static tv l_index(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t n = tpl_value_seq_len(l);
    size_t i;
    int64_t c = 0;
    int index = m[0] == 'i';
    tpl_render_charge(st, n);
    for (i = 0; i < n; i++) {
        if (tpl_compare_eq(st, tpl_value_seq_at(l, i), a->pos[0])) {
            if (index) {
                return tpl_value_int((int64_t)i);
            }
            c++;
        }
    }
    if (index) {
        tpl_render_fail(st, "%s is not in list", tpl_repr(st, a->pos[0]).u.s.p);
    }
    return tpl_value_int(c);
}

static tv l_copy(struct rs *st, tv l, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_value_to_list(st, l);
}

static tv l_append(struct rs *st, tv l, const char *m, struct callargs *a)
{
    (void)m;
    if (l.u.l->n >= 10000000) {
        tpl_render_fail(st, "list too long");
    }
    tpl_value_list_push(st, l.u.l, a->pos[0]);
    return tpl_value_none();
}

static tv l_extend(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t k;
    size_t i;
    tv *it = tpl_value_iterate(st, a->pos[0], &k);
    (void)m;
    for (i = 0; i < k; i++) {
        tpl_value_list_push(st, l.u.l, it[i]);
    }
    return tpl_value_none();
}

static tv l_insert(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t n = l.u.l->n;
    int64_t at = tpl_ops_index(st, a->pos[0], "index");
    (void)m;
    if (at < 0) {
        at += (int64_t)n;
        if (at < 0) {
            at = 0;
        }
    }
    if (at > (int64_t)n) {
        at = (int64_t)n;
    }
    tpl_value_list_push(st, l.u.l, tpl_value_none());
    memmove(l.u.l->it + at + 1, l.u.l->it + at, (n - (size_t)at) * sizeof(tv));
    l.u.l->it[at] = a->pos[1];
    return tpl_value_none();
}

static tv l_pop(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t n = l.u.l->n;
    int64_t at = (int64_t)n - 1;
    tv r;
    (void)m;
    if (n == 0) {
        tpl_render_fail(st, "pop from empty list");
    }
    if (a->npos) {
        at = tpl_ops_index(st, a->pos[0], "index");
        if (at < 0) {
            at += (int64_t)n;
        }
        if (at < 0 || at >= (int64_t)n) {
            tpl_render_fail(st, "pop index out of range");
        }
    }
    r = l.u.l->it[at];
    memmove(l.u.l->it + at, l.u.l->it + at + 1, (n - (size_t)at - 1) * sizeof(tv));
    l.u.l->n--;
    return r;
}

static tv l_remove(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t n = l.u.l->n;
    size_t i;
    (void)m;
    for (i = 0; i < n; i++) {
        if (tpl_compare_eq(st, l.u.l->it[i], a->pos[0])) {
            memmove(l.u.l->it + i, l.u.l->it + i + 1, (n - i - 1) * sizeof(tv));
            l.u.l->n--;
            return tpl_value_none();
        }
    }
    tpl_render_fail(st, "list.remove(x): x not in list");
}

static tv l_reverse(struct rs *st, tv l, const char *m, struct callargs *a)
{
    size_t n = l.u.l->n;
    size_t i;
    (void)st;
    (void)m;
    (void)a;
    for (i = 0; i < n / 2; i++) {
        tv t = l.u.l->it[i];
        l.u.l->it[i] = l.u.l->it[n - 1 - i];
        l.u.l->it[n - 1 - i] = t;
    }
    return tpl_value_none();
}

static tv l_clear(struct rs *st, tv l, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    l.u.l->n = 0;
    return tpl_value_none();
}

/* Arity M_ANY where nothing was counted before this table (reverse(1) and
 * clear(1) are accepted, as they were); sort binds its keywords itself. */
static const struct method LIST_METHODS[] = {
    METHOD("append", l_append, 1, 1, M_MUTATES),
    METHOD("clear", l_clear, M_ANY, M_ANY, M_MUTATES),
    METHOD("copy", l_copy, 0, 0, 0),
    METHOD("count", l_index, 1, 3, M_TUPLE),
    METHOD("extend", l_extend, 1, 1, M_MUTATES),
    METHOD("index", l_index, 1, 3, M_TUPLE),
    METHOD("insert", l_insert, 2, 2, M_MUTATES),
    METHOD("pop", l_pop, 0, 1, M_MUTATES),
    METHOD("remove", l_remove, 1, 1, M_MUTATES),
    METHOD("reverse", l_reverse, M_ANY, M_ANY, M_MUTATES),
    METHOD("sort", l_sort, M_ANY, M_ANY, M_KWARGS | M_MUTATES),
    {NULL, 0, 0, 0, 0, NULL}};

/* ---- number methods ---- */

static tv f_is_integer(struct rs *st, tv self, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(self.u.f == (double)(int64_t)self.u.f);
}

static tv i_bit_length(struct rs *st, tv self, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    if (self.t == T_INT) {
        uint64_t u = self.u.i < 0 ? (uint64_t)(-(self.u.i + 1)) + 1u : (uint64_t)self.u.i;
        int64_t bits = 0;
        while (u) {
            bits++;
            u >>= 1;
        }
        return tpl_value_int(bits);
    }
    return tpl_value_int((int64_t)tpl_bigint_bitlen(self.u.big));
}

/* arguments, keyword ones included, are not looked at (as before this table) */
static const struct method FLOAT_METHODS[] = {
    METHOD("is_integer", f_is_integer, M_ANY, M_ANY, M_KWARGS), {NULL, 0, 0, 0, 0, NULL}};
static const struct method INT_METHODS[] = {
    METHOD("bit_length", i_bit_length, M_ANY, M_ANY, M_KWARGS), {NULL, 0, 0, 0, 0, NULL}};

/* ---- dispatch ---- */

static const struct method *table_of(tv self)
{
    switch (self.t) {
    case T_STR:
        return tpl_methods_str;
    case T_LIST:
    case T_JLIST:
    case T_TUPLE:
        return LIST_METHODS;
    case T_DICT:
    case T_JDICT:
        return DICT_METHODS;
    case T_FLOAT:
        return FLOAT_METHODS;
    case T_INT:
    case T_BIG:
        return INT_METHODS;
    default:
        return NULL;
    }
}

/* self's method called name (n bytes, not necessarily NUL-terminated) */
static const struct method *find(tv self, const char *name, size_t n)
{
    const struct method *e = table_of(self);
    if (e == NULL || n == 0) {
        return NULL;
    }
    for (; e->name != NULL; e++) {
        if (e->len == n && e->name[0] == name[0] && memcmp(e->name, name, n) == 0) {
            return self.t == T_TUPLE && !(e->flags & M_TUPLE) ? NULL : e;
        }
    }
    return NULL;
}

int tpl_methods_has(tv self, const char *name, size_t n)
{
    return find(self, name, n) != NULL;
}

int tpl_methods_mutates(tv self, const char *name)
{
    const struct method *e = find(self, name, strlen(name));
    return e != NULL && (e->flags & M_MUTATES) != 0;
}

/* Callers check tpl_methods_has first (an attribute that is no method is
 * looked up as data instead). The checks run in the order Python's would:
 * keywords, then read-only data, then the count of arguments. */
tv tpl_methods_call(struct rs *st, tv self, const char *name, struct callargs *a)
{
    const struct method *e = find(self, name, strlen(name));
    if (e == NULL) {
        tpl_render_fail(st, "'%s' object has no attribute '%s'", tpl_value_typename(self), name);
    }
    if (a->nkw && !(e->flags & M_KWARGS)) {
        tpl_render_fail(st, "%s() takes no keyword arguments", name);
    }
    if ((e->flags & M_MUTATES) && self.t != T_LIST && self.t != T_DICT) {
        readonly(st, self, name);
    }
    if (e->min_args != M_ANY) {
        nargs(st, name, a, e->min_args, e->max_args);
    }
    return e->fn(st, self, name, a);
}
