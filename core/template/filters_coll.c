/* filters_coll.c - sequence filters: map, select/reject(attr), join,
 * first/last, length/count, list, sum, unique, batch, slice, items, attr,
 * reverse (the ordering ones are in filters_sort.c). */
#include <string.h>

#include "filters.h"
#include "tpl.h"

static tv gen(struct rs *st, tv list)
{
    return tpl_value_iter_from(st, list, IT_GEN);
}

tv tpl_filters_lower_if_str(struct rs *st, tv v)
{
    return v.t == T_STR ? tpl_ustr_lower(st, v) : v;
}

/* attribute path "a.b.0" -> list of keys (digits become ints) */
tv *tpl_filters_attr_parts(struct rs *st, tv attr, size_t *n)
{
    if (attr.t != T_STR) {
        tv *p = tpl_render_alloc(st, sizeof(tv));
        p[0] = attr;
        *n = 1;
        return p;
    }
    {
        tv parts = tpl_ustr_split(st, attr, tpl_value_str(".", 1), -1, 0);
        size_t i;
        for (i = 0; i < parts.u.l->n; i++) {
            tv s = parts.u.l->it[i];
            size_t k;
            int digits = s.sn > 0;
            for (k = 0; k < s.sn; k++) {
                if (s.u.s.p[k] < '0' || s.u.s.p[k] > '9') {
                    digits = 0;
                }
            }
            if (digits) {
                int ok;
                parts.u.l->it[i] = tpl_ops_int_parse(st, s.u.s.p, s.sn, 10, &ok);
            }
        }
        *n = parts.u.l->n;
        return parts.u.l->it;
    }
}

tv tpl_filters_attr_get(struct rs *st, tv item, tv *parts, size_t n, tv dflt)
{
    size_t i;
    if (n == 1 && item.t == T_JDICT && parts[0].t == T_STR) {
        /* the common case: one key of a context object */
        json_t *j = json_object_getn(item.u.j, parts[0].u.s.p, parts[0].sn);
        if (j != NULL) {
            return tpl_value_from_json(j);
        }
    }
    for (i = 0; i < n; i++) {
        item = tpl_access_getitem(st, item, parts[i]);
        if (dflt.t != T_NONE && item.t == T_UNDEF) {
            item = dflt;
        }
    }
    return item;
}

/* join where autoescaping is on: when the separator or an item is Markup,
 * Markup.join escapes the other parts and the result is Markup */
static tv join_escaping(struct rs *st, tv v, tv d, tv *parts, size_t np)
{
    size_t n;
    size_t i;
    tv *it = tpl_value_iterate(st, v, &n);
    tv *strs = tpl_render_alloc(st, (n ? n : 1) * sizeof(tv));
    int any_safe = d.safe;
    struct octo_buf *b = tpl_render_buf(st);
    tv r;
    for (i = 0; i < n; i++) {
        tv x = parts ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none()) : it[i];
        strs[i] = tpl_repr_str(st, x);
        any_safe |= strs[i].safe;
    }
    if (any_safe) {
        d = tpl_filters_escape(st, d);
    }
    for (i = 0; i < n; i++) {
        tv x = any_safe ? tpl_filters_escape(st, strs[i]) : strs[i];
        if (i) {
            tpl_tbuf_append(b, d.u.s.p, d.sn);
        }
        tpl_tbuf_append(b, x.u.s.p, x.sn);
    }
    r = tpl_render_buf_str(st, b);
    r.safe = (uint8_t)any_safe;
    return r;
}

