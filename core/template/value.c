/* value.c - the Python value model: construction, type names, truth,
 * length, iteration, and reading sequences and maps whether the template
 * made them or they are the context's (equality and ordering: compare.c;
 * dict operations: dict.c). */
#include <math.h>
#include <string.h>

#include "tpl.h"

/* what a context string of 4 GiB or more becomes (tv.sn is 32 bits) */
const struct tundef tpl_value_toolong = {
    {T_STR, 0, 0, 4, {.s = {"text"}}}, NULL, "a string of the context is 4 GiB or longer"};

tv tpl_value_cstr(const char *s)
{
    return tpl_value_str(s, strlen(s));
}

tv tpl_value_strdup(struct rs *st, const char *p, size_t n)
{
    char *d;
    if (n > TPL_MAX_STR) {
        tpl_render_fail(st, "string too long (4 GiB or more)");
    }
    d = tpl_render_alloc(st, n + 1);
    if (n) {
        memcpy(d, p, n);
    }
    d[n] = '\0';
    return tpl_value_str(d, n);
}

tv tpl_value_big(struct rs *st, struct bigint *b)
{
    int64_t i;
    tv v = {T_BIG, 0, 0, 0, {0}};
    if (b == NULL) {
        tpl_render_oom(st);
    }
    if (tpl_bigint_to_i64(b, &i)) {
        return tpl_value_int(i);
    }
    v.u.big = b;
    return v;
}

static tv mklist(struct rs *st, int t, size_t cap)
{
    tv v = {(uint8_t)t, 0, 0, 0, {0}};
    struct tlist *l = tpl_render_alloc(st, sizeof(*l));
    memset(l, 0, sizeof(*l));
    if (cap) {
        l->it = tpl_render_alloc(st, cap * sizeof(tv));
        l->cap = cap;
    }
    v.u.l = l;
    return v;
}

tv tpl_value_list_new(struct rs *st, size_t cap)
{
    return mklist(st, T_LIST, cap);
}

tv tpl_value_tuple_new(struct rs *st, size_t cap)
{
    return mklist(st, T_TUPLE, cap);
}

tv tpl_value_iter_from(struct rs *st, tv list, int kind)
{
    tv v = {T_ITER, 0, 0, 0, {0}};
    (void)st;
    v.sub = (uint16_t)kind;
    v.u.l = list.u.l;
    return v;
}

tv tpl_value_dict_new(struct rs *st, size_t cap)
{
    tv v = {T_DICT, 0, 0, 0, {0}};
    struct tdict *d = tpl_render_alloc(st, sizeof(*d));
    memset(d, 0, sizeof(*d));
    if (cap) {
        d->k = tpl_render_alloc(st, cap * sizeof(tv));
        d->v = tpl_render_alloc(st, cap * sizeof(tv));
        d->cap = cap;
    }
    v.u.d = d;
    return v;
}

tv tpl_value_undef_name(struct rs *st, const char *name, size_t n)
{
    tv v = tpl_value_undef();
    struct tundef *u = tpl_render_alloc(st, sizeof(*u));
    u->name = tpl_value_str(name, n);
    u->objtype = NULL;
    u->hint = NULL;
    v.u.u = u;
    return v;
}

static const char *objtype_repr(tv obj)
{
    switch (obj.t) {
    case T_NONE:
        return "None";
    default:
        break;
    }
    return NULL;
}

tv tpl_value_undef_attr(struct rs *st, tv obj, tv name)
{
    tv v = tpl_value_undef();
    struct tundef *u = tpl_render_alloc(st, sizeof(*u));
    const char *special = objtype_repr(obj);
    u->name = name;
    u->hint = NULL;
    if (special) {
        u->objtype = special;
    } else {
        const char *tn = tpl_value_typename(obj);
        size_t n = strlen(tn);
        char *s = tpl_render_alloc(st, n + 8);
        memcpy(s, tn, n);
        memcpy(s + n, " object", 8);
        u->objtype = s;
    }
    v.u.u = u;
    return v;
}

tv tpl_value_func(struct rs *st, int kind, const char *name, tv self)
{
    tv v = {T_FUNC, 0, 0, 0, {0}};
    struct tfunc *f = tpl_render_alloc(st, sizeof(*f));
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->name = name;
    f->self = self;
    v.u.fn = f;
    return v;
}

void tpl_value_list_push(struct rs *st, struct tlist *l, tv x)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        tv *ni = tpl_render_alloc(st, nc * sizeof(tv));
        if (l->n) {
            memcpy(ni, l->it, l->n * sizeof(tv));
        }
        l->it = ni;
        l->cap = nc;
    }
    l->it[l->n++] = x;
}

