/* methods.c - list, tuple, dict and number methods; dispatch to str
 * methods. Lists and dicts created by the template are mutable (append,
 * update...); context data is read-only (mutating it is an error). */
#include <string.h>

#include "tpl.h"

static const char *const LIST_METHODS[] = {"append", "extend", "insert", "pop", "remove", "reverse",
                                           "sort", "index", "count", "copy", "clear", NULL};
static const char *const TUPLE_METHODS[] = {"index", "count", NULL};
static const char *const DICT_METHODS[] = {"items", "keys", "values", "get", "copy", "pop",
                                           "popitem", "setdefault", "update", "clear", NULL};

static int in_list(const char *const *l, const char *name, size_t n)
{
    for (; *l; l++) {
        if ((*l)[0] == name[0] && strlen(*l) == n && memcmp(*l, name, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int tpl_methods_has(tv self, const char *name, size_t n)
{
    switch (self.t) {
    case T_STR:
        return tpl_methods_str_has(name, n);
    case T_LIST:
    case T_JLIST: return in_list(LIST_METHODS, name, n);
    case T_TUPLE: return in_list(TUPLE_METHODS, name, n);
    case T_DICT:
    case T_JDICT:
        /* quick reject: every dict method name starts with one of these */
        if (n < 3 || n > 10 || !strchr("ikvgcpsu", name[0])) {
            return 0;
        }
        return in_list(DICT_METHODS, name, n);
    case T_FLOAT: return n == 10 && memcmp(name, "is_integer", 10) == 0;
    case T_INT:
    case T_BIG: return n == 10 && memcmp(name, "bit_length", 10) == 0;
    default: return 0;
    }
}

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

static tv dict_method(struct rs *st, tv d, const char *m, struct callargs *a)
{
#define M(x) (strcmp(m, x) == 0)
    tv r;
    if (M("update")) {
        struct callargs b = *a;
        tv src;
        size_t i;
        if (d.t == T_JDICT) {
            readonly(st, d, m);
        }
        src = tpl_calls_dict(st, &b);
        for (i = 0; i < src.u.d->n; i++) {
            tpl_dict_set(st, d.u.d, src.u.d->k[i], src.u.d->v[i]);
        }
        return tpl_value_none();
    }
    if (a->nkw) {
        tpl_render_fail(st, "%s() takes no keyword arguments", m);
    }
    if (M("items")) return dict_view(st, d, IT_DICT_ITEMS);
    if (M("keys")) return dict_view(st, d, IT_DICT_KEYS);
    if (M("values")) return dict_view(st, d, IT_DICT_VALUES);
    if (M("get")) {
        nargs(st, "get", a, 1, 2);
        if (tpl_value_map_get(st, d, a->pos[0], &r)) {
            return r;
        }
        return a->npos > 1 ? a->pos[1] : tpl_value_none();
    }
    if (M("copy")) return tpl_dict_copy(st, d);
    if (d.t == T_JDICT) {
        readonly(st, d, m);
    }
    if (M("clear")) {
        d.u.d->n = 0;
        tpl_dict_drop_index(d.u.d);
        return tpl_value_none();
    }
    if (M("setdefault")) {
        nargs(st, "setdefault", a, 1, 2);
        if (tpl_value_map_get(st, d, a->pos[0], &r)) {
            return r;
        }
        r = a->npos > 1 ? a->pos[1] : tpl_value_none();
        tpl_dict_set(st, d.u.d, a->pos[0], r);
        return r;
    }
    if (M("pop")) {
        size_t idx;
        nargs(st, "pop", a, 1, 2);
        if (tpl_dict_find(d.u.d, a->pos[0], &idx)) {
            struct tdict *dd = d.u.d;
            r = dd->v[idx];
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
    if (M("popitem")) {
        struct tdict *dd = d.u.d;
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
#undef M
    tpl_render_fail(st, "'dict' object has no attribute '%s'", m);
}

static tv list_method(struct rs *st, tv l, const char *m, struct callargs *a)
{
#define M(x) (strcmp(m, x) == 0)
    size_t n = tpl_value_seq_len(l);
    size_t i;
    if (M("sort")) {
        static const char *const names[] = {"key", "reverse"};
        tv args[2];
        if (l.t != T_LIST) {
            readonly(st, l, m);
        }
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
    if (a->nkw) {
        tpl_render_fail(st, "%s() takes no keyword arguments", m);
    }
    if (M("index") || M("count")) {
        int64_t c = 0;
        nargs(st, m, a, 1, 3);
        tpl_render_charge(st, n);
        for (i = 0; i < n; i++) {
            if (tpl_compare_eq(st, tpl_value_seq_at(l, i), a->pos[0])) {
                if (M("index")) {
                    return tpl_value_int((int64_t)i);
                }
                c++;
            }
        }
        if (M("index")) {
            tpl_render_fail(st, "%s is not in list", tpl_repr(st, a->pos[0]).u.s.p);
        }
        return tpl_value_int(c);
    }
    if (M("copy")) {
        nargs(st, m, a, 0, 0);
        return tpl_value_to_list(st, l);
    }
    if (l.t != T_LIST) {
        readonly(st, l, m);
    }
    if (M("append")) {
        nargs(st, m, a, 1, 1);
        if (l.u.l->n >= 10000000) {
            tpl_render_fail(st, "list too long");
        }
        tpl_value_list_push(st, l.u.l, a->pos[0]);
        return tpl_value_none();
    }
    if (M("extend")) {
        size_t k;
        tv *it;
        nargs(st, m, a, 1, 1);
        it = tpl_value_iterate(st, a->pos[0], &k);
        for (i = 0; i < k; i++) {
            tpl_value_list_push(st, l.u.l, it[i]);
        }
        return tpl_value_none();
    }
    if (M("insert")) {
        int64_t at;
        nargs(st, m, a, 2, 2);
        at = tpl_ops_index(st, a->pos[0], "index");
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
    if (M("pop")) {
        int64_t at = (int64_t)n - 1;
        tv r;
        nargs(st, m, a, 0, 1);
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
    if (M("remove")) {
        nargs(st, m, a, 1, 1);
        for (i = 0; i < n; i++) {
            if (tpl_compare_eq(st, l.u.l->it[i], a->pos[0])) {
                memmove(l.u.l->it + i, l.u.l->it + i + 1, (n - i - 1) * sizeof(tv));
                l.u.l->n--;
                return tpl_value_none();
            }
        }
        tpl_render_fail(st, "list.remove(x): x not in list");
    }
    if (M("reverse")) {
        for (i = 0; i < n / 2; i++) {
            tv t = l.u.l->it[i];
            l.u.l->it[i] = l.u.l->it[n - 1 - i];
            l.u.l->it[n - 1 - i] = t;
        }
        return tpl_value_none();
    }
    if (M("clear")) {
        l.u.l->n = 0;
        return tpl_value_none();
    }
#undef M
    tpl_render_fail(st, "'list' object has no attribute '%s'", m);
}

tv tpl_methods_call(struct rs *st, tv self, const char *name, struct callargs *a)
{
    switch (self.t) {
    case T_STR:
        return tpl_methods_str_call(st, self, name, a);
    case T_LIST:
    case T_JLIST: return list_method(st, self, name, a);
    case T_TUPLE: return list_method(st, self, name, a);
    case T_DICT:
    case T_JDICT: return dict_method(st, self, name, a);
    case T_FLOAT:
        if (strcmp(name, "is_integer") == 0) {
            return tpl_value_bool(self.u.f == (double)(int64_t)self.u.f);
        }
        break;
    case T_INT:
    case T_BIG:
        if (strcmp(name, "bit_length") == 0) {
            if (self.t == T_INT) {
                uint64_t m = self.u.i < 0 ? (uint64_t)(-(self.u.i + 1)) + 1u : (uint64_t)self.u.i;
                int64_t bits = 0;
                while (m) {
                    bits++;
                    m >>= 1;
                }
                return tpl_value_int(bits);
            }
            return tpl_value_int((int64_t)tpl_bigint_bitlen(self.u.big));
        }
        break;
    default: break;
    }
    tpl_render_fail(st, "'%s' object has no attribute '%s'", tpl_value_typename(self), name);
}
