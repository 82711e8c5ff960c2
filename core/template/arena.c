/* arena.c - bump allocator for compiled templates and renders.
 * Blocks grow from 4 KiB to 1 MiB; big requests get a block of their own.
 * Cleanups (json_decref, regex free, ...) run in reverse order at
 * tpl_arena_free. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tpl.h"

/* Render arenas give their blocks back to a per-thread cache, and the next
 * render on the thread takes them from there: a render that needs a few
 * hundred KB does not have malloc map, unmap and fault them in every time.
 * The cache is per thread (no locking) and freed when the thread ends. */
#define CACHE_MAX       ((size_t)2u << 20) /* bytes kept per thread */
#define CACHE_BLOCK_MAX ((size_t)1u << 20)

struct blk_cache {
    struct arena_blk *head;
    size_t bytes;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_ok;

static void cache_destroy(void *p)
{
    struct blk_cache *c = p;
    while (c->head != NULL) {
        struct arena_blk *b = c->head;
        c->head = b->next;
        free(b);
    }
    free(c);
}

static void cache_init(void)
{
    cache_ok = pthread_key_create(&cache_key, cache_destroy) == 0;
}

static struct blk_cache *cache_get(int create)
{
    struct blk_cache *c;
    if (pthread_once(&cache_once, cache_init) != 0 || !cache_ok) {
        return NULL;
    }
    c = pthread_getspecific(cache_key);
    if (c == NULL && create) {
        c = calloc(1, sizeof(*c));
        if (c != NULL && pthread_setspecific(cache_key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

/* the smallest cached block of at least n bytes, or NULL */
static struct arena_blk *cache_take(size_t n)
{
    struct blk_cache *c = cache_get(0);
    struct arena_blk **pp;
    if (c == NULL) {
        return NULL;
    }
    for (pp = &c->head; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->cap >= n) {
            struct arena_blk *b = *pp;
            *pp = b->next;
            c->bytes -= b->cap;
            return b;
        }
    }
    return NULL;
}

/* keep b for a later render; 0 when the cache is full (caller frees) */
static int cache_put(struct arena_blk *b)
{
    struct blk_cache *c;
    if (b->cap > CACHE_BLOCK_MAX) {
        return 0;
    }
    c = cache_get(1);
    if (c == NULL || c->bytes + b->cap > CACHE_MAX) {
        return 0;
    }
    /* smallest first, so that cache_take finds the best fit */
    {
        struct arena_blk **pp = &c->head;
        while (*pp != NULL && (*pp)->cap < b->cap) {
            pp = &(*pp)->next;
        }
        b->next = *pp;
        *pp = b;
    }
    c->bytes += b->cap;
    return 1;
}

void tpl_arena_reuse_blocks(struct arena *a)
{
    a->reuse = 1;
}

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
        b->cap = b->size;
        b->used = 0;
        a->head = b;
        a->first = b;
    }
}

void *tpl_arena_alloc(struct arena *a, size_t n)
{
    struct arena_blk *b = a->head;
    size_t sz;
    if (n > SIZE_MAX / 4) {
        return NULL; /* an absurd size (or an overflowed computation) */
    }
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
    /* a cached block serves as a block of sz bytes: the arena behaves
     * (and counts against its limit) exactly as with a fresh one */
    b = a->reuse ? cache_take(sz) : NULL;
    if (b == NULL) {
        b = malloc(sizeof(*b) + sz);
        if (b == NULL) {
            return NULL;
        }
        b->cap = sz;
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
        if (b != a->first && !(a->reuse && cache_put(b))) {
            free(b);
        }
        b = next;
    }
    memset(a, 0, sizeof(*a));
}