int tpl_value_is_int(tv v)
{
    return v.t == T_INT || v.t == T_BIG || v.t == T_BOOL;
}

int tpl_value_is_num(tv v)
{
    return tpl_value_is_int(v) || v.t == T_FLOAT;
}

int tpl_value_is_seq(tv v)
{
    return v.t == T_LIST || v.t == T_TUPLE || v.t == T_JLIST ||
           (v.t == T_ITER && v.sub == IT_RANGE);
}

int tpl_value_is_map(tv v)
{
    return v.t == T_DICT || v.t == T_JDICT;
}

int tpl_value_is_iterable(tv v)
{
    return v.t == T_STR || tpl_value_is_seq(v) || tpl_value_is_map(v) || v.t == T_ITER ||
           v.t == T_UNDEF || (v.t == T_OBJ && v.u.o->kind == O_LOOP);
}

const char *tpl_value_typename(tv v)
{
    switch (v.t) {
    case T_UNDEF:
        return "Undefined";
    case T_NONE:
        return "NoneType";
    case T_BOOL:
        return "bool";
    case T_INT:
    case T_BIG:
        return "int";
    case T_FLOAT:
        return "float";
    case T_STR:
        return v.safe ? "Markup" : "str";
    case T_LIST:
    case T_JLIST:
        return "list";
    case T_TUPLE:
        return "tuple";
    case T_DICT:
    case T_JDICT:
        return "dict";
    case T_ITER:
        switch (v.sub) {
        case IT_REVERSE:
            return "list_reverseiterator";
        case IT_DICT_ITEMS:
            return "dict_items";
        case IT_DICT_KEYS:
            return "dict_keys";
        case IT_DICT_VALUES:
            return "dict_values";
        case IT_RANGE:
            return "range";
        case IT_KEYITER:
            return "dict_keyiterator";
        default:
            return "generator";
        }
    case T_FUNC:
        switch (v.u.fn->kind) {
        case F_MACRO:
        case F_CALLER:
            return "Macro";
        case F_METHOD:
            return "builtin_function_or_method";
        default:
            return "function";
        }
    case T_OBJ:
        switch (v.u.o->kind) {
        case O_NAMESPACE:
            return "Namespace";
        case O_LOOP:
            return "LoopContext";
        case O_CYCLER:
            return "Cycler";
        case O_JOINER:
            return "Joiner";
        case O_SELF:
            return "TemplateReference";
        default:
            return "TemplateModule";
        }
    default:
        return "object";
    }
}

size_t tpl_value_seq_len(tv v)
{
    if (v.t == T_JLIST) {
        return json_array_size(v.u.j);
    }
    return v.u.l->n;
}

tv tpl_value_seq_at(tv v, size_t i)
{
    if (v.t == T_JLIST) {
        return tpl_value_from_json(json_array_get(v.u.j, i));
    }
    return v.u.l->it[i];
}

size_t tpl_value_map_len(tv v)
{
    if (v.t == T_JDICT) {
        return json_object_size(v.u.j);
    }
    return v.u.d->n;
}

static int map_get_str(tv m, const char *k, size_t n, tv *out)
{
    if (m.t == T_JDICT) {
        json_t *j = json_object_getn(m.u.j, k, n);
        if (j == NULL) {
            return 0;
        }
        *out = tpl_value_from_json(j);
        return 1;
    }
    return tpl_dict_get_str(m.u.d, k, n, out);
}

int tpl_value_map_get(struct rs *st, tv m, tv key, tv *out)
{
    size_t i;
    (void)st;
    if (key.t == T_STR) {
        return map_get_str(m, key.u.s.p, key.sn, out);
    }
    if (m.t == T_JDICT) {
        return 0;
    }
    if (tpl_dict_find(m.u.d, key, &i)) {
        *out = m.u.d->v[i];
        return 1;
    }
    return 0;
}

void tpl_value_map_items(struct rs *st, tv m, tv **keys, tv **vals, size_t *n)
{
    size_t cnt = tpl_value_map_len(m);
    *n = cnt;
    if (m.t == T_DICT) {
        *keys = m.u.d->k;
        if (vals) {
            *vals = m.u.d->v;
        }
        return;
    }
    {
        tv *k = tpl_render_alloc(st, (cnt ? cnt : 1) * sizeof(tv));
        tv *v = vals ? tpl_render_alloc(st, (cnt ? cnt : 1) * sizeof(tv)) : NULL;
        size_t i = 0;
        void *it;
        for (it = json_object_iter(m.u.j); it != NULL && i < cnt;
             it = json_object_iter_next(m.u.j, it), i++) {
            k[i] = tpl_value_str(json_object_iter_key(it), json_object_iter_key_len(it));
            if (v) {
                v[i] = tpl_value_from_json(json_object_iter_value(it));
            }
        }
        *keys = k;
        if (vals) {
            *vals = v;
        }
    }
}

