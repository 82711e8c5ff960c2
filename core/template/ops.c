/* ops.c - arithmetic with Python semantics: int64 fast path with bigint
 * fallback, true/floor division, modulo signs, ** with negative
 * exponents, sequence repetition and concatenation, Markup escaping. */
#include <math.h>
#include <string.h>

#include "tpl.h"

#define POW_MAX_BITS 200000u

static struct bigalloc mkba(struct rs *st)
{
    struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
    return ba;
}

static struct bigint *to_big(struct rs *st, tv v)
{
    struct bigalloc ba = mkba(st);
    struct bigint *b;
    if (v.t == T_BIG) {
        return v.u.big;
    }
    b = tpl_bigint_from_i64(&ba, v.t == T_BOOL ? v.u.b : v.u.i);
    if (b == NULL) {
        tpl_render_oom(st);
    }
    return b;
}

static int64_t ival(tv v)
{
    return v.t == T_BOOL ? v.u.b : v.u.i;
}

_Noreturn static void unsupported(struct rs *st, const char *sym, tv a, tv b)
{
    tpl_render_fail(st, "unsupported operand type(s) for %s: '%s' and '%s'", sym,
                    tpl_value_typename(a), tpl_value_typename(b));
}

static tv repeat(struct rs *st, tv seq, tv count)
{
    int64_t n;
    if (count.t == T_BIG) {
        if (count.u.big->sign < 0) {
            n = 0;
        } else {
            tpl_render_fail(st, "cannot fit 'int' into an index-sized integer");
        }
    } else {
        n = ival(count);
    }
    if (n < 0) {
        n = 0;
    }
    if ((seq.t == T_STR && seq.sn == 0) || (seq.t != T_STR && tpl_value_seq_len(seq) == 0)) {
        n = 0; /* '' * huge is '' (and [] * huge is []) without looping */
    }
    if (seq.t == T_STR) {
        char *p;
        int64_t i;
        tv r;
        if (seq.sn && (uint64_t)n > st->max_output / seq.sn) {
            tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
        }
        p = tpl_render_alloc(st, seq.sn * (size_t)n + 1);
        for (i = 0; i < n; i++) {
            memcpy(p + (size_t)i * seq.sn, seq.u.s.p, seq.sn);
        }
        p[seq.sn * (size_t)n] = '\0';
        r = tpl_value_str(p, seq.sn * (size_t)n);
        r.safe = seq.safe;
        return r;
    }
    {
        size_t len = tpl_value_seq_len(seq);
        tv r = seq.t == T_TUPLE ? tpl_value_tuple_new(st, 0) : tpl_value_list_new(st, 0);
        int64_t i;
        size_t k;
        if (len && (uint64_t)n > (st->max_output / 8) / len) {
            tpl_render_fail(st, "sequence repetition too large");
        }
        for (i = 0; i < n; i++) {
            for (k = 0; k < len; k++) {
                tpl_value_list_push(st, r.u.l, tpl_value_seq_at(seq, k));
            }
        }
        return r;
    }
}

static tv int_pow(struct rs *st, tv a, tv b)
{
    struct bigalloc ba = mkba(st);
    int too_big = 0;
    struct bigint *r;
    uint64_t e;
    if (b.t == T_BIG) {
        if (b.u.big->sign < 0) {
            return tpl_value_float(pow(tpl_value_to_double(a), tpl_value_to_double(b)));
        }
        e = UINT64_MAX;
    } else {
        int64_t bi = ival(b);
        if (bi < 0) {
            double x = tpl_value_to_double(a);
            if (x == 0.0) {
                tpl_render_fail(st, "0.0 cannot be raised to a negative power");
            }
            return tpl_value_float(pow(x, (double)bi));
        }
        e = (uint64_t)bi;
    }
    if (a.t != T_BIG) {
        int64_t x = ival(a);
        if (x == 0 || x == 1) {
            return tpl_value_int(e == 0 ? 1 : x);
        }
        if (x == -1) {
            return tpl_value_int((e & 1u) ? -1 : 1);
        }
        if (e < 63) {
            int64_t r64 = 1;
            uint64_t i;
            int ovf = 0;
            for (i = 0; i < e && !ovf; i++) {
                ovf = __builtin_mul_overflow(r64, x, &r64);
            }
            if (!ovf) {
                return tpl_value_int(r64);
            }
        }
    }
    {
        /* schoolbook squaring: cost grows with the square of the result */
        struct bigint *ab = to_big(st, a);
        uint64_t bits = (uint64_t)tpl_bigint_bitlen(ab) * (e < POW_MAX_BITS ? e : POW_MAX_BITS);
        if (bits <= (uint64_t)POW_MAX_BITS * 2) {
            uint64_t limbs = bits / 32 + 1;
            tpl_render_charge(st, (size_t)(limbs * limbs / 4));
        }
    }
    r = tpl_bigint_pow(&ba, to_big(st, a), e, POW_MAX_BITS, &too_big);
    if (too_big) {
        tpl_render_fail(st, "integer result too large (over %u bits)", POW_MAX_BITS);
    }
    return tpl_value_big(st, r);
}