static tv f_join(struct rs *st, tv v, struct callargs *a)
{
    tv d = tpl_value_str("", 0);
    size_t n;
    size_t i;
    tv *it;
    struct octo_buf *b = tpl_render_buf(st);
    tv *parts = NULL;
    size_t np = 0;
    BIND("join", "d", "attribute");
    if (tpl_calls_given(args[0])) {
        d = tpl_repr_str(st, args[0]);
    }
    if (tpl_calls_given(args[1]) && args[1].t != T_NONE) {
        parts = tpl_filters_attr_parts(st, args[1], &np);
    }
    if (st->autoescape) {
        return join_escaping(st, v, d, parts, np);
    }
    if (v.t == T_JLIST && parts == NULL) {
        /* a context list: no array of its items */
        size_t total = 0;
        n = json_array_size(v.u.j);
        tpl_render_charge(st, n);
        for (i = 0; i < n; i++) {
            tv x = tpl_value_from_json(json_array_get(v.u.j, i));
            if (x.t != T_STR) {
                break;
            }
            total += x.sn + (i ? d.sn : 0);
        }
        if (i == n && total <= st->max_output && total <= TPL_MAX_STR) {
            /* all strings (the usual case): measured, then copied once */
            char *out = tpl_render_alloc(st, total + 1);
            size_t k = 0;
            for (i = 0; i < n; i++) {
                tv x = tpl_value_from_json(json_array_get(v.u.j, i));
                if (i) {
                    memcpy(out + k, d.u.s.p, d.sn);
                    k += d.sn;
                }
                memcpy(out + k, x.u.s.p, x.sn);
                k += x.sn;
            }
            out[k] = '\0';
            tpl_render_buf_release(st, b);
            return tpl_value_str(out, k);
        }
        for (i = 0; i < n; i++) {
            tv x = tpl_value_from_json(json_array_get(v.u.j, i));
            if (i) {
                tpl_tbuf_append(b, d.u.s.p, d.sn);
            }
            if (x.t == T_STR) {
                tpl_tbuf_append(b, x.u.s.p, x.sn);
            } else {
                tpl_repr_str_to(st, x, b);
            }
        }
        return tpl_render_buf_str(st, b);
    }
    it = tpl_value_iterate(st, v, &n);
    for (i = 0; i < n; i++) {
        tv x = parts ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none()) : it[i];
        if (i) {
            tpl_tbuf_append(b, d.u.s.p, d.sn);
        }
        tpl_repr_str_to(st, x, b);
    }
    return tpl_render_buf_str(st, b); /* str(d).join(map(str, value)): plain */
}

static tv f_first(struct rs *st, tv v, struct callargs *a)
{
    size_t n;
    tv *it;
    NOARGS("first");
    it = tpl_value_iterate(st, v, &n);
    if (n == 0) {
        tv u = tpl_value_undef_name(st, "first", 5);
        u.u.u->hint = "No first item, sequence was empty.";
        return u;
    }
    return it[0];
}

static tv f_last(struct rs *st, tv v, struct callargs *a)
{
    size_t n;
    tv *it;
    NOARGS("last");
    if (v.t == T_ITER && (v.sub == IT_GEN || v.sub == IT_KEYITER)) {
        tpl_render_fail(st, "'%s' object is not reversible", tpl_value_typename(v));
    }
    it = tpl_value_iterate(st, v, &n);
    if (n == 0) {
        tv u = tpl_value_undef_name(st, "last", 4);
        u.u.u->hint = "No last item, sequence was empty.";
        return u;
    }
    return it[n - 1];
}

static tv f_length(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("length");
    return tpl_value_int((int64_t)tpl_value_len(st, v));
}

static tv f_list(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("list");
    return tpl_value_to_list(st, v);
}

static tv f_reverse(struct rs *st, tv v, struct callargs *a)
{
    size_t n;
    size_t i;
    tv *it;
    tv out;
    NOARGS("reverse");
    if (v.t == T_STR) {
        struct octo_buf *b = tpl_render_buf(st);
        tv *ch = tpl_value_iterate(st, v, &n);
        tv r;
        for (i = n; i-- > 0;) {
            tpl_tbuf_append(b, ch[i].u.s.p, ch[i].sn);
        }
        r = tpl_render_buf_str(st, b);
        r.safe = v.safe; /* a Markup slice is Markup */
        return r;
    }
    it = tpl_value_iterate(st, v, &n);
    out = tpl_value_list_new(st, n);
    for (i = 0; i < n; i++) {
        out.u.l->it[i] = it[n - 1 - i];
    }
    out.u.l->n = n;
    if (v.t == T_LIST || v.t == T_JLIST || v.t == T_TUPLE || tpl_value_is_map(v) ||
        (v.t == T_ITER && v.sub == IT_RANGE)) {
        return tpl_value_iter_from(st, out, IT_REVERSE);
    }
    return out;
}

