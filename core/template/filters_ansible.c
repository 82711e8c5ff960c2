/* filters_ansible.c - the Ansible filters flows rely on: to_json,
 * to_nice_json, from_json, to_yaml, to_nice_yaml, from_yaml, b64encode,
 * b64decode, combine, dict2items, items2dict, bool, ternary, mandatory
 * (regex_search, regex_replace, regex_findall: filters_regex.c). */
#include <string.h>

#include "filters.h"
#include "tpl.h"
#include "tre.h"
#include "yaml_io.h"

static unsigned json_flags(struct rs *st, tv indent, tv sort_keys, tv ensure_ascii, int dindent,
                           int dsort)
{
    unsigned f = 0;
    int64_t ind = dindent;
    if (tpl_calls_given(indent)) {
        ind = indent.t == T_NONE ? 0 : tpl_ops_index(st, indent, "indent");
    }
    if (ind < 0) {
        ind = 0;
    }
    if (ind > 255) {
        ind = 255;
    }
    f |= OCTO_JSON_INDENT(ind);
    if (tpl_filters_opt_bool(st, sort_keys, dsort)) {
        f |= OCTO_JSON_SORT_KEYS;
    }
    if (!tpl_filters_opt_bool(st, ensure_ascii, 1)) {
        f |= OCTO_JSON_UNICODE;
    }
    return f;
}

static tv f_to_json(struct rs *st, tv v, struct callargs *a)
{
    BIND("to_json", "indent", "sort_keys", "ensure_ascii");
    return tpl_filters_json_text(st, v, json_flags(st, args[0], args[1], args[2], 0, 0), 0);
}

static tv f_to_nice_json(struct rs *st, tv v, struct callargs *a)
{
    BIND("to_nice_json", "indent", "sort_keys", "ensure_ascii");
    return tpl_filters_json_text(st, v, json_flags(st, args[0], args[1], args[2], 4, 1), 0);
}

