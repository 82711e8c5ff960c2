/* bigint.h - small arbitrary-precision integers for the template engine.
 *
 * Python ints have no size limit; templates rely on it ({{ 2 ** 64 }}).
 * Numbers are sign + magnitude in 32-bit limbs, least significant first,
 * normalized (no high zero limbs; zero has n == 0). Results are allocated
 * with the caller's allocator (the render arena) and never freed one by
 * one. A NULL result means the allocator failed.
 */
#ifndef OCTO_TPL_BIGINT_H
#define OCTO_TPL_BIGINT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct bigint {
    int sign; /* -1, 0, 1 */
    size_t n;
    uint32_t d[];
};

struct bigalloc {
    void *(*alloc)(void *ud, size_t n);
    void *ud;
};

TPL_INTERNAL struct bigint *tpl_bigint_from_i64(const struct bigalloc *ba, int64_t v);
/* truncates */
TPL_INTERNAL struct bigint *tpl_bigint_from_double(const struct bigalloc *ba, double v);
/* digits in base 2..36 (no sign, no prefix, no underscores) */
TPL_INTERNAL struct bigint *tpl_bigint_parse(const struct bigalloc *ba, const char *s, size_t n,
                                             int base);
TPL_INTERNAL struct bigint *tpl_bigint_add(const struct bigalloc *ba, const struct bigint *a,
                                           const struct bigint *b);
TPL_INTERNAL struct bigint *tpl_bigint_sub(const struct bigalloc *ba, const struct bigint *a,
                                           const struct bigint *b);
TPL_INTERNAL struct bigint *tpl_bigint_mul(const struct bigalloc *ba, const struct bigint *a,
                                           const struct bigint *b);
/* Floor division and modulo (Python semantics). b must not be zero. q or r may be NULL. */
TPL_INTERNAL int tpl_bigint_divmod(const struct bigalloc *ba, const struct bigint *a,
                                   const struct bigint *b, struct bigint **q, struct bigint **r);
/* a ** e; NULL with *too_big set when the result would exceed maxbits. */
TPL_INTERNAL struct bigint *tpl_bigint_pow(const struct bigalloc *ba, const struct bigint *a,
                                           uint64_t e, size_t maxbits, int *too_big);
TPL_INTERNAL struct bigint *tpl_bigint_neg(const struct bigalloc *ba, const struct bigint *a);
TPL_INTERNAL int tpl_bigint_cmp(const struct bigint *a, const struct bigint *b);
TPL_INTERNAL int tpl_bigint_to_i64(const struct bigint *a, int64_t *out); /* 1 when it fits */
TPL_INTERNAL double tpl_bigint_to_double(const struct bigint *a);
TPL_INTERNAL size_t tpl_bigint_bitlen(const struct bigint *a);
/* Decimal text into a malloc'd-by-ba string; NULL when more than maxdigits. */
TPL_INTERNAL char *tpl_bigint_to_dec(const struct bigalloc *ba, const struct bigint *a,
                                     size_t maxdigits, size_t *len);
/* Hex/octal/binary text of |a| (no prefix, lower case). */
TPL_INTERNAL char *tpl_bigint_to_base(const struct bigalloc *ba, const struct bigint *a, int base,
                                      size_t *len);

#endif
