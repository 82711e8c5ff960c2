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
    b = tpl_big_from_i64(&ba, v.t == T_BOOL ? v.u.b : v.u.i);
    if (b == NULL) {
        rs_oom(st);
    }
    return b;
}

static int64_t ival(tv v)
{
    return v.t == T_BOOL ? v.u.b : v.u.i;
}

_Noreturn static void unsupported(struct rs *st, const char *sym, tv a, tv b)
{
    rs_fail(st, "unsupported operand type(s) for %s: '%s' and '%s'", sym, v_typename(a), v_typename(b));
}

static tv repeat(struct rs *st, tv seq, tv count)
{
    int64_t n;
    if (count.t == T_BIG) {
        if (count.u.big->sign < 0) {
            n = 0;
        } else {
            rs_fail(st, "cannot fit 'int' into an index-sized integer");
        }
    } else {
        n = ival(count);
    }
    if (n < 0) {
        n = 0;
    }
    if ((seq.t == T_STR && seq.sn == 0) || (seq.t != T_STR && tpl_seq_len(seq) == 0)) {
        n = 0; /* '' * huge is '' (and [] * huge is []) without looping */
    }
    if (seq.t == T_STR) {
        char *p;
        int64_t i;
        tv r;
        if (seq.sn && (uint64_t)n > st->max_output / seq.sn) {
            rs_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
        }
        p = rs_alloc(st, seq.sn * (size_t)n + 1);
        for (i = 0; i < n; i++) {
            memcpy(p + (size_t)i * seq.sn, seq.u.s.p, seq.sn);
        }
        p[seq.sn * (size_t)n] = '\0';
        r = v_str(p, seq.sn * (size_t)n);
        r.safe = seq.safe;
        return r;
    }
    {
        size_t len = tpl_seq_len(seq);
        tv r = seq.t == T_TUPLE ? v_tuple_new(st, 0) : v_list_new(st, 0);
        int64_t i;
        size_t k;
        if (len && (uint64_t)n > (st->max_output / 8) / len) {
            rs_fail(st, "sequence repetition too large");
        }
        for (i = 0; i < n; i++) {
            for (k = 0; k < len; k++) {
                tpl_list_push(st, r.u.l, tpl_seq_at(seq, k));
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
            return v_float(pow(v_to_double(a), v_to_double(b)));
        }
        e = UINT64_MAX;
    } else {
        int64_t bi = ival(b);
        if (bi < 0) {
            double x = v_to_double(a);
            if (x == 0.0) {
                rs_fail(st, "0.0 cannot be raised to a negative power");
            }
            return v_float(pow(x, (double)bi));
        }
        e = (uint64_t)bi;
    }
    if (a.t != T_BIG) {
        int64_t x = ival(a);
        if (x == 0 || x == 1) {
            return v_int(e == 0 ? 1 : x);
        }
        if (x == -1) {
            return v_int((e & 1u) ? -1 : 1);
        }
        if (e < 63) {
            int64_t r64 = 1;
            uint64_t i;
            int ovf = 0;
            for (i = 0; i < e && !ovf; i++) {
                ovf = __builtin_mul_overflow(r64, x, &r64);
            }
            if (!ovf) {
                return v_int(r64);
            }
        }
    }
    {
        /* schoolbook squaring: cost grows with the square of the result */
        struct bigint *ab = to_big(st, a);
        uint64_t bits = (uint64_t)tpl_big_bitlen(ab) * (e < POW_MAX_BITS ? e : POW_MAX_BITS);
        if (bits <= (uint64_t)POW_MAX_BITS * 2) {
            uint64_t limbs = bits / 32 + 1;
            tpl_charge(st, (size_t)(limbs * limbs / 4));
        }
    }
    r = tpl_big_pow(&ba, to_big(st, a), e, POW_MAX_BITS, &too_big);
    if (too_big) {
        rs_fail(st, "integer result too large (over %u bits)", POW_MAX_BITS);
    }
    return v_big(st, r);
}

static tv num_op(struct rs *st, int op, tv a, tv b, const char *sym)
{
    if (a.t == T_FLOAT || b.t == T_FLOAT) {
        double x = v_to_double(a);
        double y = v_to_double(b);
        double r;
        switch (op) {
        case OP_ADD: return v_float(x + y);
        case OP_SUB: return v_float(x - y);
        case OP_MUL: return v_float(x * y);
        case OP_DIV:
            if (y == 0.0) {
                rs_fail(st, "float division by zero");
            }
            return v_float(x / y);
        case OP_FLOORDIV:
        case OP_MOD: {
            double m;
            double d;
            if (y == 0.0) {
                rs_fail(st, op == OP_MOD ? "float modulo" : "float floor division by zero");
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
                return v_float(m);
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
            return v_float(d);
        }
        case OP_POW:
            if (x == 0.0 && y < 0) {
                rs_fail(st, "0.0 cannot be raised to a negative power");
            }
            if (x < 0 && y != floor(y)) {
                rs_fail(st, "complex results are not supported");
            }
            r = pow(x, y);
            if (isinf(r) && !isinf(x) && !isinf(y)) {
                rs_fail(st, "(34, 'Numerical result out of range')");
            }
            return v_float(r);
        default: break;
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
                return v_int(r);
            }
            break;
        case OP_SUB:
            if (!__builtin_sub_overflow(x, y, &r)) {
                return v_int(r);
            }
            break;
        case OP_MUL:
            if (!__builtin_mul_overflow(x, y, &r)) {
                return v_int(r);
            }
            break;
        case OP_DIV:
            if (y == 0) {
                rs_fail(st, "division by zero");
            }
            return v_float((double)x / (double)y);
        case OP_FLOORDIV:
        case OP_MOD:
            if (y == 0) {
                rs_fail(st, "integer division or modulo by zero");
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
                return v_int(op == OP_MOD ? m : q);
            }
        case OP_POW: return int_pow(st, a, b);
        default: break;
        }
    }
    {
        struct bigalloc ba = mkba(st);
        struct bigint *x = to_big(st, a);
        struct bigint *y = to_big(st, b);
        struct bigint *q;
        struct bigint *m;
        switch (op) {
        case OP_ADD: return v_big(st, tpl_big_add(&ba, x, y));
        case OP_SUB: return v_big(st, tpl_big_sub(&ba, x, y));
        case OP_MUL:
            if (tpl_big_bitlen(x) + tpl_big_bitlen(y) > POW_MAX_BITS) {
                rs_fail(st, "integer result too large (over %u bits)", POW_MAX_BITS);
            }
            tpl_charge(st, x->n * y->n / 4);
            return v_big(st, tpl_big_mul(&ba, x, y));
        case OP_DIV:
            if (y->sign == 0) {
                rs_fail(st, "division by zero");
            }
            return v_float(tpl_big_to_double(x) / tpl_big_to_double(y));
        case OP_FLOORDIV:
        case OP_MOD:
            if (y->sign == 0) {
                rs_fail(st, "integer division or modulo by zero");
            }
            if (y->n > 1 && (uint64_t)tpl_big_bitlen(x) * y->n > 50000000u) {
                rs_fail(st, "integer operands too large for division");
            }
            tpl_charge(st, y->n > 1 ? tpl_big_bitlen(x) * y->n / 64 : x->n);
            if (tpl_big_divmod(&ba, x, y, &q, &m) != 0) {
                rs_oom(st);
            }
            return v_big(st, op == OP_MOD ? m : q);
        case OP_POW: return int_pow(st, a, b);
        default: break;
        }
    }
    unsupported(st, sym, a, b);
}

static int listish(tv v)
{
    return v.t == T_LIST || v.t == T_JLIST;
}

tv tpl_op_binary(struct rs *st, int op, tv a, tv b)
{
    static const char *const syms[] = {"+", "-", "*", "/", "//", "%", "** or pow()"};
    const char *sym = syms[op];
    if (a.t == T_UNDEF) {
        rs_undefined_fail(st, a);
    }
    if (b.t == T_UNDEF && !(op == OP_MOD && a.t == T_STR)) {
        rs_undefined_fail(st, b); /* ('%s' % undefined is str formatting) */
    }
    if (v_is_num(a) && v_is_num(b)) {
        return num_op(st, op, a, b, sym);
    }
    switch (op) {
    case OP_ADD:
        if (a.t == T_STR && b.t == T_STR) {
            tv r;
            if (a.safe && !b.safe) {
                b = tpl_escape_str(st, b);
            } else if (b.safe && !a.safe) {
                a = tpl_escape_str(st, a);
            }
            r = s_concat(st, a, b);
            r.safe = a.safe || b.safe;
            return r;
        }
        if ((listish(a) && listish(b)) || (a.t == T_TUPLE && b.t == T_TUPLE)) {
            size_t na = tpl_seq_len(a);
            size_t nb = tpl_seq_len(b);
            size_t i;
            tv r = a.t == T_TUPLE ? v_tuple_new(st, na + nb) : v_list_new(st, na + nb);
            for (i = 0; i < na; i++) {
                r.u.l->it[i] = tpl_seq_at(a, i);
            }
            for (i = 0; i < nb; i++) {
                r.u.l->it[na + i] = tpl_seq_at(b, i);
            }
            r.u.l->n = na + nb;
            return r;
        }
        if (a.t == T_STR || listish(a) || a.t == T_TUPLE) {
            rs_fail(st, "can only concatenate %s (not \"%s\") to %s", v_typename(a), v_typename(b),
                    v_typename(a));
        }
        break;
    case OP_MUL:
        if ((a.t == T_STR || listish(a) || a.t == T_TUPLE) && v_is_int(b)) {
            return repeat(st, a, b);
        }
        if ((b.t == T_STR || listish(b) || b.t == T_TUPLE) && v_is_int(a)) {
            return repeat(st, b, a);
        }
        if (a.t == T_STR || b.t == T_STR || listish(a) || listish(b)) {
            tv seq = (a.t == T_STR || listish(a)) ? a : b;
            tv other = (a.t == T_STR || listish(a)) ? b : a;
            if (other.t != T_FLOAT) {
                rs_fail(st, "can't multiply sequence by non-int of type '%s'", v_typename(other));
            }
            (void)seq;
            rs_fail(st, "can't multiply sequence by non-int of type 'float'");
        }
        break;
    case OP_MOD:
        if (a.t == T_STR) {
            return tpl_op_percent(st, a, b);
        }
        break;
    default: break;
    }
    unsupported(st, sym, a, b);
}

tv tpl_op_neg(struct rs *st, tv a)
{
    if (a.t == T_UNDEF) {
        rs_undefined_fail(st, a);
    }
    if (a.t == T_FLOAT) {
        return v_float(-a.u.f);
    }
    if (a.t == T_INT || a.t == T_BOOL) {
        int64_t x = ival(a);
        if (x != INT64_MIN) {
            return v_int(-x);
        }
    }
    if (v_is_int(a)) {
        struct bigalloc ba = mkba(st);
        return v_big(st, tpl_big_neg(&ba, to_big(st, a)));
    }
    rs_fail(st, "bad operand type for unary -: '%s'", v_typename(a));
}

tv tpl_op_pos(struct rs *st, tv a)
{
    if (a.t == T_UNDEF) {
        rs_undefined_fail(st, a);
    }
    if (a.t == T_BOOL) {
        return v_int(a.u.b);
    }
    if (v_is_num(a)) {
        return a;
    }
    rs_fail(st, "bad operand type for unary +: '%s'", v_typename(a));
}

int64_t v_as_index(struct rs *st, tv v, const char *what)
{
    if (v.t == T_INT) {
        return v.u.i;
    }
    if (v.t == T_BOOL) {
        return v.u.b;
    }
    if (v.t == T_UNDEF) {
        rs_undefined_fail(st, v);
    }
    rs_fail(st, "%s must be an integer, not %s", what, v_typename(v));
}

/* Python int(text, base): whitespace, sign, underscores, prefixes. */
tv v_int_parse(struct rs *st, const char *s, size_t n, int base, int *ok)
{
    size_t i = 0;
    int neg = 0;
    char *digits;
    size_t nd = 0;
    struct bigalloc ba = mkba(st);
    struct bigint *b;
    *ok = 0;
    while (i < n && u_isspace((unsigned char)s[i])) {
        i++;
    }
    while (n > i && u_isspace((unsigned char)s[n - 1])) {
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
                    return v_int(0);
                }
            }
        }
    }
    if (i >= n) {
        return v_int(0);
    }
    digits = rs_alloc(st, n - i + 1);
    for (; i < n; i++) {
        if (s[i] == '_') {
            if (nd == 0 || i + 1 >= n || s[i + 1] == '_') {
                return v_int(0);
            }
            continue;
        }
        digits[nd++] = s[i];
    }
    b = tpl_big_parse(&ba, digits, nd, base);
    if (b == NULL) {
        return v_int(0);
    }
    if (neg && b->sign) {
        b->sign = -1;
    }
    *ok = 1;
    return v_big(st, b);
}