int tpl_value_has_len(tv v)
{
    return v.t == T_STR || tpl_value_is_seq(v) || tpl_value_is_map(v) || v.t == T_UNDEF ||
           (v.t == T_ITER && v.sub != IT_GEN && v.sub != IT_REVERSE && v.sub != IT_KEYITER) ||
           (v.t == T_OBJ && v.u.o->kind == O_LOOP);
}

size_t tpl_value_len(struct rs *st, tv v)
{
    switch (v.t) {
    case T_STR:
        return tpl_ustr_len(v.u.s.p, v.sn);
    case T_UNDEF:
        return 0;
    case T_LIST:
    case T_TUPLE:
    case T_JLIST:
        return tpl_value_seq_len(v);
    case T_DICT:
    case T_JDICT:
        return tpl_value_map_len(v);
    case T_ITER:
        if (tpl_value_has_len(v)) {
            return v.u.l->n;
        }
        break;
    default:
        break;
    }
    tpl_render_fail(st, "object of type '%s' has no len()", tpl_value_typename(v));
}

int tpl_value_truthy(struct rs *st, tv v)
{
    switch (v.t) {
    case T_UNDEF:
    case T_NONE:
        return 0;
    case T_BOOL:
        return v.u.b;
    case T_INT:
        return v.u.i != 0;
    case T_BIG:
        return 1;
    case T_FLOAT:
        return v.u.f != 0.0;
    case T_STR:
        return v.sn != 0;
    case T_LIST:
    case T_TUPLE:
    case T_JLIST:
    case T_DICT:
    case T_JDICT:
        return tpl_value_len(st, v) != 0;
    case T_ITER:
        return tpl_value_has_len(v) ? v.u.l->n != 0 : 1;
    default:
        return 1;
    }
}

double tpl_value_to_double(tv v)
{
    switch (v.t) {
    case T_BOOL:
        return v.u.b;
    case T_INT:
        return (double)v.u.i;
    case T_BIG:
        return tpl_bigint_to_double(v.u.big);
    case T_FLOAT:
        return v.u.f;
    default:
        return 0;
    }
}

tv *tpl_value_iterate(struct rs *st, tv v, size_t *n)
{
    tv *r;
    size_t i;
    switch (v.t) {
    case T_UNDEF:
        *n = 0;
        return NULL;
    case T_LIST:
    case T_TUPLE:
    case T_ITER:
        *n = v.u.l->n;
        return v.u.l->it;
    case T_JLIST:
        *n = json_array_size(v.u.j);
        tpl_render_charge(st, *n);
        r = tpl_render_alloc(st, (*n ? *n : 1) * sizeof(tv));
        for (i = 0; i < *n; i++) {
            if (i + 8 < *n) {
                __builtin_prefetch(json_array_get(v.u.j, i + 8));
            }
            r[i] = tpl_value_from_json(json_array_get(v.u.j, i));
        }
        return r;
    case T_DICT:
        *n = v.u.d->n;
        return v.u.d->k;
    case T_JDICT: {
        tv *ks;
        tpl_value_map_items(st, v, &ks, NULL, n);
        return ks;
    }
    case T_STR: {
        size_t pos = 0;
        size_t cnt = 0;
        r = tpl_render_alloc(st, (v.sn ? v.sn : 1) * sizeof(tv));
        while (pos < v.sn) {
            size_t start = pos;
            tpl_ustr_next(v.u.s.p, v.sn, &pos);
            r[cnt] = tpl_value_str(v.u.s.p + start, pos - start); /* plain str, even from Markup */
            cnt++;
        }
        *n = cnt;
        return r;
    }
    default:
        tpl_render_fail(st, "'%s' object is not iterable", tpl_value_typename(v));
    }
}

tv tpl_value_to_list(struct rs *st, tv v)
{
    size_t n;
    tv *it = tpl_value_iterate(st, v, &n);
    tv l = tpl_value_list_new(st, n);
    if (n) {
        memcpy(l.u.l->it, it, n * sizeof(tv));
    }
    l.u.l->n = n;
    return l;
}