static tv f_from_json(struct rs *st, tv v, struct callargs *a)
{
    json_error_t je;
    json_t *j;
    (void)a;
    v = tpl_repr_str(st, v);
    j = json_loadb(v.u.s.p, v.sn, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (j == NULL) {
        j = json_loadb(v.u.s.p, v.sn, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                       &je);
    }
    if (j == NULL) {
        tpl_render_fail(st, "from_json: %s", je.text);
    }
    tpl_filters_own(st, j);
    return tpl_value_from_json(j);
}

static tv yaml_text(struct rs *st, tv v, unsigned flags)
{
    json_t *j = tpl_filters_to_json(st, v, 1);
    struct octo_buf *b = tpl_render_buf(st);
    octo_error e;
    memset(&e, 0, sizeof(e));
    if (octo_yaml_dump(j, flags, b, &e) != 0) {
        tpl_render_fail(st, "to_yaml: %s", e.msg[0] ? e.msg : "YAML dump failed");
    }
    return tpl_render_buf_str(st, b);
}

static tv f_to_yaml(struct rs *st, tv v, struct callargs *a)
{
    unsigned flags = OCTO_YAML_UNICODE | OCTO_YAML_FLOW_LEAVES;
    BIND("to_yaml", "indent", "default_flow_style", "sort_keys");
    if (tpl_calls_given(args[0])) {
        flags |= OCTO_YAML_INDENT(tpl_ops_index(st, args[0], "indent") & 0xf);
    }
    if (tpl_calls_given(args[1]) && args[1].t == T_BOOL && !args[1].u.b) {
        flags &= ~OCTO_YAML_FLOW_LEAVES;
    }
    if (tpl_calls_given(args[2]) && !tpl_value_truthy(st, args[2])) {
        flags |= OCTO_YAML_NO_SORT;
    }
    return yaml_text(st, v, flags);
}

static tv f_to_nice_yaml(struct rs *st, tv v, struct callargs *a)
{
    unsigned flags = OCTO_YAML_UNICODE | OCTO_YAML_INDENT(4);
    BIND("to_nice_yaml", "indent", "sort_keys");
    if (tpl_calls_given(args[0])) {
        flags = OCTO_YAML_UNICODE | OCTO_YAML_INDENT(tpl_ops_index(st, args[0], "indent") & 0xf);
    }
    if (tpl_calls_given(args[1]) && !tpl_value_truthy(st, args[1])) {
        flags |= OCTO_YAML_NO_SORT;
    }
    return yaml_text(st, v, flags);
}

static tv f_from_yaml(struct rs *st, tv v, struct callargs *a)
{
    json_t *j = NULL;
    octo_error e;
    (void)a;
    if (v.t != T_STR) {
        return v;
    }
    memset(&e, 0, sizeof(e));
    if (octo_yaml_load(v.u.s.p, v.sn, "from_yaml", &j, NULL, &e) != 0) {
        tpl_render_fail(st, "from_yaml: %s", e.msg[0] ? e.msg : "YAML load failed");
    }
    if (j == NULL) {
        return tpl_value_none();
    }
    tpl_filters_own(st, j);
    return tpl_value_from_json(j);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static tv f_b64encode(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t i;
    const unsigned char *p;
    (void)a;
    v = tpl_repr_str(st, v);
    p = (const unsigned char *)v.u.s.p;
    for (i = 0; i + 2 < v.sn; i += 3) {
        unsigned x = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        tpl_tbuf_putc(b, B64[x >> 18]);
        tpl_tbuf_putc(b, B64[(x >> 12) & 63]);
        tpl_tbuf_putc(b, B64[(x >> 6) & 63]);
        tpl_tbuf_putc(b, B64[x & 63]);
    }
    if (v.sn - i == 1) {
        unsigned x = (unsigned)p[i] << 16;
        tpl_tbuf_putc(b, B64[x >> 18]);
        tpl_tbuf_putc(b, B64[(x >> 12) & 63]);
        tpl_tbuf_puts(b, "==");
    } else if (v.sn - i == 2) {
        unsigned x = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        tpl_tbuf_putc(b, B64[x >> 18]);
        tpl_tbuf_putc(b, B64[(x >> 12) & 63]);
        tpl_tbuf_putc(b, B64[(x >> 6) & 63]);
        tpl_tbuf_putc(b, '=');
    }
    return tpl_render_buf_str(st, b);
}

static tv f_b64decode(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t i;
    unsigned acc = 0;
    int bits = 0;
    size_t nvalid = 0;
    (void)a;
    v = tpl_repr_str(st, v);
    for (i = 0; i < v.sn; i++) {
        const char *q;
        char c = v.u.s.p[i];
        if (c == '=') {
            break;
        }
        q = c ? strchr(B64, c) : NULL;
        if (q == NULL) {
            continue; /* Python's b64decode discards non-alphabet characters */
        }
        nvalid++;
        acc = (acc << 6) | (unsigned)(q - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            tpl_tbuf_putc(b, (char)((acc >> bits) & 0xFF));
        }
    }
    if (nvalid % 4 == 1) {
        tpl_render_fail(
            st,
            "Invalid base64-encoded string: number of data characters (%zu) cannot be 1 more "
            "than a multiple of 4",
            nvalid);
    }
    return tpl_render_buf_str(st, b);
}

enum { LM_REPLACE, LM_KEEP, LM_APPEND, LM_PREPEND, LM_APPEND_RP, LM_PREPEND_RP };

static tv merge_lists(struct rs *st, tv x, tv y, int lm)
{
    size_t nx = tpl_value_seq_len(x);
    size_t ny = tpl_value_seq_len(y);
    size_t i;
    size_t k;
    tv out = tpl_value_list_new(st, nx + ny);
    switch (lm) {
    case LM_KEEP:
        return x;
    case LM_APPEND:
    case LM_PREPEND: {
        tv first = lm == LM_APPEND ? x : y;
        tv second = lm == LM_APPEND ? y : x;
        for (i = 0; i < tpl_value_seq_len(first); i++) {
            tpl_value_list_push(st, out.u.l, tpl_value_seq_at(first, i));
        }
        for (i = 0; i < tpl_value_seq_len(second); i++) {
            tpl_value_list_push(st, out.u.l, tpl_value_seq_at(second, i));
        }
        return out;
    }
    case LM_APPEND_RP:
        for (i = 0; i < nx; i++) {
            int dup = 0;
            for (k = 0; k < ny; k++) {
                dup |= tpl_compare_eq(st, tpl_value_seq_at(x, i), tpl_value_seq_at(y, k));
            }
            if (!dup) {
                tpl_value_list_push(st, out.u.l, tpl_value_seq_at(x, i));
            }
        }
        for (i = 0; i < ny; i++) {
            tpl_value_list_push(st, out.u.l, tpl_value_seq_at(y, i));
        }
        return out;
    case LM_PREPEND_RP:
        for (i = 0; i < ny; i++) {
            tpl_value_list_push(st, out.u.l, tpl_value_seq_at(y, i));
        }
        for (i = 0; i < nx; i++) {
            int dup = 0;
            for (k = 0; k < ny; k++) {
                dup |= tpl_compare_eq(st, tpl_value_seq_at(x, i), tpl_value_seq_at(y, k));
            }
            if (!dup) {
                tpl_value_list_push(st, out.u.l, tpl_value_seq_at(x, i));
            }
        }
        return out;
    default:
        return y;
    }
}

static tv merge_hash(struct rs *st, tv x, tv y, int recursive, int lm, int depth)
{
    tv out = tpl_dict_copy(st, x);
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    if (depth > 200) {
        tpl_render_fail(st, "combine: nesting too deep");
    }
    tpl_value_map_items(st, y, &ks, &vs, &n);
    for (i = 0; i < n; i++) {
        tv old;
        tv nv = vs[i];
        if (tpl_value_map_get(st, out, ks[i], &old)) {
            if (recursive && tpl_value_is_map(old) && tpl_value_is_map(nv)) {
                nv = merge_hash(st, old, nv, recursive, lm, depth + 1);
            } else if ((old.t == T_LIST || old.t == T_JLIST) &&
                       (nv.t == T_LIST || nv.t == T_JLIST)) {
                nv = merge_lists(st, old, nv, lm);
            }
        }
        tpl_dict_set(st, out.u.d, ks[i], nv);
    }
    return out;
}

static tv f_combine(struct rs *st, tv v, struct callargs *a)
{
    int recursive = 0;
    int lm = LM_REPLACE;
    tv acc;
    int i;
    size_t n;
    tv *terms;
    tv all = tpl_value_list_new(st, 0);
    for (i = 0; i < a->nkw; i++) {
        if (strcmp(a->kwn[i], "recursive") == 0) {
            recursive = tpl_value_truthy(st, a->kwv[i]);
        } else if (strcmp(a->kwn[i], "list_merge") == 0) {
            static const char *const modes[] = {"replace", "keep",      "append",
                                                "prepend", "append_rp", "prepend_rp"};
            tv m = tpl_repr_str(st, a->kwv[i]);
            size_t k;
            for (k = 0; k < 6; k++) {
                if (strlen(modes[k]) == m.sn && memcmp(modes[k], m.u.s.p, m.sn) == 0) {
                    lm = (int)k;
                    break;
                }
            }
            if (k == 6) {
                tpl_render_fail(st, "'%.*s' is not a valid list_merge value", (int)m.sn, m.u.s.p);
            }
        } else {
            tpl_render_fail(st, "'%s' is not a valid keyword argument", a->kwn[i]);
        }
    }
    /* terms: the input (a dict or list of dicts) then the arguments, lists flattened */
    tpl_value_list_push(st, all.u.l, v);
    for (i = 0; i < a->npos; i++) {
        tpl_value_list_push(st, all.u.l, a->pos[i]);
    }
    acc = tpl_value_dict_new(st, 0);
    for (n = 0; n < all.u.l->n; n++) {
        tv t = all.u.l->it[n];
        size_t cnt = 1;
        size_t k;
        terms = &all.u.l->it[n];
        if (t.t == T_LIST || t.t == T_JLIST || t.t == T_TUPLE) {
            terms = tpl_value_iterate(st, t, &cnt);
        }
        for (k = 0; k < cnt; k++) {
            if (!tpl_value_is_map(terms[k])) {
                tpl_render_fail(st, "failed to combine variables, expected dicts but got a '%s'",
                                tpl_value_typename(terms[k]));
            }
            acc = merge_hash(st, acc, terms[k], recursive, lm, 0);
        }
    }
    return acc;
}

static tv f_dict2items(struct rs *st, tv v, struct callargs *a)
{
    tv kn = tpl_value_str("key", 3);
    tv vn = tpl_value_str("value", 5);
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv out;
    BIND("dict2items", "key_name", "value_name");
    if (tpl_calls_given(args[0])) {
        kn = args[0];
    }
    if (tpl_calls_given(args[1])) {
        vn = args[1];
    }
    if (!tpl_value_is_map(v)) {
        tpl_render_fail(st, "dict2items requires a dictionary, got %s instead.",
                        tpl_value_typename(v));
    }
    tpl_value_map_items(st, v, &ks, &vs, &n);
    out = tpl_value_list_new(st, n);
    for (i = 0; i < n; i++) {
        tv d = tpl_value_dict_new(st, 2);
        tpl_dict_set(st, d.u.d, kn, ks[i]);
        tpl_dict_set(st, d.u.d, vn, vs[i]);
        tpl_value_list_push(st, out.u.l, d);
    }
    return out;
}

static tv f_items2dict(struct rs *st, tv v, struct callargs *a)
{
    tv kn = tpl_value_str("key", 3);
    tv vn = tpl_value_str("value", 5);
    size_t n;
    size_t i;
    tv *it;
    tv out = tpl_value_dict_new(st, 0);
    BIND("items2dict", "key_name", "value_name");
    if (tpl_calls_given(args[0])) {
        kn = args[0];
    }
    if (tpl_calls_given(args[1])) {
        vn = args[1];
    }
    if (!(v.t == T_LIST || v.t == T_JLIST || v.t == T_TUPLE || v.t == T_ITER)) {
        tpl_render_fail(st, "items2dict requires a list, got %s instead.", tpl_value_typename(v));
    }
    it = tpl_value_iterate(st, v, &n);
    for (i = 0; i < n; i++) {
        tv k;
        tv x;
        if (!tpl_value_is_map(it[i]) || !tpl_value_map_get(st, it[i], kn, &k) ||
            !tpl_value_map_get(st, it[i], vn, &x)) {
            tpl_render_fail(st,
                            "items2dict requires each item to be a dict with '%s' and '%s' keys",
                            tpl_repr_str(st, kn).u.s.p, tpl_repr_str(st, vn).u.s.p);
        }
        tpl_dict_set(st, out.u.d, k, x);
    }
    return out;
}

static tv f_bool(struct rs *st, tv v, struct callargs *a)
{
    (void)a;
    if (v.t == T_BOOL) {
        return v;
    }
    if (v.t == T_STR) {
        tv l = tpl_ustr_lower(st, v);
        static const char *const yes[] = {"yes", "on", "1", "true"};
        size_t i;
        for (i = 0; i < 4; i++) {
            if (strlen(yes[i]) == l.sn && memcmp(yes[i], l.u.s.p, l.sn) == 0) {
                return tpl_value_bool(1);
            }
        }
        return tpl_value_bool(0);
    }
    if (tpl_value_is_num(v)) {
        return tpl_value_bool(tpl_compare_eq(st, v, tpl_value_int(1)));
    }
    return tpl_value_bool(0);
}

static tv f_ternary(struct rs *st, tv v, struct callargs *a)
{
    BIND("ternary", "true_val", "false_val", "none_val");
    if (v.t == T_NONE && tpl_calls_given(args[2]) && args[2].t != T_NONE) {
        return args[2];
    }
    if (tpl_value_truthy(st, v)) {
        return tpl_calls_given(args[0]) ? args[0] : tpl_value_undef();
    }
    return tpl_calls_given(args[1]) ? args[1] : tpl_value_undef();
}

static tv f_mandatory(struct rs *st, tv v, struct callargs *a)
{
    BIND("mandatory", "msg");
    if (v.t == T_UNDEF) {
        if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
            tv m = tpl_repr_str(st, args[0]);
            tpl_render_fail(st, "%.*s", (int)m.sn, m.u.s.p);
        }
        if (v.u.u && v.u.u->objtype == NULL && v.u.u->name.t == T_STR) {
            tpl_render_fail(st, "Mandatory variable '%.*s' not defined.", (int)v.u.u->name.sn,
                            v.u.u->name.u.s.p);
        }
        tpl_render_fail(st, "Mandatory variable not defined.");
    }
    return v;
}

const struct fentry tpl_filters_ansible[] = {{"b64decode", f_b64decode, 0},
                                             {"b64encode", f_b64encode, 0},
                                             {"bool", f_bool, 0},
                                             {"combine", f_combine, 0},
                                             {"dict2items", f_dict2items, 0},
                                             {"from_json", f_from_json, 0},
                                             {"from_yaml", f_from_yaml, 0},
                                             {"items2dict", f_items2dict, 0},
                                             {"mandatory", f_mandatory, 0},
                                             {"ternary", f_ternary, 0},
                                             {"to_json", f_to_json, 0},
                                             {"to_nice_json", f_to_nice_json, 0},
                                             {"to_nice_yaml", f_to_nice_yaml, 0},
                                             {"to_yaml", f_to_yaml, 0},
                                             {NULL, NULL, 0}};
