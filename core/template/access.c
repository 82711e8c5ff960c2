/* access.c - a.b, a[b] and a[i:j:k] with Jinja2's fallback rules:
 * getattr tries the Python attribute (methods) then the item; getitem tries
 * the item then, for string keys, the attribute; a miss gives an Undefined
 * that remembers the object's type for its error message. */
#include <string.h>

#include "tpl.h"

static tv obj_attr(struct rs *st, tv obj, const char *name, size_t n, int *found)
{
    struct tobj *o = obj.u.o;
    tv r;
    *found = 1;
    switch (o->kind) {
    case O_LOOP:
        r = tpl_exec_loop_attr(st, o->loop, name, n);
        if (r.t != T_UNDEF) {
            return r;
        }
        break;
    case O_NAMESPACE:
    case O_MODULE:
        if (tpl_dict_get_str(o->attrs, name, n, &r)) {
            return r;
        }
        break;
    case O_CYCLER:
        if (n == 7 && memcmp(name, "current", 7) == 0) {
            return o->items.u.l->it[o->pos];
        }
        if (n == 4 && memcmp(name, "next", 4) == 0) {
            r = tpl_value_func(st, F_CYCNEXT, "next", obj);
            return r;
        }
        if (n == 5 && memcmp(name, "reset", 5) == 0) {
            return tpl_value_func(st, F_CYCRESET, "reset", obj);
        }
        break;
    case O_SELF: {
        int i;
        for (i = 0; i < st->nblocks; i++) {
            if (strlen(st->blocks[i].name) == n && memcmp(st->blocks[i].name, name, n) == 0) {
                tv f = tpl_value_func(st, F_BLOCK, st->blocks[i].name, obj);
                f.u.fn->data = &st->blocks[i];
                return f;
            }
        }
        break;
    }
    default:
        break;
    }
    *found = 0;
    return tpl_value_undef();
}

/* Python getattr(obj, name); *found = 0 when there is no such attribute. */
static tv py_getattr(struct rs *st, tv obj, const char *name, size_t n, int *found)
{
    *found = 0;
    switch (obj.t) {
    case T_OBJ:
        return obj_attr(st, obj, name, n, found);
    case T_TUPLE:
        if (obj.sub == 1 && obj.u.l->n == 2) {
            if (n == 7 && memcmp(name, "grouper", 7) == 0) {
                *found = 1;
                return obj.u.l->it[0];
            }
            if (n == 4 && memcmp(name, "list", 4) == 0) {
                *found = 1;
                return obj.u.l->it[1];
            }
        }
        break;
    case T_FUNC:
        if (obj.u.fn->kind == F_MACRO || obj.u.fn->kind == F_CALLER) {
            /* the attributes of Jinja2's Macro */
            const struct tfunc *f = obj.u.fn;
            *found = 1;
            if (n == 4 && memcmp(name, "name", 4) == 0) {
                return f->name ? tpl_value_cstr(f->name) : tpl_value_none();
            }
            if (n == 9 && memcmp(name, "arguments", 9) == 0) {
                tv t = tpl_value_tuple_new(st, (size_t)f->node->nnames);
                int i;
                for (i = 0; i < f->node->nnames; i++) {
                    tpl_value_list_push(st, t.u.l, tpl_value_cstr(f->node->names[i]));
                }
                return t;
            }
            if (n == 12 && memcmp(name, "catch_kwargs", 12) == 0) {
                return tpl_value_bool(f->catch_kwargs);
            }
            if (n == 13 && memcmp(name, "catch_varargs", 13) == 0) {
                return tpl_value_bool(f->catch_varargs);
            }
            if (n == 6 && memcmp(name, "caller", 6) == 0) {
                return tpl_value_bool(f->uses_caller);
            }
            *found = 0;
        }
        break;
    case T_INT:
    case T_BOOL:
    case T_BIG:
        if ((n == 4 && memcmp(name, "real", 4) == 0) ||
            (n == 9 && memcmp(name, "numerator", 9) == 0)) {
            *found = 1;
            return obj.t == T_BOOL ? tpl_value_int(obj.u.b) : obj;
        }
        if ((n == 4 && memcmp(name, "imag", 4) == 0)) {
            *found = 1;
            return tpl_value_int(0);
        }
        if (n == 11 && memcmp(name, "denominator", 11) == 0) {
            *found = 1;
            return tpl_value_int(1);
        }
        break;
    case T_FLOAT:
        if (n == 4 && memcmp(name, "real", 4) == 0) {
            *found = 1;
            return obj;
        }
        if (n == 4 && memcmp(name, "imag", 4) == 0) {
            *found = 1;
            return tpl_value_float(0.0);
        }
        break;
    default:
        break;
    }
    if (tpl_methods_has(obj, name, n)) {
        char *nm = tpl_render_alloc(st, n + 1);
        memcpy(nm, name, n);
        nm[n] = '\0';
        *found = 1;
        return tpl_value_func(st, F_METHOD, nm, obj);
    }
    return tpl_value_undef();
}