static tv f_map(struct rs *st, tv v, struct callargs *a)
{
    size_t n;
    size_t i;
    tv *it;
    tv out;
    if (!tpl_value_truthy(st, v)) {
        return gen(st, tpl_value_list_new(st, 0));
    }
    it = tpl_value_iterate(st, v, &n);
    out = tpl_value_list_new(st, n);
    if (a->npos == 0 && a->nkw >= 1) {
        tv attr = tpl_value_undef();
        tv dflt = tpl_value_none();
        tv *parts;
        size_t np;
        int k;
        for (k = 0; k < a->nkw; k++) {
            if (strcmp(a->kwn[k], "attribute") == 0) {
                attr = a->kwv[k];
            } else if (strcmp(a->kwn[k], "default") == 0) {
                dflt = a->kwv[k];
            } else {
                tpl_render_fail(st, "Unexpected keyword argument '%s'", a->kwn[k]);
            }
        }
        if (attr.t == T_UNDEF) {
            tpl_render_fail(st, "map requires a filter argument");
        }
        parts = tpl_filters_attr_parts(st, attr, &np);
        for (i = 0; i < n; i++) {
            out.u.l->it[i] = tpl_filters_attr_get(st, it[i], parts, np, dflt);
        }
    } else {
        struct callargs rest = *a;
        tv name;
        if (a->npos == 0) {
            tpl_render_fail(st, "map requires a filter argument");
        }
        name = tpl_repr_str(st, a->pos[0]);
        rest.pos = a->pos + 1;
        rest.npos = a->npos - 1;
        if (n > 0) {
            /* the filter is looked up once (failing at the first item, as before) */
            const char *fname = tpl_value_strdup(st, name.u.s.p, name.sn).u.s.p;
            filter_fn f = tpl_filters_lookup(fname);
            if (f == NULL) {
                tpl_render_fail(st, "No filter named '%s'.", fname);
            }
            for (i = 0; i < n; i++) {
                out.u.l->it[i] = f(st, it[i], &rest);
            }
        }
    }
    out.u.l->n = n;
    return gen(st, out);
}

static tv select_impl(struct rs *st, tv v, struct callargs *a, int reject, int attr)
{
    size_t n;
    size_t i;
    tv *it;
    tv out = tpl_value_list_new(st, 0);
    tv *parts = NULL;
    size_t np = 0;
    int off = 0;
    const char *test = NULL;
    struct callargs rest;
    if (!tpl_value_truthy(st, v)) {
        return gen(st, out);
    }
    if (attr) {
        if (a->npos < 1) {
            tpl_render_fail(st, "Missing parameter for attribute name");
        }
        parts = tpl_filters_attr_parts(st, a->pos[0], &np);
        off = 1;
    }
    memset(&rest, 0, sizeof(rest));
    if (a->npos > off) {
        tv nm = tpl_repr_str(st, a->pos[off]);
        test = tpl_value_strdup(st, nm.u.s.p, nm.sn).u.s.p;
        rest.pos = a->pos + off + 1;
        rest.npos = a->npos - off - 1;
        rest.kwn = a->kwn;
        rest.kwv = a->kwv;
        rest.nkw = a->nkw;
    }
    if (v.t == T_JLIST && attr && np == 1 && parts[0].t == T_STR && test == NULL) {
        /* selectattr('key') over context objects: test the JSON directly */
        json_t *arr = v.u.j;
        const char *key = parts[0].u.s.p;
        size_t klen = parts[0].sn;
        n = json_array_size(arr);
        tpl_render_charge(st, n);
        out.u.l->it = tpl_render_alloc(st, n * sizeof(tv));
        out.u.l->cap = n;
        for (i = 0; i < n; i++) {
            json_t *e = json_array_get(arr, i);
            json_t *f = json_typeof(e) == JSON_OBJECT ? json_object_getn(e, key, klen) : NULL;
            int r = f != NULL
                        ? tpl_value_json_truthy(f)
                        : tpl_value_truthy(st, tpl_filters_attr_get(st, tpl_value_from_json(e),
                                                                    parts, np, tpl_value_none()));
            /* store always, keep conditionally: a mispredicted branch here
             * would stall the loads of the next records */
            out.u.l->it[out.u.l->n] = tpl_value_from_json(e);
            out.u.l->n += (size_t)(r != reject);
        }
        return gen(st, out);
    }
    it = tpl_value_iterate(st, v, &n);
    if (n > 0) {
        out.u.l->it = tpl_render_alloc(st, n * sizeof(tv)); /* at most n kept: no regrowth */
        out.u.l->cap = n;
    }
    for (i = 0; i < n; i++) {
        tv x = attr ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none()) : it[i];
        int r = test ? tpl_tests_apply(st, test, x, &rest) : tpl_value_truthy(st, x);
        if (r != reject) {
            out.u.l->it[out.u.l->n++] = it[i];
        }
    }
    return gen(st, out);
}

