/* vhash.c - Python-compatible hashing of values (equal values hash alike:
 * 1, 1.0 and True) for dict indexes and unique(); lists and dicts are
 * unhashable as in Python. */
#include <math.h>
#include <string.h>

#include "tpl.h"

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

int v_hash(struct rs *st, tv v, uint64_t *out, int depth)
{
    uint64_t h = 0;
    size_t i;
    switch (v.t) {
    case T_NONE: h = 0x9e3779b97f4a7c15ULL; break;
    case T_UNDEF: h = 0x51ed270b27b2a1c3ULL; break;
    case T_BOOL: h = mix((uint64_t)v.u.b); break;
    case T_INT: h = mix((uint64_t)v.u.i); break;
    case T_FLOAT:
        if (v.u.f == floor(v.u.f) && fabs(v.u.f) < 9.2e18) {
            h = mix((uint64_t)(int64_t)v.u.f);
        } else {
            uint64_t bits;
            double d = v.u.f == 0.0 ? 0.0 : v.u.f;
            memcpy(&bits, &d, sizeof(bits));
            h = mix(bits ^ 0x7ff0000000000000ULL);
        }
        break;
    case T_BIG:
        h = mix((uint64_t)v.u.big->sign);
        for (i = 0; i < v.u.big->n; i++) {
            h = mix(h ^ v.u.big->d[i]);
        }
        break;
    case T_STR: h = tpl_hash(v.u.s.p, v.sn) | ((uint64_t)v.sn << 32); break;
    case T_TUPLE:
        if (depth > 100) {
            return 0;
        }
        h = 0x345678;
        for (i = 0; i < v.u.l->n; i++) {
            uint64_t x;
            if (!v_hash(st, v.u.l->it[i], &x, depth + 1)) {
                return 0;
            }
            h = mix(h * 1000003u ^ x);
        }
        break;
    case T_LIST:
    case T_JLIST:
    case T_DICT:
    case T_JDICT:
        return 0;
    default: h = mix((uint64_t)(uintptr_t)v.u.l); break;
    }
    (void)st;
    *out = h;
    return 1;
}

/* open addressing over dict positions; idx[i] = position + 1, 0 = empty */
static void index_put(struct tdict *d, uint64_t h, size_t pos)
{
    size_t mask = d->icap - 1;
    size_t i = (size_t)h & mask;
    while (d->idx[i] != 0) {
        i = (i + 1) & mask;
    }
    d->idx[i] = (uint32_t)pos + 1;
}

void tpl_dict_reindex(struct rs *st, struct tdict *d)
{
    size_t cap = 16;
    size_t i;
    while (cap < d->n * 2 + 2) {
        cap *= 2;
    }
    d->idx = rs_alloc(st, cap * sizeof(uint32_t));
    memset(d->idx, 0, cap * sizeof(uint32_t));
    d->icap = cap;
    d->hcap = d->cap ? d->cap : 1;
    d->hashes = rs_alloc(st, d->hcap * sizeof(uint64_t));
    for (i = 0; i < d->n; i++) {
        uint64_t h = 0;
        v_hash(st, d->k[i], &h, 0);
        d->hashes[i] = h;
        index_put(d, h, i);
    }
}

int tpl_dict_find_indexed(struct tdict *d, tv k, uint64_t h, size_t *pos)
{
    size_t mask = d->icap - 1;
    size_t i = (size_t)h & mask;
    while (d->idx[i] != 0) {
        size_t p = d->idx[i] - 1;
        if (d->hashes[p] == h && v_eq(NULL, d->k[p], k)) {
            *pos = p;
            return 1;
        }
        i = (i + 1) & mask;
    }
    return 0;
}

void tpl_dict_index_add(struct rs *st, struct tdict *d, uint64_t h, size_t pos)
{
    if (d->idx == NULL) {
        return;
    }
    if ((pos + 1) * 2 + 2 > d->icap || pos >= d->hcap) {
        tpl_dict_reindex(st, d);
        return;
    }
    d->hashes[pos] = h;
    index_put(d, h, pos);
}