static tv num_op(struct rs *st, int op, tv a, tv b, const char *sym)
{
    if (a.t == T_FLOAT || b.t == T_FLOAT) {
        double x = tpl_value_to_double(a);
        double y = tpl_value_to_double(b);
        double r;
        switch (op) {
        case OP_ADD:
            return tpl_value_float(x + y);
        case OP_SUB:
            return tpl_value_float(x - y);
        case OP_MUL:
            return tpl_value_float(x * y);
        case OP_DIV:
            if (y == 0.0) {
                tpl_render_fail(st, "float division by zero");
            }
            return tpl_value_float(x / y);
        case OP_FLOORDIV:
        case OP_MOD: {
            double m;
            double d;
            if (y == 0.0) {
                tpl_render_fail(st, op == OP_MOD ? "float modulo" : "float floor division by zero");
            }
            m = fmod(x, y);
            d = (x - m) / y;
            if (m != 0.0) {
                if ((y < 0) != (m < 0)) {
                    m += y;
                    d -= 1.0;
                }
            } else {
                m = copysign(0.0, y);
            }
            if (op == OP_MOD) {
                return tpl_value_float(m);
            }
            if (d != 0.0) {
                double fl = floor(d);
                if (d - fl > 0.5) {
                    fl += 1.0;
                }
                d = fl;
            } else {
                d = copysign(0.0, x / y);
            }
            return tpl_value_float(d);
        }
        case OP_POW:
            if (x == 0.0 && y < 0) {
                tpl_render_fail(st, "0.0 cannot be raised to a negative power");
            }
            if (x < 0 && y != floor(y)) {
                tpl_render_fail(st, "complex results are not supported");
            }
            r = pow(x, y);
            if (isinf(r) && !isinf(x) && !isinf(y)) {
                tpl_render_fail(st, "(34, 'Numerical result out of range')");
            }
            return tpl_value_float(r);
        default:
            break;
        }
        unsupported(st, sym, a, b);
    }
    if (a.t != T_BIG && b.t != T_BIG) {
        int64_t x = ival(a);
        int64_t y = ival(b);
        int64_t r;
        switch (op) {
        case OP_ADD:
            if (!__builtin_add_overflow(x, y, &r)) {
                return tpl_value_int(r);
            }
            break;
        case OP_SUB:
            if (!__builtin_sub_overflow(x, y, &r)) {
                return tpl_value_int(r);
            }
            break;
        case OP_MUL:
            if (!__builtin_mul_overflow(x, y, &r)) {
                return tpl_value_int(r);
            }
            break;
        case OP_DIV:
            if (y == 0) {
                tpl_render_fail(st, "division by zero");
            }
            return tpl_value_float((double)x / (double)y);
        case OP_FLOORDIV:
        case OP_MOD:
            if (y == 0) {
                tpl_render_fail(st, "integer division or modulo by zero");
            }
            if (x == INT64_MIN && y == -1) {
                break;
            }
            {
                int64_t q = x / y;
                int64_t m = x % y;
                if (m != 0 && ((m < 0) != (y < 0))) {
                    m += y;
                    q -= 1;
                }
                return tpl_value_int(op == OP_MOD ? m : q);
            }
        case OP_POW:
            return int_pow(st, a, b);
        default:
            break;
        }
    }
    {
        struct bigalloc ba = mkba(st);
        struct bigint *x = to_big(st, a);
        struct bigint *y = to_big(st, b);
        struct bigint *q;
        struct bigint *m;
        switch (op) {
        case OP_ADD:
            return tpl_value_big(st, tpl_bigint_add(&ba, x, y));
        case OP_SUB:
            return tpl_value_big(st, tpl_bigint_sub(&ba, x, y));
        case OP_MUL:
            if (tpl_bigint_bitlen(x) + tpl_bigint_bitlen(y) > POW_MAX_BITS) {
                tpl_render_fail(st, "integer result too large (over %u bits)", POW_MAX_BITS);
            }
            tpl_render_charge(st, x->n * y->n / 4);
            return tpl_value_big(st, tpl_bigint_mul(&ba, x, y));
        case OP_DIV:
            if (y->sign == 0) {
                tpl_render_fail(st, "division by zero");
            }
            return tpl_value_float(tpl_bigint_to_double(x) / tpl_bigint_to_double(y));
        case OP_FLOORDIV:
        case OP_MOD:
            if (y->sign == 0) {
                tpl_render_fail(st, "integer division or modulo by zero");
            }
            if (y->n > 1 && (uint64_t)tpl_bigint_bitlen(x) * y->n > 50000000u) {
                tpl_render_fail(st, "integer operands too large for division");
            }
            tpl_render_charge(st, y->n > 1 ? tpl_bigint_bitlen(x) * y->n / 64 : x->n);
            if (tpl_bigint_divmod(&ba, x, y, &q, &m) != 0) {
                tpl_render_oom(st);
            }
            return tpl_value_big(st, op == OP_MOD ? m : q);
        case OP_POW:
            return int_pow(st, a, b);
        default:
            break;
        }
    }
    unsupported(st, sym, a, b);
}