static tv f_select(struct rs *st, tv v, struct callargs *a)
{
    return select_impl(st, v, a, 0, 0);
}
static tv f_reject(struct rs *st, tv v, struct callargs *a)
{
    return select_impl(st, v, a, 1, 0);
}
static tv f_selectattr(struct rs *st, tv v, struct callargs *a)
{
    return select_impl(st, v, a, 0, 1);
}
static tv f_rejectattr(struct rs *st, tv v, struct callargs *a)
{
    return select_impl(st, v, a, 1, 1);
}

static tv f_sum(struct rs *st, tv v, struct callargs *a)
{
    size_t n;
    size_t i;
    tv *it;
    tv acc = tpl_value_int(0);
    tv *parts = NULL;
    size_t np = 0;
    BIND("sum", "attribute", "start");
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        parts = tpl_filters_attr_parts(st, args[0], &np);
    }
    if (tpl_calls_given(args[1])) {
        acc = args[1];
    }
    if (v.t == T_JLIST) {
        /* a context list: no array of its items; float and int sums inline
         * (exactly what tpl_ops_binary computes for them) */
        n = json_array_size(v.u.j);
        tpl_render_charge(st, n);
        for (i = 0; i < n; i++) {
            tv x = tpl_value_from_json(json_array_get(v.u.j, i));
            int64_t r;
            if (parts) {
                x = tpl_filters_attr_get(st, x, parts, np, tpl_value_none());
            }
            if (acc.t == T_FLOAT && x.t == T_FLOAT) {
                acc.u.f += x.u.f;
            } else if (acc.t == T_INT && x.t == T_INT &&
                       !__builtin_add_overflow(acc.u.i, x.u.i, &r)) {
                acc.u.i = r;
            } else {
                acc = tpl_ops_binary(st, OP_ADD, acc, x);
            }
        }
        return acc;
    }
    it = tpl_value_iterate(st, v, &n);
    for (i = 0; i < n; i++) {
        acc = tpl_ops_binary(st, OP_ADD, acc,
                             parts ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none())
                                   : it[i]);
    }
    return acc;
}

static tv f_unique(struct rs *st, tv v, struct callargs *a)
{
    int cs = 0;
    size_t n;
    size_t i;
    tv *it;
    tv out = tpl_value_list_new(st, 0);
    tv seen = tpl_value_dict_new(st, 0);
    tv *parts = NULL;
    size_t np = 0;
    BIND("unique", "case_sensitive", "attribute");
    if (tpl_calls_given(args[0])) {
        cs = tpl_value_truthy(st, args[0]);
    }
    if (tpl_calls_given(args[1]) && args[1].t != T_NONE) {
        parts = tpl_filters_attr_parts(st, args[1], &np);
    }
    it = tpl_value_iterate(st, v, &n);
    for (i = 0; i < n; i++) {
        tv key = parts ? tpl_filters_attr_get(st, it[i], parts, np, tpl_value_none()) : it[i];
        size_t pos;
        uint64_t h;
        if (!cs) {
            key = tpl_filters_lower_if_str(st, key);
        }
        if (!tpl_dict_hash(st, key, &h, 0)) {
            tpl_render_fail(st, "unhashable type: '%s'", tpl_value_typename(key));
        }
        if (!tpl_dict_find(seen.u.d, key, &pos)) {
            tpl_dict_add_new(st, seen.u.d, key, tpl_value_none());
            tpl_value_list_push(st, out.u.l, it[i]);
        }
    }
    return gen(st, out);
}

static tv f_batch(struct rs *st, tv v, struct callargs *a)
{
    int64_t cnt;
    size_t n;
    size_t i;
    tv *it;
    tv out = tpl_value_list_new(st, 0);
    tv cur = tpl_value_undef();
    BIND("batch", "linecount", "fill_with");
    cnt = tpl_ops_index(st, args[0], "linecount");
    it = tpl_value_iterate(st, v, &n);
    /* Jinja2's loop, including its odd results for linecount <= 0 */
    cur = tpl_value_list_new(st, 0);
    for (i = 0; i < n; i++) {
        if ((int64_t)cur.u.l->n == cnt) {
            tpl_value_list_push(st, out.u.l, cur);
            cur = tpl_value_list_new(st, 0);
        }
        tpl_value_list_push(st, cur.u.l, it[i]);
    }
    if (cur.u.l->n > 0) {
        tpl_value_list_push(st, out.u.l, cur);
    } else {
        cur = tpl_value_undef();
    }
    if (cur.t != T_UNDEF && tpl_calls_given(args[1]) && args[1].t != T_NONE) {
        if (cnt - (int64_t)cur.u.l->n > TPL_MAX_RANGE) {
            tpl_render_fail(st, "batch size too large to fill (more than %d items)", TPL_MAX_RANGE);
        }
        while ((int64_t)cur.u.l->n < cnt) {
            tpl_value_list_push(st, cur.u.l, args[1]);
        }
    }
    return gen(st, out);
}