/* Python obj[key]; *found = 0 on a lookup/type error. */
static tv py_getitem(struct rs *st, tv obj, tv key, int *found)
{
    *found = 1;
    switch (obj.t) {
    case T_DICT:
    case T_JDICT: {
        tv r;
        if (tpl_value_map_get(st, obj, key, &r)) {
            return r;
        }
        break;
    }
    case T_LIST:
    case T_TUPLE:
    case T_JLIST:
    case T_STR:
        if (key.t == T_INT || key.t == T_BOOL) {
            int64_t i = key.t == T_BOOL ? key.u.b : key.u.i;
            int64_t len = obj.t == T_STR ? (int64_t)tpl_ustr_len(obj.u.s.p, obj.sn)
                                         : (int64_t)tpl_value_seq_len(obj);
            if (i < 0) {
                i += len;
            }
            if (i >= 0 && i < len) {
                if (obj.t == T_STR) {
                    size_t a = tpl_ustr_offset(obj.u.s.p, obj.sn, (size_t)i);
                    size_t b = a;
                    tv r;
                    tpl_ustr_next(obj.u.s.p, obj.sn, &b);
                    r = tpl_value_str(obj.u.s.p + a, b - a);
                    r.safe = obj.safe;
                    return r;
                }
                return tpl_value_seq_at(obj, (size_t)i);
            }
        }
        break;
    case T_ITER:
        if (obj.sub == IT_RANGE && (key.t == T_INT || key.t == T_BOOL)) {
            int64_t i = key.t == T_BOOL ? key.u.b : key.u.i;
            int64_t len = (int64_t)obj.u.l->n;
            if (i < 0) {
                i += len;
            }
            if (i >= 0 && i < len) {
                return obj.u.l->it[i];
            }
        }
        break;
    default:
        break;
    }
    *found = 0;
    return tpl_value_undef();
}

tv tpl_access_getattr(struct rs *st, tv obj, const char *name, size_t n)
{
    int found;
    tv r;
    if (obj.t == T_JDICT && !tpl_methods_has(obj, name, n)) {
        /* fast path: context objects, the common case of a.b */
        json_t *j = json_object_getn(obj.u.j, name, n);
        if (j != NULL) {
            return tpl_value_from_json(j);
        }
        return tpl_value_undef_attr(st, obj, tpl_value_str(name, n));
    }
    if (obj.t == T_UNDEF) {
        tpl_render_undefined(st, obj);
    }
    r = py_getattr(st, obj, name, n, &found);
    if (found) {
        return r;
    }
    r = py_getitem(st, obj, tpl_value_str(name, n), &found);
    if (found) {
        return r;
    }
    return tpl_value_undef_attr(st, obj, tpl_value_str(name, n));
}

tv tpl_access_getitem(struct rs *st, tv obj, tv key)
{
    int found;
    tv r;
    if (obj.t == T_UNDEF) {
        tpl_render_undefined(st, obj);
    }
    r = py_getitem(st, obj, key, &found);
    if (found) {
        return r;
    }
    if (key.t == T_STR) {
        r = py_getattr(st, obj, key.u.s.p, key.sn, &found);
        if (found) {
            return r;
        }
    }
    return tpl_value_undef_attr(st, obj, key);
}