static int listish(tv v)
{
    return v.t == T_LIST || v.t == T_JLIST;
}

tv tpl_ops_binary(struct rs *st, int op, tv a, tv b)
{
    static const char *const syms[] = {"+", "-", "*", "/", "//", "%", "** or pow()"};
    const char *sym = syms[op];
    if (a.t == T_UNDEF) {
        tpl_render_undefined(st, a);
    }
    if (b.t == T_UNDEF && !(op == OP_MOD && a.t == T_STR)) {
        tpl_render_undefined(st, b); /* ('%s' % undefined is str formatting) */
    }
    if (tpl_value_is_num(a) && tpl_value_is_num(b)) {
        return num_op(st, op, a, b, sym);
    }
    switch (op) {
    case OP_ADD:
        if (a.t == T_STR && b.t == T_STR) {
            tv r;
            if (a.safe && !b.safe) {
                b = tpl_filters_escape(st, b);
            } else if (b.safe && !a.safe) {
                a = tpl_filters_escape(st, a);
            }
            r = tpl_ustr_concat(st, a, b);
            r.safe = a.safe || b.safe;
            return r;
        }
        if ((listish(a) && listish(b)) || (a.t == T_TUPLE && b.t == T_TUPLE)) {
            size_t na = tpl_value_seq_len(a);
            size_t nb = tpl_value_seq_len(b);
            size_t i;
            tv r =
                a.t == T_TUPLE ? tpl_value_tuple_new(st, na + nb) : tpl_value_list_new(st, na + nb);
            for (i = 0; i < na; i++) {
                r.u.l->it[i] = tpl_value_seq_at(a, i);
            }
            for (i = 0; i < nb; i++) {
                r.u.l->it[na + i] = tpl_value_seq_at(b, i);
            }
            r.u.l->n = na + nb;
            return r;
        }
        if (a.t == T_STR || listish(a) || a.t == T_TUPLE) {
            tpl_render_fail(st, "can only concatenate %s (not \"%s\") to %s", tpl_value_typename(a),
                            tpl_value_typename(b), tpl_value_typename(a));
        }
        break;
    case OP_MUL:
        if ((a.t == T_STR || listish(a) || a.t == T_TUPLE) && tpl_value_is_int(b)) {
            return repeat(st, a, b);
        }
        if ((b.t == T_STR || listish(b) || b.t == T_TUPLE) && tpl_value_is_int(a)) {
            return repeat(st, b, a);
        }
        if (a.t == T_STR || b.t == T_STR || listish(a) || listish(b)) {
            tv seq = (a.t == T_STR || listish(a)) ? a : b;
            tv other = (a.t == T_STR || listish(a)) ? b : a;
            if (other.t != T_FLOAT) {
                tpl_render_fail(st, "can't multiply sequence by non-int of type '%s'",
                                tpl_value_typename(other));
            }
            (void)seq;
            tpl_render_fail(st, "can't multiply sequence by non-int of type 'float'");
        }
        break;
    case OP_MOD:
        if (a.t == T_STR) {
            return tpl_pformat_percent(st, a, b);
        }
        break;
    default:
        break;
    }
    unsupported(st, sym, a, b);
}

