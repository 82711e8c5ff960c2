/* bigint.c - arbitrary-precision integers (see bigint.h).
 * Schoolbook algorithms: the numbers templates meet are small (printing is
 * capped at 4300 digits as in Python 3.11), so simplicity wins. */
#include "bigint.h"

#include <math.h>
#include <string.h>

static struct bigint *mk(const struct bigalloc *ba, size_t n)
{
    struct bigint *b = ba->alloc(ba->ud, sizeof(*b) + (n ? n : 1) * sizeof(uint32_t));
    if (b != NULL) {
        b->sign = 0;
        b->n = n;
        memset(b->d, 0, (n ? n : 1) * sizeof(uint32_t));
    }
    return b;
}

static struct bigint *norm(struct bigint *b)
{
    if (b == NULL) {
        return NULL;
    }
    while (b->n > 0 && b->d[b->n - 1] == 0) {
        b->n--;
    }
    if (b->n == 0) {
        b->sign = 0;
    }
    return b;
}

struct bigint *tpl_bigint_from_i64(const struct bigalloc *ba, int64_t v)
{
    struct bigint *b = mk(ba, 2);
    uint64_t m;
    if (b == NULL) {
        return NULL;
    }
    if (v < 0) {
        m = (uint64_t)(-(v + 1)) + 1u;
        b->sign = -1;
    } else {
        m = (uint64_t)v;
        b->sign = v > 0;
    }
    b->d[0] = (uint32_t)m;
    b->d[1] = (uint32_t)(m >> 32);
    return norm(b);
}

struct bigint *tpl_bigint_from_double(const struct bigalloc *ba, double v)
{
    int e;
    double m;
    size_t n;
    size_t i;
    struct bigint *b;
    int neg = v < 0;
    if (!isfinite(v)) {
        return NULL;
    }
    v = trunc(fabs(v));
    if (v < 1.0) {
        return mk(ba, 0);
    }
    m = frexp(v, &e); /* v = m * 2^e, 0.5 <= m < 1 */
    n = (size_t)(e + 31) / 32;
    b = mk(ba, n);
    if (b == NULL) {
        return NULL;
    }
    for (i = n; i-- > 0;) {
        /* take the bits of limb i */
        double scaled = ldexp(v, -(int)(i * 32));
        double limb = floor(scaled);
        b->d[i] = (uint32_t)fmod(limb, 4294967296.0);
        v -= ldexp(b->d[i], (int)(i * 32));
    }
    (void)m;
    b->sign = neg ? -1 : 1;
    return norm(b);
}

/* |a| * m + c in place (a has room) */
static void mag_muladd(struct bigint *a, uint32_t m, uint32_t c)
{
    uint64_t carry = c;
    size_t i;
    for (i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->d[i] * m + carry;
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        a->d[a->n++] = (uint32_t)carry;
    }
}

struct bigint *tpl_bigint_parse(const struct bigalloc *ba, const char *s, size_t n, int base)
{
    size_t bits = n * 6 + 32;
    struct bigint *b = mk(ba, bits / 32 + 2);
    size_t i;
    if (b == NULL) {
        return NULL;
    }
    b->n = 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        int dv = (c >= '0' && c <= '9')   ? c - '0'
                 : (c >= 'a' && c <= 'z') ? c - 'a' + 10
                 : (c >= 'A' && c <= 'Z') ? c - 'A' + 10
                                          : 99;
        if (dv >= base) {
            return NULL;
        }
        mag_muladd(b, (uint32_t)base, (uint32_t)dv);
    }
    b->sign = 1;
    return norm(b);
}

static int mag_cmp(const struct bigint *a, const struct bigint *b)
{
    size_t i;
    if (a->n != b->n) {
        return a->n < b->n ? -1 : 1;
    }
    for (i = a->n; i-- > 0;) {
        if (a->d[i] != b->d[i]) {
            return a->d[i] < b->d[i] ? -1 : 1;
        }
    }
    return 0;
}

