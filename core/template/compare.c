/* compare.c - Python equality, ordering and membership of values. */
#include <math.h>
#include <string.h>

#include "tpl.h"

/* compare two numbers: -1 0 1 (nan: 2) */
static int num_cmp(struct rs *st, tv a, tv b)
{
    if (a.t == T_FLOAT || b.t == T_FLOAT) {
        double x = tpl_value_to_double(a);
        double y = tpl_value_to_double(b);
        if (isnan(x) || isnan(y)) {
            return 2;
        }
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.t == T_BIG || b.t == T_BIG) {
        struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
        struct bigint *x =
            a.t == T_BIG ? a.u.big : tpl_bigint_from_i64(&ba, a.t == T_BOOL ? a.u.b : a.u.i);
        struct bigint *y =
            b.t == T_BIG ? b.u.big : tpl_bigint_from_i64(&ba, b.t == T_BOOL ? b.u.b : b.u.i);
        if (x == NULL || y == NULL) {
            tpl_render_oom(st);
        }
        return tpl_bigint_cmp(x, y);
    }
    {
        int64_t x = a.t == T_BOOL ? a.u.b : a.u.i;
        int64_t y = b.t == T_BOOL ? b.u.b : b.u.i;
        return x < y ? -1 : x > y ? 1 : 0;
    }
}

static int seq_like(tv v)
{
    return v.t == T_LIST || v.t == T_JLIST;
}

static int eq_depth(struct rs *st, tv a, tv b, int depth);

int tpl_compare_eq(struct rs *st, tv a, tv b)
{
    return eq_depth(st, a, b, 0);
}

static int eq_depth(struct rs *st, tv a, tv b, int depth)
{
    if (depth > 1000) {
        if (st != NULL) {
            tpl_render_fail(st, "maximum recursion depth exceeded in comparison");
        }
        return 0;
    }
    if (tpl_value_is_num(a) && tpl_value_is_num(b)) {
        if (st == NULL && (a.t == T_BIG || b.t == T_BIG)) {
            if (a.t != b.t) {
                return 0;
            }
            return tpl_bigint_cmp(a.u.big, b.u.big) == 0;
        }
        return num_cmp(st, a, b) == 0;
    }
    if (a.t == T_STR && b.t == T_STR) {
        return a.sn == b.sn && memcmp(a.u.s.p, b.u.s.p, a.sn) == 0;
    }
    if ((seq_like(a) && seq_like(b)) || (a.t == T_TUPLE && b.t == T_TUPLE)) {
        size_t n = tpl_value_seq_len(a);
        size_t i;
        if (n != tpl_value_seq_len(b)) {
            return 0;
        }
        for (i = 0; i < n; i++) {
            if (!eq_depth(st, tpl_value_seq_at(a, i), tpl_value_seq_at(b, i), depth + 1)) {
                return 0;
            }
        }
        return 1;
    }
    if (tpl_value_is_map(a) && tpl_value_is_map(b)) {
        tv *ks;
        tv *vs;
        size_t n;
        size_t i;
        if (tpl_value_map_len(a) != tpl_value_map_len(b) || st == NULL) {
            return st == NULL ? a.u.j == b.u.j : 0;
        }
        tpl_value_map_items(st, a, &ks, &vs, &n);
        for (i = 0; i < n; i++) {
            tv o;
            if (!tpl_value_map_get(st, b, ks[i], &o) || !eq_depth(st, vs[i], o, depth + 1)) {
                return 0;
            }
        }
        return 1;
    }
    if (a.t != b.t) {
        return 0;
    }
    switch (a.t) {
    case T_NONE:
    case T_UNDEF:
        return 1;
    case T_ITER:
        if (a.sub == IT_RANGE && b.sub == IT_RANGE) {
            return a.u.l->r0 == b.u.l->r0 && a.u.l->r1 == b.u.l->r1 && a.u.l->r2 == b.u.l->r2;
        }
        return a.u.l == b.u.l;
    case T_FUNC:
        return a.u.fn == b.u.fn;
    case T_OBJ:
        return a.u.o == b.u.o;
    default:
        return 0;
    }
}

static const char *cmp_tn(tv v)
{
    return tpl_value_typename(v);
}

static int cmp_depth(struct rs *st, tv a, tv b, int depth);

int tpl_compare(struct rs *st, tv a, tv b)
{
    return cmp_depth(st, a, b, 0);
}

static int cmp_depth(struct rs *st, tv a, tv b, int depth)
{
    if (depth > 1000) {
        tpl_render_fail(st, "maximum recursion depth exceeded in comparison");
    }
    if (tpl_value_is_num(a) && tpl_value_is_num(b)) {
        int c = num_cmp(st, a, b);
        return c == 2 ? 2 : c;
    }
    if (a.t == T_STR && b.t == T_STR) {
        size_t n = a.sn < b.sn ? a.sn : b.sn;
        int c = n ? memcmp(a.u.s.p, b.u.s.p, n) : 0;
        if (c != 0) {
            return c < 0 ? -1 : 1;
        }
        return a.sn < b.sn ? -1 : a.sn > b.sn ? 1 : 0;
    }
    if ((seq_like(a) && seq_like(b)) || (a.t == T_TUPLE && b.t == T_TUPLE)) {
        size_t na = tpl_value_seq_len(a);
        size_t nb = tpl_value_seq_len(b);
        size_t i;
        for (i = 0; i < na && i < nb; i++) {
            tv x = tpl_value_seq_at(a, i);
            tv y = tpl_value_seq_at(b, i);
            if (!eq_depth(st, x, y, depth + 1)) {
                return cmp_depth(st, x, y, depth + 1);
            }
        }
        return na < nb ? -1 : na > nb ? 1 : 0;
    }
    tpl_render_fail(st, "'<' not supported between instances of '%s' and '%s'", cmp_tn(a),
                    cmp_tn(b));
}

int tpl_compare_contains(struct rs *st, tv c, tv item)
{
    size_t i;
    size_t n;
    switch (c.t) {
    case T_STR:
        if (item.t != T_STR) {
            tpl_render_fail(st, "'in <string>' requires string as left operand, not %s",
                            tpl_value_typename(item));
        }
        return tpl_ustr_find(c, item, 0, INT64_MAX, 0) >= 0;
    case T_DICT:
    case T_JDICT: {
        tv o;
        if (item.t == T_LIST || item.t == T_JLIST || item.t == T_DICT || item.t == T_JDICT) {
            tpl_render_fail(st, "unhashable type: '%s'", tpl_value_typename(item));
        }
        return tpl_value_map_get(st, c, item, &o);
    }
    case T_UNDEF:
        return 0;
    case T_LIST:
    case T_TUPLE:
    case T_JLIST:
        n = tpl_value_seq_len(c);
        tpl_render_charge(st, n);
        for (i = 0; i < n; i++) {
            if (tpl_compare_eq(st, tpl_value_seq_at(c, i), item)) {
                return 1;
            }
        }
        return 0;
    default:
        if (tpl_value_is_iterable(c)) {
            tv *it = tpl_value_iterate(st, c, &n);
            for (i = 0; i < n; i++) {
                if (tpl_compare_eq(st, it[i], item)) {
                    return 1;
                }
            }
            return 0;
        }
        tpl_render_fail(st, "argument of type '%s' is not iterable", tpl_value_typename(c));
    }
}