tv tpl_ops_neg(struct rs *st, tv a)
{
    if (a.t == T_UNDEF) {
        tpl_render_undefined(st, a);
    }
    if (a.t == T_FLOAT) {
        return tpl_value_float(-a.u.f);
    }
    if (a.t == T_INT || a.t == T_BOOL) {
        int64_t x = ival(a);
        if (x != INT64_MIN) {
            return tpl_value_int(-x);
        }
    }
    if (tpl_value_is_int(a)) {
        struct bigalloc ba = mkba(st);
        return tpl_value_big(st, tpl_bigint_neg(&ba, to_big(st, a)));
    }
    tpl_render_fail(st, "bad operand type for unary -: '%s'", tpl_value_typename(a));
}

tv tpl_ops_pos(struct rs *st, tv a)
{
    if (a.t == T_UNDEF) {
        tpl_render_undefined(st, a);
    }
    if (a.t == T_BOOL) {
        return tpl_value_int(a.u.b);
    }
    if (tpl_value_is_num(a)) {
        return a;
    }
    tpl_render_fail(st, "bad operand type for unary +: '%s'", tpl_value_typename(a));
}

int64_t tpl_ops_index(struct rs *st, tv v, const char *what)
{
    if (v.t == T_INT) {
        return v.u.i;
    }
    if (v.t == T_BOOL) {
        return v.u.b;
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    tpl_render_fail(st, "%s must be an integer, not %s", what, tpl_value_typename(v));
}

/* Python int(text, base): whitespace, sign, underscores, prefixes. */
tv tpl_ops_int_parse(struct rs *st, const char *s, size_t n, int base, int *ok)
{
    size_t i = 0;
    int neg = 0;
    char *digits;
    size_t nd = 0;
    struct bigalloc ba = mkba(st);
    struct bigint *b;
    *ok = 0;
    while (i < n && tpl_ucase_isspace((unsigned char)s[i])) {
        i++;
    }
    while (n > i && tpl_ucase_isspace((unsigned char)s[n - 1])) {
        n--;
    }
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i + 1 < n && s[i] == '0') {
        char p = (char)(s[i + 1] | 0x20);
        int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (pb && (base == 0 || base == pb)) {
            base = pb;
            i += 2;
            if (i < n && s[i] == '_') {
                i++;
            }
        }
    }
    if (base == 0) {
        base = 10;
        if (i < n && s[i] == '0') {
            size_t k;
            for (k = i; k < n; k++) {
                if (s[k] != '0' && s[k] != '_') {
                    return tpl_value_int(0);
                }
            }
        }
    }
    if (i >= n) {
        return tpl_value_int(0);
    }
    digits = tpl_render_alloc(st, n - i + 1);
    for (; i < n; i++) {
        if (s[i] == '_') {
            if (nd == 0 || i + 1 >= n || s[i + 1] == '_') {
                return tpl_value_int(0);
            }
            continue;
        }
        digits[nd++] = s[i];
    }
    b = tpl_bigint_parse(&ba, digits, nd, base);
    if (b == NULL) {
        return tpl_value_int(0);
    }
    if (neg && b->sign) {
        b->sign = -1;
    }
    *ok = 1;
    return tpl_value_big(st, b);
}
