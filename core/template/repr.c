/* repr.c - str() and repr() of values, exactly as Python prints them. */
#include <string.h>

#include "pyfmt.h"
#include "tpl.h"

#define PY_INT_MAX_STR_DIGITS 4300

static void int_to(struct rs *st, tv v, struct octo_buf *out)
{
    if (v.t == T_INT) {
        char tmp[24];
        tpl_tbuf_append(out, tmp, tpl_repr_i64(v.u.i, tmp));
        return;
    }
    {
        struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
        size_t n;
        char *s = tpl_bigint_to_dec(&ba, v.u.big, PY_INT_MAX_STR_DIGITS, &n);
        if (s == NULL) {
            tpl_render_fail(st,
                            "Exceeds the limit (%d digits) for integer string conversion; use "
                            "sys.set_int_max_str_digits() to increase the limit",
                            PY_INT_MAX_STR_DIGITS);
        }
        tpl_tbuf_append(out, s, n);
    }
}

static void repr_rec(struct rs *st, tv v, struct octo_buf *out, int depth);

static void seq_items(struct rs *st, tv v, struct octo_buf *out, int depth)
{
    size_t n = tpl_value_seq_len(v);
    size_t i;
    for (i = 0; i < n; i++) {
        if (i) {
            tpl_tbuf_append(out, ", ", 2);
        }
        repr_rec(st, tpl_value_seq_at(v, i), out, depth + 1);
    }
}

static void dict_repr(struct rs *st, tv v, struct octo_buf *out, int depth)
{
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tpl_value_map_items(st, v, &ks, &vs, &n);
    tpl_tbuf_putc(out, '{');
    for (i = 0; i < n; i++) {
        if (i) {
            tpl_tbuf_append(out, ", ", 2);
        }
        repr_rec(st, ks[i], out, depth + 1);
        tpl_tbuf_append(out, ": ", 2);
        repr_rec(st, vs[i], out, depth + 1);
    }
    tpl_tbuf_putc(out, '}');
}

static void iter_repr(struct rs *st, tv v, struct octo_buf *out, int depth)
{
    struct tlist *l = v.u.l;
    size_t i;
    switch (v.sub) {
    case IT_RANGE:
        if (l->r2 == 1) {
            octo_buf_printf(out, "range(%lld, %lld)", (long long)l->r0, (long long)l->r1);
        } else {
            octo_buf_printf(out, "range(%lld, %lld, %lld)", (long long)l->r0, (long long)l->r1,
                            (long long)l->r2);
        }
        return;
    case IT_DICT_ITEMS:
    case IT_DICT_KEYS:
    case IT_DICT_VALUES:
        tpl_tbuf_puts(out, tpl_value_typename(v));
        tpl_tbuf_append(out, "([", 2);
        for (i = 0; i < l->n; i++) {
            if (i) {
                tpl_tbuf_append(out, ", ", 2);
            }
            repr_rec(st, l->it[i], out, depth + 1);
        }
        tpl_tbuf_append(out, "])", 2);
        return;
    case IT_GEN:
        tpl_tbuf_puts(out, "<generator object sync_do_map at 0x7f0000000000>");
        return;
    default:
        octo_buf_printf(out, "<%s object at 0x7f0000000000>", tpl_value_typename(v));
        return;
    }
}

