/* eval.c - expressions: tpl_eval_node walks an expression tree and returns
 * its value; scopes hold the variables of {% set %}, loops, macros, and
 * names not found in them come from the context (looked up once per render
 * and name) then the globals. Sub-expressions the fold pass marked constant
 * (NF_FOLDED) are evaluated with Jinja2's compile-time rules (st->folding),
 * because Jinja2 computed them when compiling. */
#include <string.h>

#include "tpl.h"

uint32_t tpl_eval_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

struct scope *tpl_eval_scope_new(struct rs *st, struct scope *parent, json_t *ctx)
{
    struct scope *s = tpl_render_alloc(st, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->parent = parent;
    s->ctx = ctx;
    return s;
}

/* the variable slot of name in sc, added when missing. Kept out of line
 * and without the value: the caller stores the value straight from its
 * registers (a value kept across the call to tpl_render_alloc would be spilled and
 * reloaded whole, which stalls store forwarding). */
__attribute__((noinline)) static struct var *scope_slot(struct rs *st, struct scope *sc,
                                                        const char *name, size_t n, uint32_t h)
{
    size_t i;
    struct var *v;
    for (i = 0; i < sc->n; i++) {
        if ((sc->v[i].name == name && sc->v[i].len == n) ||
            (sc->v[i].hash == h && sc->v[i].len == n && memcmp(sc->v[i].name, name, n) == 0)) {
            return &sc->v[i];
        }
    }
    if (sc->n == sc->cap) {
        size_t nc = sc->cap ? sc->cap * 2 : 4;
        struct var *nv = tpl_render_alloc(st, nc * sizeof(*nv));
        if (sc->n) {
            memcpy(nv, sc->v, sc->n * sizeof(*nv));
        }
        sc->v = nv;
        sc->cap = nc;
    }
    v = &sc->v[sc->n++];
    v->name = name;
    v->len = n;
    v->hash = h;
    return v;
}

void tpl_eval_scope_put(struct rs *st, struct scope *sc, tv v, const char *name, size_t n,
                        uint32_t h)
{
    scope_slot(st, sc, name, n, h)->val = v;
}

static int scope_get(struct scope *sc, const char *name, size_t n, uint32_t h, tv *out)
{
    size_t i;
    for (i = sc->n; i-- > 0;) {
        /* names of one template are interned (annotate.c): the address
         * usually decides */
        if ((sc->v[i].name == name && sc->v[i].len == n) ||
            (sc->v[i].hash == h && sc->v[i].len == n && memcmp(sc->v[i].name, name, n) == 0)) {
            *out = sc->v[i].val;
            return 1;
        }
    }
    return 0;
}

tv tpl_eval_lookup(struct rs *st, struct scope *sc, const char *name, size_t n, uint32_t h)
{
    tv v;
    int found;
    if (st->folding) {
        tpl_render_fail(st, "not a constant");
    }
    for (; sc != NULL; sc = sc->parent) {
        if (sc->n && scope_get(sc, name, n, h, &v)) {
            return v;
        }
        if (sc->ctx != NULL) {
            struct ctxhit *e = &st->ctxcache[(h ^ (h >> 5)) & 31];
            json_t *j;
            if (e->name == name && e->n == n && e->ctx == sc->ctx) {
                j = e->val;
            } else {
                j = json_object_getn(sc->ctx, name, n);
                e->name = name;
                e->n = n;
                e->ctx = sc->ctx;
                e->val = j;
            }
            if (j != NULL) {
                return tpl_value_from_json(j);
            }
        }
    }
    v = tpl_calls_global(name, n, st, &found);
    if (found) {
        return v;
    }
    return tpl_value_undef_name(st, name, n);
}

struct callargs tpl_eval_args(struct rs *st, struct node *n, struct scope *sc, int extra_kw)
{
    struct callargs a;
    int i;
    size_t npos = (size_t)n->n;
    size_t nkw = (size_t)n->nkw + (size_t)extra_kw;
    tv dyn = tpl_value_undef();
    tv dkw = tpl_value_undef();
    tv *dynit = NULL;
    size_t ndyn = 0;
    if (n->c) {
        dyn = tpl_eval(st, n->c, sc);
        dynit = tpl_value_iterate(st, dyn, &ndyn);
        npos += ndyn;
    }
    if (n->d) {
        dkw = tpl_eval(st, n->d, sc);
        if (!tpl_value_is_map(dkw)) {
            tpl_render_fail(st, "argument after ** must be a mapping, not %s",
                            tpl_value_typename(dkw));
        }
        nkw += tpl_value_map_len(dkw);
    }
    memset(&a, 0, sizeof(a));
    a.pos = npos ? tpl_render_alloc(st, npos * sizeof(tv)) : NULL;
    a.kwv = nkw ? tpl_render_alloc(st, nkw * sizeof(tv)) : NULL;
    a.kwn = nkw ? tpl_render_alloc(st, nkw * sizeof(char *)) : NULL;
    for (i = 0; i < n->n; i++) {
        a.pos[a.npos++] = tpl_eval(st, n->items[i], sc);
    }
    for (i = 0; i < (int)ndyn; i++) {
        a.pos[a.npos++] = dynit[i];
    }
    for (i = 0; i < n->nkw; i++) {
        a.kwn[a.nkw] = n->kwn[i];
        a.kwv[a.nkw++] = tpl_eval(st, n->kw[i], sc);
    }
    if (n->d) {
        tv *ks;
        tv *vs;
        size_t cnt;
        size_t k;
        tpl_value_map_items(st, dkw, &ks, &vs, &cnt);
        for (k = 0; k < cnt; k++) {
            if (ks[k].t != T_STR) {
                tpl_render_fail(st, "keywords must be strings");
            }
            a.kwn[a.nkw] = tpl_value_strdup(st, ks[k].u.s.p, ks[k].sn).u.s.p;
            a.kwv[a.nkw++] = vs[k];
        }
    }
    return a;
}

/* a filter or test name the environment does not know, in code Jinja2
 * compiles to a check when reached (inside if / conditional expressions) */
_Noreturn static void unknown_name(struct rs *st, const struct node *n)
{
    tpl_render_fail(st, "No %s named '%s' found.", n->kind == N_FILTER ? "filter" : "test", n->str);
}

/* Jinja2's markup_join, what ~ does where autoescaping was on at compile
 * time: all operands are evaluated; when one is Markup, the others are
 * escaped and the result is Markup, else it is a plain str */
__attribute__((noinline)) static tv markup_join(struct rs *st, struct node *n, struct scope *sc)
{
    tv *parts = tpl_render_alloc(st, (size_t)(n->n ? n->n : 1) * sizeof(tv));
    struct octo_buf *b = tpl_render_buf(st);
    int any_safe = 0;
    int i;
    tv r;
    for (i = 0; i < n->n; i++) {
        parts[i] = tpl_repr_str(st, tpl_eval(st, n->items[i], sc));
        any_safe |= parts[i].safe;
    }
    for (i = 0; i < n->n; i++) {
        tv x = any_safe ? tpl_filters_escape(st, parts[i]) : parts[i];
        tpl_tbuf_append(b, x.u.s.p, x.sn);
    }
    r = tpl_render_buf_str(st, b);
    r.safe = (uint8_t)any_safe;
    return r;
}

/* a filter chain of {% filter %} / {% set x | f %}: the innermost has a == NULL */
tv tpl_eval_filter_chain(struct rs *st, struct node *f, tv input, struct scope *sc)
{
    struct callargs a;
    tv v = f->a ? tpl_eval_filter_chain(st, f->a, input, sc) : input;
    a = tpl_eval_args(st, f, sc, 0);
    st->line = f->line;
    if (f->ffn == NULL) {
        unknown_name(st, f);
    }
    return f->ffn(st, v, &a);
}

static int compare(struct rs *st, int op, tv l, tv r)
{
    switch (op) {
    case CMP_EQ:
        return tpl_compare_eq(st, l, r);
    case CMP_NE:
        return !tpl_compare_eq(st, l, r);
    case CMP_IN:
        return tpl_compare_contains(st, r, l);
    case CMP_NOTIN:
        return !tpl_compare_contains(st, r, l);
    default:
        break;
    }
    if (l.t == T_UNDEF) {
        tpl_render_undefined(st, l);
    }
    if (r.t == T_UNDEF) {
        tpl_render_undefined(st, r);
    }
    {
        int c;
        if (!((tpl_value_is_num(l) && tpl_value_is_num(r)) || (l.t == T_STR && r.t == T_STR) ||
              ((l.t == T_LIST || l.t == T_JLIST) && (r.t == T_LIST || r.t == T_JLIST)) ||
              (l.t == T_TUPLE && r.t == T_TUPLE))) {
            static const char *const sym[] = {"==", "!=", "<", "<=", ">", ">="};
            tpl_render_fail(st, "'%s' not supported between instances of '%s' and '%s'", sym[op],
                            tpl_value_typename(l), tpl_value_typename(r));
        }
        c = tpl_compare(st, l, r);
        if (c == 2) {
            return 0; /* nan */
        }
        switch (op) {
        case CMP_LT:
            return c < 0;
        case CMP_LE:
            return c <= 0;
        case CMP_GT:
            return c > 0;
        default:
            return c >= 0;
        }
    }
}

/* name.append(...) on a list/dict from the (read-only) context: give the
 * name a mutable copy in the scope that defines it, as if Jinja2 had
 * changed the data in place (other references keep the original). */
static tv rebind_mutable(struct rs *st, struct scope *sc, struct node *name, tv obj)
{
    tv copy = obj.t == T_JLIST ? tpl_value_to_list(st, obj) : tpl_dict_copy(st, obj);
    struct scope *s;
    for (s = sc; s != NULL; s = s->parent) {
        tv cur;
        if ((s->n && scope_get(s, name->str, name->slen, name->hash, &cur)) ||
            (s->ctx != NULL && json_object_getn(s->ctx, name->str, name->slen) != NULL)) {
            tpl_eval_scope_set(st, s, name->str, name->slen, name->hash, copy);
            return copy;
        }
    }
    return copy;
}

static tv eval_call(struct rs *st, struct node *n, struct scope *sc)
{
    struct callargs a;
    tv fn;
    if (st->folding) {
        tpl_render_fail(st, "not a constant");
    }
    if (n->a->kind == N_GETATTR) {
        tv obj = tpl_eval(st, n->a->a, sc);
        if (obj.t == T_UNDEF) {
            tpl_render_undefined(st, obj);
        }
        if (obj.t != T_OBJ && tpl_methods_has(obj, n->a->str, n->a->slen)) {
            if ((obj.t == T_JLIST || obj.t == T_JDICT) && n->a->a->kind == N_NAME &&
                tpl_methods_mutates(obj, n->a->str)) {
                obj = rebind_mutable(st, sc, n->a->a, obj);
            }
            a = tpl_eval_args(st, n, sc, 0);
            st->line = n->line;
            return tpl_methods_call(st, obj, n->a->str, &a);
        }
        fn = tpl_access_getattr(st, obj, n->a->str, n->a->slen);
    } else {
        fn = tpl_eval(st, n->a, sc);
    }
    a = tpl_eval_args(st, n, sc, 0);
    st->line = n->line;
    return tpl_calls_value(st, fn, &a);
}

/* tpl_eval_lookup with the usual case inline: the name is a variable of the
 * innermost scope (a loop variable, a {% set %} in the same block) */
static inline tv lookup(struct rs *st, struct scope *sc, const struct node *nm)
{
    if (sc != NULL && sc->n && !st->folding) {
        const struct var *v = sc->v;
        size_t i = sc->n;
        while (i-- > 0) {
            if ((v[i].name == nm->str && v[i].len == nm->slen) ||
                (v[i].hash == nm->hash && v[i].len == nm->slen &&
                 memcmp(v[i].name, nm->str, nm->slen) == 0)) {
                return v[i].val;
            }
        }
    }
    return tpl_eval_lookup(st, sc, nm->str, nm->slen, nm->hash);
}

/* a constant Jinja2 computes at compile time, with its rules */
tv tpl_eval_folded(struct rs *st, struct node *n, struct scope *sc)
{
    tv v;
    int saved_ae = st->autoescape;
    int ae = (n->flags & NF_AE_ON) != 0;
    st->folding = 1;
    if (__builtin_expect(ae == saved_ae, 1)) {
        v = tpl_eval_node(st, n, sc);
    } else {
        /* Jinja2 computed it at compile time, with that time's autoescape */
        st->autoescape = ae;
        v = tpl_eval_node(st, n, sc);
        st->autoescape = saved_ae;
    }
    st->folding = 0;
    return v;
}

tv tpl_eval_node(struct rs *st, struct node *n, struct scope *sc)
{
    tv l;
    tv r;
    int i;
    switch (n->kind) {
    case N_CONST:
        return n->val;
    case N_NAME:
        return lookup(st, sc, n);
    case N_GETATTR:
        /* a NAME is never folded: look it up without the recursion */
        l = n->a->kind == N_NAME ? lookup(st, sc, n->a) : tpl_eval(st, n->a, sc);
        st->line = n->line;
        if (l.t == T_JDICT && !(n->aux & AUX_DICTMETH)) {
            /* tpl_access_getattr's context-object path, the method test done at compile time */
            struct attrhit *e = &st->attrcache[((uintptr_t)n >> 6) & 31];
            json_t *j;
            if (e->node == n && e->obj == l.u.j) {
                j = e->val;
            } else {
                j = json_object_getn(l.u.j, n->str, n->slen);
                e->node = n;
                e->obj = l.u.j;
                e->val = j;
            }
            if (j != NULL) {
                return tpl_value_from_json(j);
            }
            return tpl_value_undef_attr(st, l, tpl_value_str(n->str, n->slen));
        }
        if (l.t == T_OBJ && (n->aux & AUX_LOOPATTR) && l.u.o->kind == O_LOOP) {
            return tpl_exec_loop_attr_id(l.u.o->loop, n->aux & AUX_LOOPATTR);
        }
        return tpl_access_getattr(st, l, n->str, n->slen);
    case N_GETITEM:
        l = tpl_eval(st, n->a, sc);
        if (n->b->kind == N_SLICE) {
            struct node *s = n->b;
            tv a = s->a ? tpl_eval(st, s->a, sc) : tpl_value_none();
            tv b = s->b ? tpl_eval(st, s->b, sc) : tpl_value_none();
            tv c = s->c ? tpl_eval(st, s->c, sc) : tpl_value_none();
            st->line = n->line;
            if (l.t != T_STR && l.t != T_UNDEF && !tpl_value_is_seq(l) && !st->folding) {
                /* at run time Jinja2 slices with Python's obj[a:b] */
                tpl_render_fail(st, "'%s' object is not subscriptable", tpl_value_typename(l));
            }
            return tpl_access_slice(st, l, a, b, c);
        }
        r = tpl_eval(st, n->b, sc);
        st->line = n->line;
        return tpl_access_getitem(st, l, r);
    case N_CALL:
        return eval_call(st, n, sc);
    case N_FILTER: {
        struct callargs a;
        if (st->folding && (st->fold_volatile || (n->flags & NF_PASSCTX))) {
            tpl_render_fail(st, "not a constant");
        }
        if (n->aux & AUX_LENLIST) {
            /* x|list|length: the length of a generator's list is its count */
            tv x = tpl_eval(st, n->a->a, sc);
            if (x.t == T_ITER) {
                return tpl_value_int((int64_t)x.u.l->n);
            }
            memset(&a, 0, sizeof(a));
            st->line = n->a->line;
            l = n->a->ffn(st, x, &a);
            st->line = n->line;
            return n->ffn(st, l, &a);
        }
        l = tpl_eval(st, n->a, sc);
        if (n->n | n->nkw || n->c != NULL || n->d != NULL) {
            a = tpl_eval_args(st, n, sc, 0);
        } else {
            memset(&a, 0, sizeof(a));
        }
        st->line = n->line;
        if (__builtin_expect(n->ffn == NULL, 0)) {
            unknown_name(st, n);
        }
        return n->ffn(st, l, &a);
    }
    case N_TEST: {
        struct callargs a;
        if (st->folding && st->fold_volatile) {
            tpl_render_fail(st, "not a constant");
        }
        l = tpl_eval(st, n->a, sc);
        a = tpl_eval_args(st, n, sc, 0);
        st->line = n->line;
        if (__builtin_expect(n->tfn == NULL, 0)) {
            unknown_name(st, n);
        }
        return tpl_value_bool(n->tfn(st, l, &a));
    }
    case N_LIST:
    case N_TUPLE:
        l = n->kind == N_LIST ? tpl_value_list_new(st, (size_t)n->n)
                              : tpl_value_tuple_new(st, (size_t)n->n);
        for (i = 0; i < n->n; i++) {
            l.u.l->it[i] = tpl_eval(st, n->items[i], sc);
        }
        l.u.l->n = (size_t)n->n;
        return l;
    case N_DICT:
        l = tpl_value_dict_new(st, (size_t)n->n);
        for (i = 0; i < n->n; i++) {
            tv k = tpl_eval(st, n->items[i], sc);
            tv v = tpl_eval(st, n->kw[i], sc);
            if (k.t == T_LIST || k.t == T_JLIST || k.t == T_DICT || k.t == T_JDICT) {
                tpl_render_fail(st, "unhashable type: '%s'", tpl_value_typename(k));
            }
            tpl_dict_set(st, l.u.d, k, v);
        }
        return l;
    case N_BINOP:
        l = tpl_eval(st, n->a, sc);
        r = tpl_eval(st, n->b, sc);
        st->line = n->line;
        return tpl_ops_binary(st, n->op, l, r);
    case N_NEG:
        l = tpl_eval(st, n->a, sc);
        st->line = n->line;
        return tpl_ops_neg(st, l);
    case N_POS:
        l = tpl_eval(st, n->a, sc);
        st->line = n->line;
        return tpl_ops_pos(st, l);
    case N_NOT:
        return tpl_value_bool(!tpl_value_truthy(st, tpl_eval(st, n->a, sc)));
    case N_AND:
        l = tpl_eval(st, n->a, sc);
        return tpl_value_truthy(st, l) ? tpl_eval(st, n->b, sc) : l;
    case N_OR:
        l = tpl_eval(st, n->a, sc);
        return tpl_value_truthy(st, l) ? l : tpl_eval(st, n->b, sc);
    case N_CONCAT: {
        struct octo_buf *b;
        if ((n->flags & NF_AE_ON) && !st->folding) {
            return markup_join(st, n, sc);
        }
        b = tpl_render_buf(st);
        for (i = 0; i < n->n; i++) {
            tpl_repr_str_to(st, tpl_eval(st, n->items[i], sc), b);
        }
        return tpl_render_buf_str(st, b);
    }
    case N_COMPARE:
        l = tpl_eval(st, n->a, sc);
        for (i = 0; i < n->n; i++) {
            r = tpl_eval(st, n->items[i], sc);
            st->line = n->line;
            if (!compare(st, n->ops[i], l, r)) {
                return tpl_value_bool(0);
            }
            l = r;
        }
        return tpl_value_bool(1);
    case N_COND:
        if (tpl_value_truthy(st, tpl_eval(st, n->b, sc))) {
            return tpl_eval(st, n->a, sc);
        }
        return n->c ? tpl_eval(st, n->c, sc) : tpl_value_undef();
    default:
        tpl_render_fail(st, "cannot evaluate this expression");
    }
}
