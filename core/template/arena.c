/* arena.c - bump allocator for compiled templates and renders.
 * Blocks grow from 4 KiB to 1 MiB; big requests get a block of their own.
 * Cleanups (json_decref, regex free, ...) run in reverse order at
 * tpl_arena_free. */
#include <stdlib.h>
#include <string.h>

#include "tpl.h"

struct arena_blk {
    struct arena_blk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void tpl_arena_init(struct arena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
}

void tpl_arena_init_with(struct arena *a, size_t limit, void *mem, size_t size)
{
    tpl_arena_init(a, limit);
    if (mem != NULL && size > sizeof(struct arena_blk) + 64) {
        struct arena_blk *b = mem;
        b->next = NULL;
        b->size = size - sizeof(struct arena_blk);
        b->used = 0;
        a->head = b;
        a->first = b;
    }
}

void *tpl_arena_alloc(struct arena *a, size_t n)
{
    struct arena_blk *b = a->head;
    size_t sz;
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) {
        n = 16;
    }
    if (b != NULL && b->size - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    sz = b == NULL ? 4096 : (b->size < 4096 ? 8192 : b->size * 2);
    if (sz > (1u << 20)) {
        sz = 1u << 20;
    }
    if (n > sz / 4) {
        sz = n;
    }
    if (a->limit && a->total + sz > a->limit) {
        return NULL;
    }
    if (sz > SIZE_MAX / 2) {
        return NULL;
    }
    b = malloc(sizeof(*b) + sz);
    if (b == NULL) {
        return NULL;
    }
    a->total += sz;
    b->size = sz;
    b->used = n;
    if (a->head != NULL && sz == n && a->head->size - a->head->used > 256) {
        /* keep the current block on top: it still has room */
        b->next = a->head->next;
        a->head->next = b;
    } else {
        b->next = a->head;
        a->head = b;
    }
    return b->data;
}

void tpl_arena_on_free(struct arena *a, void (*fn)(void *), void *p)
{
    struct arena_cleanup *c = tpl_arena_alloc(a, sizeof(*c));
    if (c == NULL) {
        fn(p);
        return;
    }
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}

void tpl_arena_free(struct arena *a)
{
    struct arena_cleanup *c = a->cleanups;
    struct arena_blk *b = a->head;
    while (c != NULL) {
        c->fn(c->p);
        c = c->next;
    }
    while (b != NULL) {
        struct arena_blk *next = b->next;
        if (b != a->first) {
            free(b);
        }
        b = next;
    }
    memset(a, 0, sizeof(*a));
}