static void repr_rec(struct rs *st, tv v, struct octo_buf *out, int depth)
{
    char fb[OCTO_PY_FLOAT_BUF];
    if (depth > 500) {
        tpl_render_fail(st, "maximum recursion depth exceeded while getting the repr of an object");
    }
    switch (v.t) {
    case T_UNDEF:
        tpl_tbuf_puts(out, "Undefined");
        return;
    case T_NONE:
        tpl_tbuf_puts(out, "None");
        return;
    case T_BOOL:
        tpl_tbuf_puts(out, v.u.b ? "True" : "False");
        return;
    case T_INT:
    case T_BIG:
        int_to(st, v, out);
        return;
    case T_FLOAT:
        tpl_tbuf_append(out, fb, octo_py_float_repr(v.u.f, fb));
        return;
    case T_STR:
        if (v.safe) {
            tpl_tbuf_puts(out, "Markup(");
            octo_py_str_repr(v.u.s.p, v.sn, out);
            tpl_tbuf_putc(out, ')');
            return;
        }
        octo_py_str_repr(v.u.s.p, v.sn, out);
        return;
    case T_LIST:
    case T_JLIST:
        tpl_tbuf_putc(out, '[');
        seq_items(st, v, out, depth);
        tpl_tbuf_putc(out, ']');
        return;
    case T_TUPLE:
        tpl_tbuf_putc(out, '(');
        seq_items(st, v, out, depth);
        if (v.u.l->n == 1) {
            tpl_tbuf_putc(out, ',');
        }
        tpl_tbuf_putc(out, ')');
        return;
    case T_DICT:
    case T_JDICT:
        dict_repr(st, v, out, depth);
        return;
    case T_ITER:
        iter_repr(st, v, out, depth);
        return;
    case T_FUNC:
        if (v.u.fn->kind == F_MACRO || v.u.fn->kind == F_CALLER) {
            tpl_tbuf_puts(out, "<Macro ");
            if (v.u.fn->name) {
                octo_py_str_repr(v.u.fn->name, strlen(v.u.fn->name), out);
            } else {
                tpl_tbuf_puts(out, "anonymous");
            }
            tpl_tbuf_putc(out, '>');
            return;
        }
        if (v.u.fn->kind == F_METHOD) {
            octo_buf_printf(out, "<built-in method %s of %s object at 0x7f0000000000>",
                            v.u.fn->name, tpl_value_typename(v.u.fn->self));
            return;
        }
        octo_buf_printf(out, "<function %s at 0x7f0000000000>", v.u.fn->name ? v.u.fn->name : "?");
        return;
    case T_OBJ:
        switch (v.u.o->kind) {
        case O_NAMESPACE: {
            tv d = {T_DICT, 0, 0, 0, {0}};
            d.u.d = v.u.o->attrs;
            tpl_tbuf_puts(out, "<Namespace ");
            dict_repr(st, d, out, depth);
            tpl_tbuf_putc(out, '>');
            return;
        }
        case O_LOOP: {
            tv idx = tpl_exec_loop_attr(st, v.u.o->loop, "index", 5);
            tv len = tpl_exec_loop_attr(st, v.u.o->loop, "length", 6);
            octo_buf_printf(out, "<LoopContext %lld/%lld>", (long long)idx.u.i, (long long)len.u.i);
            return;
        }
        case O_MODULE:
            tpl_tbuf_puts(out, "<Template module ");
            octo_py_str_repr(v.u.o->name, v.u.o->namelen, out);
            tpl_tbuf_putc(out, '>');
            return;
        case O_SELF:
            /* Jinja2 shows the name given to the loader; templates compiled
             * from strings (the common case here) have none */
            tpl_tbuf_puts(out, "<TemplateReference None>");
            return;
        default:
            octo_buf_printf(out, "<jinja2.utils.%s object at 0x7f0000000000>",
                            tpl_value_typename(v));
            return;
        }
    default:
        return;
    }
}

static void repr_to(struct rs *st, tv v, struct octo_buf *out)
{
    repr_rec(st, v, out, 0);
}

void tpl_repr_str_to(struct rs *st, tv v, struct octo_buf *out)
{
    switch (v.t) {
    case T_STR:
        tpl_tbuf_append(out, v.u.s.p, v.sn);
        return;
    case T_UNDEF:
        return;
    default:
        repr_rec(st, v, out, 0);
        return;
    }
}

tv tpl_repr_str(struct rs *st, tv v)
{
    struct octo_buf *b;
    char tmp[24];
    if (v.t == T_STR) {
        return v;
    }
    if (v.t == T_UNDEF) {
        return tpl_value_str("", 0);
    }
    if (v.t == T_NONE) {
        return tpl_value_str("None", 4);
    }
    if (v.t == T_BOOL) {
        return v.u.b ? tpl_value_str("True", 4) : tpl_value_str("False", 5);
    }
    if (v.t == T_INT) {
        return tpl_value_strdup(st, tmp, tpl_repr_i64(v.u.i, tmp));
    }
    b = tpl_render_buf(st);
    tpl_repr_str_to(st, v, b);
    return tpl_render_buf_str(st, b);
}

tv tpl_repr(struct rs *st, tv v)
{
    struct octo_buf *b = tpl_render_buf(st);
    repr_to(st, v, b);
    return tpl_render_buf_str(st, b);
}
