/* filters_sort.c - ordering filters: sort, dictsort, groupby, min, max
 * (stable merge sort; Python's ordering rules via tpl_compare). */
#include <string.h>

#include "filters.h"
#include "tpl.h"

/* ---- stable sort ---- */
struct skey {
    tv key;
    tv item;
};

static int key_less(struct rs *st, tv x, tv y)
{
    int c = tpl_compare(st, x, y);
    return c == -1;
}

static void msort(struct rs *st, struct skey *a, struct skey *tmp, size_t n, int reverse)
{
    size_t mid;
    size_t i;
    size_t j;
    size_t k;
    if (n < 2) {
        return;
    }
    mid = n / 2;
    msort(st, a, tmp, mid, reverse);
    msort(st, a + mid, tmp, n - mid, reverse);
    i = 0;
    j = mid;
    k = 0;
    while (i < mid && j < n) {
        /* take from the right only when strictly before (stability) */
        int right_first =
            reverse ? key_less(st, a[i].key, a[j].key) : key_less(st, a[j].key, a[i].key);
        tmp[k++] = right_first ? a[j++] : a[i++];
    }
    while (i < mid) {
        tmp[k++] = a[i++];
    }
    while (j < n) {
        tmp[k++] = a[j++];
    }
    memcpy(a, tmp, n * sizeof(*a));
}

void tpl_filters_sort_values(struct rs *st, tv *items, size_t n, int reverse, int case_sensitive,
                             tv *keys)
{
    tpl_render_charge(st, n * 4);
    struct skey *sk = tpl_render_alloc(st, (n ? n : 1) * sizeof(*sk));
    struct skey *tmp = tpl_render_alloc(st, (n ? n : 1) * sizeof(*tmp));
    size_t i;
    for (i = 0; i < n; i++) {
        sk[i].item = items[i];
        sk[i].key =
            keys ? keys[i] : (case_sensitive ? items[i] : tpl_filters_lower_if_str(st, items[i]));
    }
    msort(st, sk, tmp, n, reverse);
    for (i = 0; i < n; i++) {
        items[i] = sk[i].item;
    }
}

static tv f_sort(struct rs *st, tv v, struct callargs *a)
{
    int reverse = 0;
    int cs = 0;
    size_t n;
    tv *it;
    tv out;
    tv *keys = NULL;
    BIND("sort", "reverse", "case_sensitive", "attribute");
    if (tpl_calls_given(args[0])) {
        reverse = tpl_value_truthy(st, args[0]);
    }
    if (tpl_calls_given(args[1])) {
        cs = tpl_value_truthy(st, args[1]);
    }
    it = tpl_value_iterate(st, v, &n);
    out = tpl_value_list_new(st, n);
    if (n) {
        memcpy(out.u.l->it, it, n * sizeof(tv));
    }
    out.u.l->n = n;
    keys = tpl_render_alloc(st, (n ? n : 1) * sizeof(tv));
    {
        tv attrs;
        size_t na = 1;
        size_t i;
        size_t k;
        tv **parts;
        size_t *np;
        if (tpl_calls_given(args[2]) && args[2].t != T_NONE) {
            attrs = args[2].t == T_STR ? tpl_ustr_split(st, args[2], tpl_value_str(",", 1), -1, 0)
                                       : tpl_value_undef();
            na = attrs.t == T_UNDEF ? 1 : attrs.u.l->n;
        } else {
            attrs = tpl_value_undef();
        }
        parts = tpl_render_alloc(st, na * sizeof(tv *));
        np = tpl_render_alloc(st, na * sizeof(size_t));
        for (k = 0; k < na; k++) {
            if (tpl_calls_given(args[2]) && args[2].t != T_NONE) {
                parts[k] = tpl_filters_attr_parts(
                    st, attrs.t == T_UNDEF ? args[2] : attrs.u.l->it[k], &np[k]);
            } else {
                parts[k] = NULL;
                np[k] = 0;
            }
        }
        for (i = 0; i < n; i++) {
            tv key = tpl_value_list_new(st, na);
            for (k = 0; k < na; k++) {
                tv x = tpl_filters_attr_get(st, it[i], parts[k], np[k], tpl_value_none());
                key.u.l->it[k] = cs ? x : tpl_filters_lower_if_str(st, x);
            }
            key.u.l->n = na;
            keys[i] = key;
        }
    }
    tpl_filters_sort_values(st, out.u.l->it, n, reverse, cs, keys);
    return out;
}