static tv f_slice(struct rs *st, tv v, struct callargs *a)
{
    int64_t slices;
    size_t n;
    tv *it;
    tv out = tpl_value_list_new(st, 0);
    int64_t per;
    int64_t extra;
    int64_t offset = 0;
    int64_t s;
    BIND("slice", "slices", "fill_with");
    slices = tpl_ops_index(st, args[0], "slices");
    if (slices <= 0) {
        tpl_render_fail(st, "integer division or modulo by zero");
    }
    if (slices > 100000) {
        tpl_render_fail(st, "too many slices");
    }
    it = tpl_value_iterate(st, v, &n);
    per = (int64_t)n / slices;
    extra = (int64_t)n % slices;
    for (s = 0; s < slices; s++) {
        int64_t start = offset + s * per;
        int64_t end;
        int64_t k;
        tv tmp = tpl_value_list_new(st, 0);
        if (s < extra) {
            offset++;
        }
        end = offset + (s + 1) * per;
        for (k = start; k < end; k++) {
            tpl_value_list_push(st, tmp.u.l, it[k]);
        }
        if (tpl_calls_given(args[1]) && args[1].t != T_NONE && s >= extra) {
            tpl_value_list_push(st, tmp.u.l, args[1]);
        }
        tpl_value_list_push(st, out.u.l, tmp);
    }
    return gen(st, out);
}

static tv f_items(struct rs *st, tv v, struct callargs *a)
{
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv out;
    NOARGS("items");
    if (v.t == T_UNDEF) {
        return gen(st, tpl_value_list_new(st, 0));
    }
    if (!tpl_value_is_map(v)) {
        tpl_render_fail(st, "Can only get item pairs from a mapping.");
    }
    tpl_value_map_items(st, v, &ks, &vs, &n);
    out = tpl_value_list_new(st, n);
    for (i = 0; i < n; i++) {
        tv t = tpl_value_tuple_new(st, 2);
        t.u.l->it[0] = ks[i];
        t.u.l->it[1] = vs[i];
        t.u.l->n = 2;
        out.u.l->it[i] = t;
    }
    out.u.l->n = n;
    return gen(st, out);
}

static tv f_attr(struct rs *st, tv v, struct callargs *a)
{
    tv name;
    BIND("attr", "name");
    if (args[0].t != T_STR) {
        tpl_render_fail(st, "attribute name must be string, not '%s'", tpl_value_typename(args[0]));
    }
    name = args[0];
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (v.t == T_OBJ || (v.t == T_TUPLE && v.sub == 1) || tpl_methods_has(v, name.u.s.p, name.sn)) {
        return tpl_access_getattr(st, v, name.u.s.p, name.sn);
    }
    return tpl_value_undef_attr(st, v, name);
}

const struct fentry tpl_filters_coll[] = {{"attr", f_attr, 0},
                                          {"batch", f_batch, 0},
                                          {"count", f_length, 0},
                                          {"first", f_first, 0},
                                          {"items", f_items, 0},
                                          {"join", f_join, 0},
                                          {"last", f_last, 0},
                                          {"length", f_length, 0},
                                          {"list", f_list, 0},
                                          {"map", f_map, FILTER_PASS_CONTEXT},
                                          {"reject", f_reject, FILTER_PASS_CONTEXT},
                                          {"rejectattr", f_rejectattr, FILTER_PASS_CONTEXT},
                                          {"reverse", f_reverse, 0},
                                          {"select", f_select, FILTER_PASS_CONTEXT},
                                          {"selectattr", f_selectattr, FILTER_PASS_CONTEXT},
                                          {"slice", f_slice, 0},
                                          {"sum", f_sum, 0},
                                          {"unique", f_unique, 0},
                                          {NULL, NULL, 0}};
