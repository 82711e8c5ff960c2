/* filters_misc.c - default, tojson, pprint, xmlattr; value -> JSON; the
 * filter registry. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters.h"
#include "pyjson.h"
#include "tpl.h"

static void decref_cb(void *p)
{
    json_decref(p);
}

/* Every node built here is owned by the arena (released at the end of the
 * render even when an error unwinds half-way); parents take their own
 * reference (json_array_append / json_object_set). */
json_t *tpl_filters_own(struct rs *st, json_t *j)
{
    if (j == NULL) {
        tpl_render_oom(st);
    }
    tpl_arena_on_free(&st->ar, decref_cb, j);
    return j;
}

static int has_bigint_mark(json_t *j, int depth)
{
    size_t i;
    if (depth > 200) {
        return 0;
    }
    switch (json_typeof(j)) {
    case JSON_STRING:
        return json_string_length(j) > BIGINT_MARK_LEN && json_string_value(j)[0] == '\0' &&
               memcmp(json_string_value(j), BIGINT_MARK, BIGINT_MARK_LEN) == 0;
    case JSON_ARRAY:
        for (i = 0; i < json_array_size(j); i++) {
            if (has_bigint_mark(json_array_get(j, i), depth + 1)) {
                return 1;
            }
        }
        return 0;
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        json_object_foreach(j, k, x)
        {
            if (has_bigint_mark(x, depth + 1)) {
                return 1;
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

static json_t *to_json_rec(struct rs *st, tv v, int depth)
{
    json_t *j = NULL;
    size_t i;
    if (depth > 500) {
        tpl_render_fail(st, "maximum recursion depth exceeded while encoding a JSON object");
    }
    switch (v.t) {
    case T_NONE:
        return json_null();
    case T_BOOL:
        return json_boolean(v.u.b);
    case T_INT:
        return tpl_filters_own(st, json_integer(v.u.i));
    case T_BIG: {
        /* jansson has no big integers: a placeholder string, replaced by
         * the digits after dumping (tpl_filters_json_text) */
        char tmp[48];
        int k = snprintf(tmp, sizeof(tmp), "%cOCTBIGN%d", 0, st->njbig);
        struct bigint **nb = tpl_render_alloc(st, (size_t)(st->njbig + 1) * sizeof(*nb));
        if (st->njbig) {
            memcpy(nb, st->jbig, (size_t)st->njbig * sizeof(*nb));
        }
        nb[st->njbig++] = v.u.big;
        st->jbig = nb;
        return tpl_filters_own(st, json_stringn_nocheck(tmp, (size_t)k));
    }
    case T_FLOAT:
        j = json_real(v.u.f);
        if (j == NULL) {
            tpl_render_fail(st, "cannot serialize %s to JSON", isnan(v.u.f) ? "NaN" : "Infinity");
        }
        return tpl_filters_own(st, j);
    case T_STR:
        return tpl_filters_own(st, json_stringn_nocheck(v.u.s.p, v.sn));
    case T_JLIST:
    case T_JDICT:
        if (!has_bigint_mark(v.u.j, 0)) {
            return v.u.j;
        }
        /* the context holds big integers: rebuild this part */
        if (v.t == T_JLIST) {
            j = tpl_filters_own(st, json_array());
            for (i = 0; i < json_array_size(v.u.j); i++) {
                json_array_append(
                    j, to_json_rec(st, tpl_value_from_json(json_array_get(v.u.j, i)), depth + 1));
            }
        } else {
            const char *key;
            json_t *x;
            j = tpl_filters_own(st, json_object());
            json_object_foreach(v.u.j, key, x)
            {
                json_object_set(j, key, to_json_rec(st, tpl_value_from_json(x), depth + 1));
            }
        }
        return j;
    case T_LIST:
    case T_TUPLE:
    case T_ITER:
        j = tpl_filters_own(st, json_array());
        for (i = 0; i < v.u.l->n; i++) {
            if (json_array_append(j, to_json_rec(st, v.u.l->it[i], depth + 1)) != 0) {
                tpl_render_oom(st);
            }
        }
        return j;
    case T_DICT:
        j = tpl_filters_own(st, json_object());
        for (i = 0; i < v.u.d->n; i++) {
            tv k = v.u.d->k[i];
            if (k.t == T_NONE) {
                k = tpl_value_str("null", 4);
            } else if (k.t == T_BOOL) {
                k = k.u.b ? tpl_value_str("true", 4) : tpl_value_str("false", 5);
            } else if (k.t == T_INT || k.t == T_BIG || k.t == T_FLOAT) {
                k = tpl_repr_str(st, k);
            } else if (k.t != T_STR) {
                tpl_render_fail(st, "keys must be str, int, float, bool or None, not %s",
                                tpl_value_typename(k));
            }
            if (memchr(k.u.s.p, '\0', k.sn) != NULL) {
                tpl_render_fail(st, "JSON object keys containing NUL characters are not supported");
            }
            if (json_object_setn_nocheck(j, k.u.s.p, k.sn,
                                         to_json_rec(st, v.u.d->v[i], depth + 1)) != 0) {
                tpl_render_oom(st);
            }
        }
        return j;
    case T_OBJ:
        if (v.u.o->kind == O_NAMESPACE) {
            tv d = {T_DICT, 0, 0, 0, {0}};
            d.u.d = v.u.o->attrs;
            return to_json_rec(st, d, depth);
        }
        /* fallthrough */
    default:
        tpl_render_fail(st, "Object of type %s is not JSON serializable", tpl_value_typename(v));
    }
}

/* borrowed: valid until the render ends */
json_t *tpl_filters_to_json(struct rs *st, tv v, int strict)
{
    (void)strict;
    return to_json_rec(st, v, 0);
}

/* x < y for Python's list.sort, failing with its TypeError when unorderable */
static int py_lt(struct rs *st, tv x, tv y)
{
    return tpl_compare(st, x, y) < 0;
}

/* json.dumps(sort_keys=True) sorts each dict's items before writing it:
 * keys that do not order (str and int) are Python's TypeError. Sorted as
 * list.sort does below 64 items (count_run, then binary insertion), so
 * the first failing comparison, hence the message, is the same. */
static void check_sortable_keys(struct rs *st, tv v, int depth)
{
    size_t i;
    if (depth > 200) {
        return; /* the dump itself reports the nesting */
    }
    if (v.t == T_LIST || v.t == T_TUPLE) {
        for (i = 0; i < v.u.l->n; i++) {
            check_sortable_keys(st, v.u.l->it[i], depth + 1);
        }
        return;
    }
    if (v.t != T_DICT || v.u.d->n == 0) {
        return;
    }
    {
        size_t n = v.u.d->n;
        size_t *ord = tpl_render_alloc(st, n * sizeof(*ord));
        tv *k = v.u.d->k;
        size_t run = 1;
        for (i = 0; i < n; i++) {
            ord[i] = i;
        }
        tpl_render_charge(st, n);
        if (n > 1 && n < 64) {
            run = 2;
            if (py_lt(st, k[1], k[0])) {
                while (run < n && py_lt(st, k[run], k[run - 1])) {
                    run++;
                }
                for (i = 0; i < run / 2; i++) { /* reverse the descending run */
                    size_t t = ord[i];
                    ord[i] = ord[run - 1 - i];
                    ord[run - 1 - i] = t;
                }
            } else {
                while (run < n && !py_lt(st, k[run], k[run - 1])) {
                    run++;
                }
            }
            for (i = run; i < n; i++) {
                size_t lo = 0;
                size_t hi = i;
                size_t piv = ord[i];
                while (lo < hi) {
                    size_t p = lo + ((hi - lo) >> 1);
                    if (py_lt(st, k[piv], k[ord[p]])) {
                        hi = p;
                    } else {
                        lo = p + 1;
                    }
                }
                memmove(ord + lo + 1, ord + lo, (i - lo) * sizeof(*ord));
                ord[lo] = piv;
            }
        } else if (n >= 64) {
            tv *keys = tpl_render_alloc(st, n * sizeof(*keys));
            memcpy(keys, k, n * sizeof(*keys));
            tpl_filters_sort_values(st, keys, n, 0, 1, NULL);
        }
        for (i = 0; i < n; i++) {
            check_sortable_keys(st, v.u.d->v[ord[i]], depth + 1);
        }
    }
}

/* json.dumps(v, flags) then Jinja's htmlsafe replacements when htmlsafe */
tv tpl_filters_json_text(struct rs *st, tv v, unsigned flags, int htmlsafe)
{
    struct octo_buf *b = tpl_render_buf(st);
    tv r;
    if (flags & OCTO_JSON_SORT_KEYS) {
        check_sortable_keys(st, v, 0);
    }
    if (v.t == T_STR) {
        /* what dumping json_stringn(v) writes, without building it */
        octo_pyjson_string(v.u.s.p, v.sn, !(flags & OCTO_JSON_UNICODE), b);
        if (octo_buf_failed(b)) {
            tpl_render_fail(st, "cannot serialize value to JSON");
        }
    } else if (octo_pyjson_dump(tpl_filters_to_json(st, v, 1), flags, b) != 0) {
        tpl_render_fail(st, "cannot serialize value to JSON");
    }
    if (st->njbig > 0 && b->len > 0 && strstr(b->data, "\"\\u0000OCTBIGN") != NULL) {
        struct octo_buf *o = tpl_render_buf(st);
        struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
        const char *p = b->data;
        const char *m;
        while ((m = strstr(p, "\"\\u0000OCTBIGN")) != NULL) {
            char *end;
            long idx = strtol(m + 14, &end, 10);
            size_t dn;
            char *digits;
            tpl_tbuf_append(o, p, (size_t)(m - p));
            if (*end != '"' || idx < 0 || idx >= st->njbig) {
                tpl_tbuf_putc(o, *m);
                p = m + 1;
                continue;
            }
            digits = tpl_bigint_to_dec(&ba, st->jbig[idx], 4300, &dn);
            if (digits == NULL) {
                tpl_render_fail(st,
                                "Exceeds the limit (4300 digits) for integer string conversion");
            }
            tpl_tbuf_append(o, digits, dn);
            p = end + 1;
        }
        tpl_tbuf_puts(o, p);
        b = o;
    }
    if (!htmlsafe) {
        return tpl_render_buf_str(st, b);
    }
    {
        struct octo_buf *o = tpl_render_buf(st);
        size_t i;
        size_t from = 0;
        for (i = 0; i < b->len; i++) {
            const char *rep;
            switch (b->data[i]) {
            case '<':
                rep = "\\u003c";
                break;
            case '>':
                rep = "\\u003e";
                break;
            case '&':
                rep = "\\u0026";
                break;
            case '\'':
                rep = "\\u0027";
                break;
            default:
                continue;
            }
            tpl_tbuf_append(o, b->data + from, i - from);
            tpl_tbuf_append(o, rep, 6);
            from = i + 1;
        }
        tpl_tbuf_append(o, b->len ? b->data + from : "", b->len - from);
        r = tpl_render_buf_str(st, o);
        tpl_render_buf_release(st, b);
    }
    r.safe = 1;
    return r;
}

static tv f_tojson(struct rs *st, tv v, struct callargs *a)
{
    unsigned flags = OCTO_JSON_SORT_KEYS;
    int zero_indent = 0;
    BIND("tojson", "indent");
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        int64_t ind = tpl_ops_index(st, args[0], "indent");
        if (ind <= 0) {
            /* json.dumps(indent=0 or negative): newlines, no indentation */
            zero_indent = 1;
            ind = 1;
        }
        if (ind > 255) {
            ind = 255;
        }
        flags |= OCTO_JSON_INDENT(ind);
    }
    if (zero_indent) {
        tv r = tpl_filters_json_text(st, v, flags, 1);
        struct octo_buf *b = tpl_render_buf(st);
        size_t i;
        for (i = 0; i < r.sn; i++) {
            tpl_tbuf_putc(b, r.u.s.p[i]);
            if (r.u.s.p[i] == '\n') {
                while (i + 1 < r.sn && r.u.s.p[i + 1] == ' ') {
                    i++;
                }
            }
        }
        r = tpl_render_buf_str(st, b);
        r.safe = 1;
        return r;
    }
    return tpl_filters_json_text(st, v, flags, 1);
}

static tv f_default(struct rs *st, tv v, struct callargs *a)
{
    tv d = tpl_value_str("", 0);
    BIND("default", "default_value", "boolean");
    if (tpl_calls_given(args[0])) {
        d = args[0];
    }
    if (v.t == T_UNDEF ||
        (tpl_calls_given(args[1]) && tpl_value_truthy(st, args[1]) && !tpl_value_truthy(st, v))) {
        return d;
    }
    return v;
}

static tv f_xmlattr(struct rs *st, tv v, struct callargs *a)
{
    int autospace = 1;
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    struct octo_buf *b = tpl_render_buf(st);
    int any = 0;
    BIND("xmlattr", "autospace");
    if (tpl_calls_given(args[0])) {
        autospace = tpl_value_truthy(st, args[0]);
    }
    if (!tpl_value_is_map(v)) {
        tpl_render_fail(st, "'%s' object has no attribute 'items'", tpl_value_typename(v));
    }
    tpl_value_map_items(st, v, &ks, &vs, &n);
    for (i = 0; i < n; i++) {
        tv k;
        size_t c;
        if (vs[i].t == T_NONE || vs[i].t == T_UNDEF) {
            continue;
        }
        k = tpl_repr_str(st, ks[i]);
        for (c = 0; c < k.sn; c++) {
            char ch = k.u.s.p[c];
            if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' ||
                ch == '/' || ch == '>' || ch == '=') {
                tpl_render_fail(st, "Invalid character in attribute name: %s",
                                tpl_repr(st, k).u.s.p);
            }
        }
        if (any) {
            tpl_tbuf_putc(b, ' ');
        }
        any = 1;
        k = tpl_filters_escape(st, k);
        tpl_tbuf_append(b, k.u.s.p, k.sn);
        tpl_tbuf_puts(b, "=\"");
        k = tpl_filters_escape(st, vs[i]);
        tpl_tbuf_append(b, k.u.s.p, k.sn);
        tpl_tbuf_putc(b, '"');
    }
    {
        tv r;
        if (autospace && any) {
            struct octo_buf *o = tpl_render_buf(st);
            tpl_tbuf_putc(o, ' ');
            tpl_tbuf_append(o, b->data, b->len);
            r = tpl_render_buf_str(st, o);
        } else {
            r = tpl_render_buf_str(st, b);
        }
        r.safe = (uint8_t)(st->autoescape != 0); /* Markup when autoescaping */
        return r;
    }
}

/* pprint.pformat: repr with sorted dict keys; containers wider than 80
 * columns are broken one item per line. */
static void pformat(struct rs *st, tv v, struct octo_buf *out, int indent, int width);

static tv sorted_dict(struct rs *st, tv v)
{
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv d;
    tv keys;
    tpl_value_map_items(st, v, &ks, &vs, &n);
    keys = tpl_value_list_new(st, n);
    for (i = 0; i < n; i++) {
        keys.u.l->it[i] = ks[i];
    }
    keys.u.l->n = n;
    {
        struct callargs none;
        memset(&none, 0, sizeof(none));
        tpl_methods_call(st, keys, "sort", &none);
    }
    d = tpl_value_dict_new(st, n);
    for (i = 0; i < n; i++) {
        tv x;
        tpl_value_map_get(st, v, keys.u.l->it[i], &x);
        tpl_dict_set(st, d.u.d, keys.u.l->it[i], x);
    }
    return d;
}

static tv sort_all(struct rs *st, tv v, int depth)
{
    size_t i;
    if (depth > 200) {
        return v;
    }
    if (tpl_value_is_map(v)) {
        tv d = sorted_dict(st, v);
        for (i = 0; i < d.u.d->n; i++) {
            d.u.d->v[i] = sort_all(st, d.u.d->v[i], depth + 1);
        }
        return d;
    }
    if (v.t == T_LIST || v.t == T_JLIST || v.t == T_TUPLE) {
        size_t n = tpl_value_seq_len(v);
        tv r = v.t == T_TUPLE ? tpl_value_tuple_new(st, n) : tpl_value_list_new(st, n);
        for (i = 0; i < n; i++) {
            r.u.l->it[i] = sort_all(st, tpl_value_seq_at(v, i), depth + 1);
        }
        r.u.l->n = n;
        return r;
    }
    return v;
}

static void pformat(struct rs *st, tv v, struct octo_buf *out, int indent, int width)
{
    tv r = tpl_repr(st, v);
    size_t i;
    size_t n;
    int k;
    if ((int)r.sn + indent <= width || !(v.t == T_LIST || v.t == T_TUPLE || v.t == T_DICT)) {
        tpl_tbuf_append(out, r.u.s.p, r.sn);
        return;
    }
    if (v.t == T_DICT) {
        tpl_tbuf_putc(out, '{');
        for (i = 0; i < v.u.d->n; i++) {
            tv kr = tpl_repr(st, v.u.d->k[i]);
            if (i) {
                tpl_tbuf_puts(out, ",\n");
                for (k = 0; k < indent + 1; k++) {
                    tpl_tbuf_putc(out, ' ');
                }
            }
            tpl_tbuf_append(out, kr.u.s.p, kr.sn);
            tpl_tbuf_puts(out, ": ");
            pformat(st, v.u.d->v[i], out, indent + 1 + (int)kr.sn + 2, width);
        }
        tpl_tbuf_putc(out, '}');
        return;
    }
    n = v.u.l->n;
    tpl_tbuf_putc(out, v.t == T_TUPLE ? '(' : '[');
    for (i = 0; i < n; i++) {
        if (i) {
            tpl_tbuf_puts(out, ",\n");
            for (k = 0; k < indent + 1; k++) {
                tpl_tbuf_putc(out, ' ');
            }
        }
        pformat(st, v.u.l->it[i], out, indent + 1, width);
    }
    if (v.t == T_TUPLE && n == 1) {
        tpl_tbuf_putc(out, ',');
    }
    tpl_tbuf_putc(out, v.t == T_TUPLE ? ')' : ']');
}

static tv f_pprint(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b = tpl_render_buf(st);
    if (a->npos || a->nkw) {
        tpl_render_fail(st, "pprint() takes 1 positional argument");
    }
    pformat(st, sort_all(st, v, 0), b, 0, 80);
    return tpl_render_buf_str(st, b);
}

static const struct fentry FILTERS_MISC[] = {{"d", f_default, 0},       {"default", f_default, 0},
                                             {"pprint", f_pprint, 0},   {"tojson", f_tojson, 0},
                                             {"xmlattr", f_xmlattr, 0}, {NULL, NULL, 0}};

static const struct fentry *const TABLES[] = {
    tpl_filters_string, tpl_filters_coll,    tpl_filters_sort,  tpl_filters_num,
    FILTERS_MISC,       tpl_filters_ansible, tpl_filters_regex, tpl_filters_wrap};
/* what ansible.builtin.<name> may name */
static const struct fentry *const ANSIBLE[] = {tpl_filters_ansible, tpl_filters_regex};

const struct fentry *tpl_filters_find(const char *name)
{
    size_t t;
    /* Ansible's fully qualified names of the extras: ansible.builtin.to_json */
    if (strncmp(name, "ansible.builtin.", 16) == 0) {
        for (t = 0; t < sizeof(ANSIBLE) / sizeof(ANSIBLE[0]); t++) {
            const struct fentry *e;
            for (e = ANSIBLE[t]; e->name; e++) {
                if (strcmp(e->name, name + 16) == 0) {
                    return e;
                }
            }
        }
        return NULL;
    }
    for (t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]); t++) {
        const struct fentry *e;
        for (e = TABLES[t]; e->name; e++) {
            if (strcmp(e->name, name) == 0) {
                return e;
            }
        }
    }
    return NULL;
}

filter_fn tpl_filters_lookup(const char *name)
{
    const struct fentry *e = tpl_filters_find(name);
    return e != NULL ? e->fn : NULL;
}