static struct bigint *mag_add(const struct bigalloc *ba, const struct bigint *a,
                              const struct bigint *b)
{
    size_t n = (a->n > b->n ? a->n : b->n) + 1;
    struct bigint *r = mk(ba, n);
    uint64_t carry = 0;
    size_t i;
    if (r == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        uint64_t t = carry;
        if (i < a->n) {
            t += a->d[i];
        }
        if (i < b->n) {
            t += b->d[i];
        }
        r->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    r->sign = 1;
    return norm(r);
}

/* |a| - |b| with |a| >= |b| */
static struct bigint *mag_sub(const struct bigalloc *ba, const struct bigint *a,
                              const struct bigint *b)
{
    struct bigint *r = mk(ba, a->n);
    int64_t borrow = 0;
    size_t i;
    if (r == NULL) {
        return NULL;
    }
    for (i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - borrow - (i < b->n ? (int64_t)b->d[i] : 0);
        borrow = 0;
        if (t < 0) {
            t += (int64_t)1 << 32;
            borrow = 1;
        }
        r->d[i] = (uint32_t)t;
    }
    r->sign = 1;
    return norm(r);
}

struct bigint *tpl_bigint_neg(const struct bigalloc *ba, const struct bigint *a)
{
    struct bigint *r = mk(ba, a->n);
    if (r == NULL) {
        return NULL;
    }
    memcpy(r->d, a->d, a->n * sizeof(uint32_t));
    r->sign = -a->sign;
    return r;
}

static struct bigint *addsub(const struct bigalloc *ba, const struct bigint *a,
                             const struct bigint *b, int bsign)
{
    struct bigint *r;
    if (b->sign == 0) {
        return tpl_bigint_neg(ba, tpl_bigint_neg(ba, a));
    }
    if (a->sign == 0) {
        r = tpl_bigint_neg(ba, b);
        if (r && bsign > 0) {
            r->sign = -r->sign;
        }
        return r;
    }
    bsign *= b->sign;
    if (a->sign == bsign) {
        r = mag_add(ba, a, b);
        if (r) {
            r->sign = r->n ? a->sign : 0;
        }
        return r;
    }
    if (mag_cmp(a, b) >= 0) {
        r = mag_sub(ba, a, b);
        if (r && r->n) {
            r->sign = a->sign;
        }
    } else {
        r = mag_sub(ba, b, a);
        if (r && r->n) {
            r->sign = bsign;
        }
    }
    return r;
}

struct bigint *tpl_bigint_add(const struct bigalloc *ba, const struct bigint *a,
                              const struct bigint *b)
{
    return addsub(ba, a, b, 1);
}

struct bigint *tpl_bigint_sub(const struct bigalloc *ba, const struct bigint *a,
                              const struct bigint *b)
{
    return addsub(ba, a, b, -1);
}

struct bigint *tpl_bigint_mul(const struct bigalloc *ba, const struct bigint *a,
                              const struct bigint *b)
{
    struct bigint *r = mk(ba, a->n + b->n);
    size_t i;
    size_t j;
    if (r == NULL) {
        return NULL;
    }
    for (i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (j = 0; j < b->n; j++) {
            uint64_t t = (uint64_t)a->d[i] * b->d[j] + r->d[i + j] + carry;
            r->d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        r->d[i + b->n] = (uint32_t)carry;
    }
    r->sign = a->sign * b->sign;
    return norm(r);
}

size_t tpl_bigint_bitlen(const struct bigint *a)
{
    uint32_t top;
    size_t bits;
    if (a->n == 0) {
        return 0;
    }
    top = a->d[a->n - 1];
    bits = (a->n - 1) * 32;
    while (top) {
        bits++;
        top >>= 1;
    }
    return bits;
}

/* truncated magnitude division: |a| = q*|b| + r */
static int mag_divmod(const struct bigalloc *ba, const struct bigint *a, const struct bigint *b,
                      struct bigint **qo, struct bigint **ro)
{
    struct bigint *q = mk(ba, a->n);
    struct bigint *r = mk(ba, b->n + 1);
    size_t bits = tpl_bigint_bitlen(a);
    size_t i;
    if (q == NULL || r == NULL) {
        return -1;
    }
    r->n = 0;
    if (b->n == 1) {
        uint64_t rem = 0;
        for (i = a->n; i-- > 0;) {
            uint64_t cur = (rem << 32) | a->d[i];
            q->d[i] = (uint32_t)(cur / b->d[0]);
            rem = cur % b->d[0];
        }
        r->d[0] = (uint32_t)rem;
        r->n = 1;
    } else {
        for (i = bits; i-- > 0;) {
            /* r = r << 1 | bit */
            uint32_t carry = (a->d[i / 32] >> (i % 32)) & 1u;
            size_t k;
            for (k = 0; k < r->n; k++) {
                uint32_t nc = r->d[k] >> 31;
                r->d[k] = (r->d[k] << 1) | carry;
                carry = nc;
            }
            if (carry) {
                r->d[r->n++] = carry;
            }
            if (mag_cmp(r, b) >= 0) {
                int64_t borrow = 0;
                for (k = 0; k < r->n; k++) {
                    int64_t t = (int64_t)r->d[k] - borrow - (k < b->n ? (int64_t)b->d[k] : 0);
                    borrow = 0;
                    if (t < 0) {
                        t += (int64_t)1 << 32;
                        borrow = 1;
                    }
                    r->d[k] = (uint32_t)t;
                }
                while (r->n > 0 && r->d[r->n - 1] == 0) {
                    r->n--;
                }
                q->d[i / 32] |= 1u << (i % 32);
            }
        }
    }
    q->sign = 1;
    r->sign = 1;
    *qo = norm(q);
    *ro = norm(r);
    return 0;
}

int tpl_bigint_divmod(const struct bigalloc *ba, const struct bigint *a, const struct bigint *b,
                      struct bigint **qo, struct bigint **ro)
{
    struct bigint *q;
    struct bigint *r;
    if (b->sign == 0) {
        return -1;
    }
    if (mag_divmod(ba, a, b, &q, &r) != 0) {
        return -1;
    }
    q->sign = q->n ? a->sign * b->sign : 0;
    r->sign = r->n ? a->sign : 0;
    if (r->sign != 0 && r->sign != b->sign) {
        /* floor: q -= 1, r += b */
        struct bigint *one = tpl_bigint_from_i64(ba, 1);
        if (one == NULL) {
            return -1;
        }
        q = tpl_bigint_sub(ba, q, one);
        r = tpl_bigint_add(ba, r, b);
        if (q == NULL || r == NULL) {
            return -1;
        }
    }
    if (qo) {
        *qo = q;
    }
    if (ro) {
        *ro = r;
    }
    return 0;
}

struct bigint *tpl_bigint_pow(const struct bigalloc *ba, const struct bigint *a, uint64_t e,
                              size_t maxbits, int *too_big)
{
    struct bigint *r = tpl_bigint_from_i64(ba, 1);
    struct bigint *base = tpl_bigint_neg(ba, tpl_bigint_neg(ba, a));
    size_t abits = tpl_bigint_bitlen(a);
    *too_big = 0;
    if (r == NULL || base == NULL) {
        return NULL;
    }
    if (abits > 1 && (e > maxbits || (abits - 1) * e > maxbits)) {
        *too_big = 1;
        return NULL;
    }
    while (e) {
        if (e & 1u) {
            r = tpl_bigint_mul(ba, r, base);
            if (r == NULL) {
                return NULL;
            }
        }
        e >>= 1;
        if (e) {
            base = tpl_bigint_mul(ba, base, base);
            if (base == NULL) {
                return NULL;
            }
        }
    }
    return r;
}

int tpl_bigint_cmp(const struct bigint *a, const struct bigint *b)
{
    int c;
    if (a->sign != b->sign) {
        return a->sign < b->sign ? -1 : 1;
    }
    c = mag_cmp(a, b);
    return a->sign < 0 ? -c : c;
}

int tpl_bigint_to_i64(const struct bigint *a, int64_t *out)
{
    uint64_t m;
    if (a->n > 2) {
        return 0;
    }
    m = a->n > 0 ? a->d[0] : 0;
    if (a->n > 1) {
        m |= (uint64_t)a->d[1] << 32;
    }
    if (a->sign >= 0) {
        if (m > (uint64_t)INT64_MAX) {
            return 0;
        }
        *out = (int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX + 1u) {
            return 0;
        }
        *out = m == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)m;
    }
    return 1;
}

double tpl_bigint_to_double(const struct bigint *a)
{
    double r = 0;
    size_t i;
    for (i = a->n; i-- > 0;) {
        r = r * 4294967296.0 + a->d[i];
    }
    return a->sign < 0 ? -r : r;
}

char *tpl_bigint_to_dec(const struct bigalloc *ba, const struct bigint *a, size_t maxdigits,
                        size_t *len)
{
    size_t cap = a->n * 10 + 2;
    char *tmp;
    char *outp;
    struct bigint *cur;
    size_t nd = 0;
    size_t i;
    if (maxdigits && tpl_bigint_bitlen(a) > maxdigits * 4 + 8) {
        return NULL;
    }
    tmp = ba->alloc(ba->ud, cap + 1);
    cur = tpl_bigint_neg(ba, a);
    if (tmp == NULL || cur == NULL) {
        return NULL;
    }
    if (a->n == 0) {
        tmp[nd++] = '0';
    }
    while (cur->n > 0) {
        uint64_t rem = 0;
        int k;
        for (i = cur->n; i-- > 0;) {
            uint64_t v = (rem << 32) | cur->d[i];
            cur->d[i] = (uint32_t)(v / 1000000000u);
            rem = v % 1000000000u;
        }
        while (cur->n > 0 && cur->d[cur->n - 1] == 0) {
            cur->n--;
        }
        for (k = 0; k < 9 && (cur->n > 0 || rem > 0); k++) {
            tmp[nd++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    if (maxdigits && nd > maxdigits) {
        return NULL;
    }
    outp = ba->alloc(ba->ud, nd + 2);
    if (outp == NULL) {
        return NULL;
    }
    *len = 0;
    if (a->sign < 0) {
        outp[(*len)++] = '-';
    }
    for (i = nd; i-- > 0;) {
        outp[(*len)++] = tmp[i];
    }
    outp[*len] = '\0';
    return outp;
}

char *tpl_bigint_to_base(const struct bigalloc *ba, const struct bigint *a, int base, size_t *len)
{
    int shift = base == 16 ? 4 : base == 8 ? 3 : 1;
    size_t bits = tpl_bigint_bitlen(a);
    size_t nd = bits ? (bits + (size_t)shift - 1) / (size_t)shift : 1;
    char *o = ba->alloc(ba->ud, nd + 1);
    size_t i;
    if (o == NULL) {
        return NULL;
    }
    for (i = 0; i < nd; i++) {
        size_t bit = i * (size_t)shift;
        unsigned v = 0;
        int k;
        for (k = shift - 1; k >= 0; k--) {
            size_t b = bit + (size_t)k;
            v = (v << 1) | (b < a->n * 32 ? (a->d[b / 32] >> (b % 32)) & 1u : 0u);
        }
        o[nd - 1 - i] = "0123456789abcdef"[v];
    }
    o[nd] = '\0';
    *len = nd;
    return o;
}