static tv f_dictsort(struct rs *st, tv v, struct callargs *a)
{
    int cs = 0;
    int byval = 0;
    int reverse = 0;
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv out;
    tv *keys;
    BIND("dictsort", "case_sensitive", "by", "reverse");
    if (tpl_calls_given(args[0])) {
        cs = tpl_value_truthy(st, args[0]);
    }
    if (tpl_calls_given(args[1])) {
        tv by = tpl_repr_str(st, args[1]);
        if (by.sn == 5 && memcmp(by.u.s.p, "value", 5) == 0) {
            byval = 1;
        } else if (!(by.sn == 3 && memcmp(by.u.s.p, "key", 3) == 0)) {
            tpl_render_fail(st, "You can only sort by either \"key\" or \"value\"");
        }
    }
    if (tpl_calls_given(args[2])) {
        reverse = tpl_value_truthy(st, args[2]);
    }
    if (!tpl_value_is_map(v)) {
        tpl_render_fail(st, "'%s' object has no attribute 'items'", tpl_value_typename(v));
    }
    tpl_value_map_items(st, v, &ks, &vs, &n);
    out = tpl_value_list_new(st, n);
    keys = tpl_render_alloc(st, (n ? n : 1) * sizeof(tv));
    for (i = 0; i < n; i++) {
        tv t = tpl_value_tuple_new(st, 2);
        t.u.l->it[0] = ks[i];
        t.u.l->it[1] = vs[i];
        t.u.l->n = 2;
        out.u.l->it[i] = t;
        keys[i] = byval ? vs[i] : ks[i];
        if (!cs) {
            keys[i] = tpl_filters_lower_if_str(st, keys[i]);
        }
    }
    out.u.l->n = n;
    tpl_filters_sort_values(st, out.u.l->it, n, reverse, 1, keys);
    return out;
}

static tv f_groupby(struct rs *st, tv v, struct callargs *a)
{
    int cs = 0;
    tv dflt = tpl_value_none();
    size_t n;
    size_t i;
    tv *it;
    tv *keys;
    tv *parts;
    size_t np;
    tv out = tpl_value_list_new(st, 0);
    tv sorted;
    BIND("groupby", "attribute", "default", "case_sensitive");
    if (!tpl_calls_given(args[0])) {
        tpl_render_fail(st, "groupby() missing 1 required positional argument: 'attribute'");
    }
    if (tpl_calls_given(args[1])) {
        dflt = args[1];
    }
    if (tpl_calls_given(args[2])) {
        cs = tpl_value_truthy(st, args[2]);
    }
    parts = tpl_filters_attr_parts(st, args[0], &np);
    it = tpl_value_iterate(st, v, &n);
    sorted = tpl_value_list_new(st, n);
    if (n) {
        memcpy(sorted.u.l->it, it, n * sizeof(tv));
    }
    sorted.u.l->n = n;
    keys = tpl_render_alloc(st, (n ? n : 1) * sizeof(tv));
    for (i = 0; i < n; i++) {
        tv k = tpl_filters_attr_get(st, it[i], parts, np, dflt);
        keys[i] = cs ? k : tpl_filters_lower_if_str(st, k);
    }
    {
        /* sort items together with their keys */
        struct skey *sk = tpl_render_alloc(st, (n ? n : 1) * sizeof(*sk));
        struct skey *tmp = tpl_render_alloc(st, (n ? n : 1) * sizeof(*tmp));
        for (i = 0; i < n; i++) {
            sk[i].item = it[i];
            sk[i].key = keys[i];
        }
        msort(st, sk, tmp, n, 0);
        i = 0;
        while (i < n) {
            size_t j = i;
            tv grp = tpl_value_list_new(st, 0);
            tv t = tpl_value_tuple_new(st, 2);
            while (j < n && tpl_compare_eq(st, sk[j].key, sk[i].key)) {
                tpl_value_list_push(st, grp.u.l, sk[j].item);
                j++;
            }
            t.sub = 1;
            t.u.l->it[0] = cs ? sk[i].key : tpl_filters_attr_get(st, sk[i].item, parts, np, dflt);
            t.u.l->it[1] = grp;
            t.u.l->n = 2;
            tpl_value_list_push(st, out.u.l, t);
            i = j;
        }
    }
    return out;
}

static tv minmax(struct rs *st, tv v, struct callargs *a, int want_max)
{
    int cs = 0;
    size_t n;
    size_t i;
    tv *it;
    tv *parts = NULL;
    size_t np = 0;
    size_t best = 0;
    tv bestk;
    BIND(want_max ? "max" : "min", "case_sensitive", "attribute");
    if (tpl_calls_given(args[0])) {
        cs = tpl_value_truthy(st, args[0]);
    }
    if (tpl_calls_given(args[1]) && args[1].t != T_NONE) {
        parts = tpl_filters_attr_parts(st, args[1], &np);
    }
    it = tpl_value_iterate(st, v, &n);
    if (n == 0) {
        tv u = tpl_value_undef_name(st, "min", 3);
        u.u.u->hint = "No aggregated item, sequence was empty.";
        return u;
    }
    for (i = 0; i < n; i++) {
        tv k = parts ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none()) : it[i];
        if (!cs) {
            k = tpl_filters_lower_if_str(st, k);
        }
        if (i == 0) {
            bestk = k;
            continue;
        }
        if (want_max ? key_less(st, bestk, k) : key_less(st, k, bestk)) {
            bestk = k;
            best = i;
        }
    }
    return it[best];
}

static tv f_max(struct rs *st, tv v, struct callargs *a)
{
    return minmax(st, v, a, 1);
}
static tv f_min(struct rs *st, tv v, struct callargs *a)
{
    return minmax(st, v, a, 0);
}

const struct fentry tpl_filters_sort[] = {{"dictsort", f_dictsort, 0}, {"groupby", f_groupby, 0},
                                          {"max", f_max, 0},           {"min", f_min, 0},
                                          {"sort", f_sort, 0},         {NULL, NULL, 0}};
