/* dict.c - dicts made by templates: lookup, insertion in order, copy, and
 * the hash index a dict gets past 8 keys. Hashing is Python-compatible
 * (equal values hash alike: 1, 1.0 and True), also for unique(); lists and
 * dicts are unhashable as in Python. Context dicts (T_JDICT) are jansson's
 * and are only read (value.c). */
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

int tpl_dict_hash(struct rs *st, tv v, uint64_t *out, int depth)
{
    uint64_t h = 0;
    size_t i;
    switch (v.t) {
    case T_NONE:
        h = 0x9e3779b97f4a7c15ULL;
        break;
    case T_UNDEF:
        h = 0x51ed270b27b2a1c3ULL;
        break;
    case T_BOOL:
        h = mix((uint64_t)v.u.b);
        break;
    case T_INT:
        h = mix((uint64_t)v.u.i);
        break;
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
    case T_STR:
        h = tpl_eval_hash(v.u.s.p, v.sn) | ((uint64_t)v.sn << 32);
        break;
    case T_TUPLE:
        if (depth > 100) {
            return 0;
        }
        h = 0x345678;
        for (i = 0; i < v.u.l->n; i++) {
            uint64_t x;
            if (!tpl_dict_hash(st, v.u.l->it[i], &x, depth + 1)) {
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
    default:
        h = mix((uint64_t)(uintptr_t)v.u.l);
        break;
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

static void reindex(struct rs *st, struct tdict *d)
{
    size_t cap = 16;
    size_t i;
    while (cap < d->n * 2 + 2) {
        cap *= 2;
    }
    d->idx = tpl_render_alloc(st, cap * sizeof(uint32_t));
    memset(d->idx, 0, cap * sizeof(uint32_t));
    d->icap = cap;
    d->hcap = d->cap ? d->cap : 1;
    d->hashes = tpl_render_alloc(st, d->hcap * sizeof(uint64_t));
    for (i = 0; i < d->n; i++) {
        uint64_t h = 0;
        tpl_dict_hash(st, d->k[i], &h, 0);
        d->hashes[i] = h;
        index_put(d, h, i);
    }
}

static int find_indexed(struct tdict *d, tv k, uint64_t h, size_t *pos)
{
    size_t mask = d->icap - 1;
    size_t i = (size_t)h & mask;
    while (d->idx[i] != 0) {
        size_t p = d->idx[i] - 1;
        if (d->hashes[p] == h && tpl_compare_eq(NULL, d->k[p], k)) {
            *pos = p;
            return 1;
        }
        i = (i + 1) & mask;
    }
    return 0;
}

static void index_add(struct rs *st, struct tdict *d, uint64_t h, size_t pos)
{
    if (d->idx == NULL) {
        return;
    }
    if ((pos + 1) * 2 + 2 > d->icap || pos >= d->hcap) {
        reindex(st, d);
        return;
    }
    d->hashes[pos] = h;
    index_put(d, h, pos);
}

int tpl_dict_find(struct tdict *d, tv k, size_t *idx)
{
    size_t i;
    uint64_t h;
    if (d->idx != NULL && tpl_dict_hash(NULL, k, &h, 0)) {
        return find_indexed(d, k, h, idx);
    }
    for (i = 0; i < d->n; i++) {
        tv *c = &d->k[i];
        if (k.t == T_STR) {
            if (c->t == T_STR && c->sn == k.sn && memcmp(c->u.s.p, k.u.s.p, k.sn) == 0) {
                *idx = i;
                return 1;
            }
        } else if (c->t != T_STR && tpl_compare_eq(NULL, *c, k)) {
            *idx = i;
            return 1;
        }
    }
    return 0;
}

int tpl_dict_get_str(struct tdict *d, const char *k, size_t n, tv *out)
{
    size_t i;
    if (d->idx != NULL) {
        uint64_t h;
        tv key = tpl_value_str(k, n);
        tpl_dict_hash(NULL, key, &h, 0);
        if (find_indexed(d, key, h, &i)) {
            *out = d->v[i];
            return 1;
        }
        return 0;
    }
    for (i = 0; i < d->n; i++) {
        tv *c = &d->k[i];
        if (c->t == T_STR && c->sn == n && memcmp(c->u.s.p, k, n) == 0) {
            *out = d->v[i];
            return 1;
        }
    }
    return 0;
}

void tpl_dict_set(struct rs *st, struct tdict *d, tv k, tv x)
{
    size_t i;
    if (tpl_dict_find(d, k, &i)) {
        d->v[i] = x;
        return;
    }
    tpl_dict_add_new(st, d, k, x);
}

void tpl_dict_add_new(struct rs *st, struct tdict *d, tv k, tv x)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 8;
        tv *nk = tpl_render_alloc(st, nc * sizeof(tv));
        tv *nv = tpl_render_alloc(st, nc * sizeof(tv));
        if (d->n) {
            memcpy(nk, d->k, d->n * sizeof(tv));
            memcpy(nv, d->v, d->n * sizeof(tv));
        }
        d->k = nk;
        d->v = nv;
        d->cap = nc;
    }
    d->k[d->n] = k;
    d->v[d->n] = x;
    d->n++;
    if (d->idx != NULL) {
        uint64_t h = 0;
        tpl_dict_hash(st, k, &h, 0);
        index_add(st, d, h, d->n - 1);
    } else if (d->n > 8) {
        reindex(st, d);
    }
}

void tpl_dict_drop_index(struct tdict *d)
{
    d->idx = NULL;
    d->hashes = NULL;
    d->icap = d->hcap = 0;
}

tv tpl_dict_copy(struct rs *st, tv d)
{
    tv *ks;
    tv *vs;
    size_t n;
    size_t i;
    tv r;
    tpl_value_map_items(st, d, &ks, &vs, &n);
    r = tpl_value_dict_new(st, n);
    for (i = 0; i < n; i++) {
        tpl_dict_set(st, r.u.d, ks[i], vs[i]);
    }
    return r;
}