static int64_t slice_arg(struct rs *st, tv v, int64_t dflt)
{
    if (v.t == T_NONE || v.t == T_UNDEF) {
        return dflt;
    }
    if (v.t == T_INT) {
        return v.u.i;
    }
    if (v.t == T_BOOL) {
        return v.u.b;
    }
    if (v.t == T_BIG) {
        return v.u.big->sign < 0 ? INT64_MIN / 2 : INT64_MAX / 2;
    }
    tpl_render_fail(st, "slice indices must be integers or None or have an __index__ method");
}

tv tpl_access_slice(struct rs *st, tv obj, tv start, tv stop, tv step)
{
    int64_t len;
    int64_t a;
    int64_t b;
    int64_t k;
    int64_t i;
    if (obj.t == T_UNDEF) {
        tpl_render_undefined(st, obj);
    }
    if (obj.t != T_STR && !tpl_value_is_seq(obj)) {
        /* obj[a:b] raises TypeError, which Jinja2's getitem turns into an
         * undefined value */
        return tpl_value_undef_attr(st, obj, tpl_value_cstr("slice"));
    }
    len =
        obj.t == T_STR ? (int64_t)tpl_ustr_len(obj.u.s.p, obj.sn) : (int64_t)tpl_value_seq_len(obj);
    k = slice_arg(st, step, 1);
    if (k == 0) {
        tpl_render_fail(st, "slice step cannot be zero");
    }
    if (k > 0) {
        a = slice_arg(st, start, 0);
        b = slice_arg(st, stop, len);
        if (a < 0) {
            a += len;
            if (a < 0) {
                a = 0;
            }
        } else if (a > len) {
            a = len;
        }
        if (b < 0) {
            b += len;
            if (b < 0) {
                b = 0;
            }
        } else if (b > len) {
            b = len;
        }
    } else {
        a = slice_arg(st, start, len - 1);
        b = slice_arg(st, stop, -len - 1);
        if (a < 0) {
            a += len;
            if (a < 0) {
                a = -1;
            }
        } else if (a >= len) {
            a = len - 1;
        }
        if (b < 0) {
            b += len;
            if (b < 0) {
                b = -1;
            }
        } else if (b >= len) {
            b = len - 1;
        }
    }
    if (obj.t == T_STR) {
        struct octo_buf *buf;
        tv r;
        if (k == 1) {
            size_t x;
            size_t y;
            if (b <= a) {
                r = tpl_value_str("", 0);
                r.safe = obj.safe;
                return r;
            }
            x = tpl_ustr_offset(obj.u.s.p, obj.sn, (size_t)a);
            y = tpl_ustr_offset(obj.u.s.p, obj.sn, (size_t)b);
            r = tpl_value_str(obj.u.s.p + x, y - x);
            r.safe = obj.safe;
            return r;
        }
        buf = tpl_render_buf(st);
        {
            size_t cnt;
            tv *chars = tpl_value_iterate(st, obj, (size_t *)&cnt);
            for (i = a; k > 0 ? i < b : i > b; i += k) {
                tpl_tbuf_append(buf, chars[i].u.s.p, chars[i].sn);
            }
        }
        r = tpl_render_buf_str(st, buf);
        r.safe = obj.safe;
        return r;
    }
    {
        /* a, b are clamped to [-1, len]: the count cannot overflow */
        int64_t cnt =
            k > 0 ? (b > a ? (b - a + k - 1) / k : 0) : (a > b ? (a - b - k - 1) / -k : 0);
        tv r = obj.t == T_TUPLE ? tpl_value_tuple_new(st, (size_t)cnt)
                                : tpl_value_list_new(st, (size_t)cnt);
        struct tlist *l = r.u.l;
        if (obj.t == T_JLIST) {
            for (i = a; k > 0 ? i < b : i > b; i += k) {
                l->it[l->n++] = tpl_value_from_json(json_array_get(obj.u.j, (size_t)i));
            }
            return r;
        }
        for (i = a; k > 0 ? i < b : i > b; i += k) {
            l->it[l->n++] = tpl_value_seq_at(obj, (size_t)i);
        }
        return r;
    }
}
