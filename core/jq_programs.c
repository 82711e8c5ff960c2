/* jq_programs.c - the process's jq programs: one per source text, shared
 * by every step, flow and template that uses it, each with a pool of
 * compiled jq_states (see jq_programs.h).
 *
 * Why share: libjq 1.6 compiles its builtins again for every jq_state
 * (10-30 ms), so compiling is what a jq step costs, not running it (µs).
 * Programs nobody uses any more are kept (up to KEEP_UNUSED, least
 * recently released first out) so a flow edited and reloaded, or a
 * template rendered now and then, does not pay again.
 *
 * Why wait: a run that finds every state of its program busy could
 * compile another one, and a flow_loop with 16 workers would then compile
 * 16 (a compile storm: 16 × 20 ms on 2 cores for a µs program). It waits
 * instead, at most as long as compiling this program took, for a state to
 * come back; a long-running program still gets a second state after that.
 */
#include "jq_programs.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "jqbridge.h"
#include "xalloc.h"

#define KEEP_UNUSED 64

struct octo_jq_prog {
    char *source;
    char *wrapped;
    uint64_t hash;
    /* the pool, under mu */
    pthread_mutex_t mu;
    pthread_cond_t returned;
    struct jq_slot **idle;
    size_t nidle;
    size_t cap;
    long compile_ns; /* what the first state cost: how long a run waits for one */
    /* the registry's, under g_mu */
    size_t refs;
    uint64_t released; /* tick of the last release (refs 0) */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct octo_jq_prog **g_progs;
static size_t g_n;
static size_t g_cap;
static size_t g_unused;
static uint64_t g_tick;
static unsigned long g_compiled_programs; /* under g_mu */
static unsigned long g_compiled_states;   /* atomic */

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

static long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void prog_free(struct octo_jq_prog *p)
{
    size_t i;

    for (i = 0; i < p->nidle; i++) {
        octo__jq_slot_free(p->idle[i]);
    }
    free(p->idle);
    pthread_cond_destroy(&p->returned);
    pthread_mutex_destroy(&p->mu);
    free(p->source);
    free(p->wrapped);
    free(p);
}

static struct jq_slot *new_slot(struct octo_jq_prog *p, octo_error *err)
{
    struct jq_slot *s = octo__jq_slot_new(p->wrapped, p->source, err);

    if (s != NULL) {
        __atomic_add_fetch(&g_compiled_states, 1, __ATOMIC_RELAXED);
    }
    return s;
}

/* A new program with one compiled state in its pool; NULL with *err. */
static struct octo_jq_prog *prog_new(const char *program, uint64_t hash, octo_error *err)
{
    struct octo_jq_prog *p = octo_xcalloc(1, sizeof(*p));
    pthread_condattr_t ca;
    struct jq_slot *s;
    long t0;

    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->returned, &ca);
    pthread_condattr_destroy(&ca);
    p->hash = hash;
    p->source = octo_xstrdup(program);
    p->wrapped = octo__jq_wrap(program);
    p->idle = octo_xmalloc(4 * sizeof(*p->idle));
    p->cap = 4;
    t0 = now_ns();
    s = new_slot(p, err);
    if (s == NULL) {
        prog_free(p);
        return NULL;
    }
    p->compile_ns = now_ns() - t0;
    p->idle[p->nidle++] = s;
    return p;
}

/* Under g_mu: the program compiled from this text, or NULL. */
static struct octo_jq_prog *find(const char *program, uint64_t hash)
{
    size_t i;

    for (i = 0; i < g_n; i++) {
        if (g_progs[i]->hash == hash && strcmp(g_progs[i]->source, program) == 0) {
            return g_progs[i];
        }
    }
    return NULL;
}

/* Under g_mu: take a reference. */
static void ref(struct octo_jq_prog *p)
{
    if (p->refs++ == 0) {
        g_unused--;
    }
}

/* Under g_mu: the least recently released unused program, removed from
 * the registry (the caller frees it outside the lock), or NULL. */
static struct octo_jq_prog *evict(void)
{
    size_t i;
    size_t best = g_n;

    for (i = 0; i < g_n; i++) {
        if (g_progs[i]->refs == 0 &&
            (best == g_n || g_progs[i]->released < g_progs[best]->released)) {
            best = i;
        }
    }
    if (best == g_n) {
        return NULL;
    }
    {
        struct octo_jq_prog *p = g_progs[best];

        g_progs[best] = g_progs[--g_n];
        g_unused--;
        return p;
    }
}

int octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err)
{
    uint64_t hash = hash_text(program);
    struct octo_jq_prog *p;
    struct octo_jq_prog *other;

    *out = NULL;
    pthread_mutex_lock(&g_mu);
    p = find(program, hash);
    if (p != NULL) {
        ref(p);
        pthread_mutex_unlock(&g_mu);
        *out = p;
        return OCTO_OK;
    }
    pthread_mutex_unlock(&g_mu);

    /* compiled outside the registry's lock: other programs stay usable */
    p = prog_new(program, hash, err);
    if (p == NULL) {
        return err->code;
    }
    pthread_mutex_lock(&g_mu);
    other = find(program, hash);
    if (other != NULL) { /* another thread compiled it meanwhile */
        ref(other);
        pthread_mutex_unlock(&g_mu);
        prog_free(p);
        *out = other;
        return OCTO_OK;
    }
    if (g_n == g_cap) {
        size_t cap = g_cap != 0 ? g_cap * 2 : 64;

        g_progs = octo_xrealloc(g_progs, cap * sizeof(*g_progs));
        g_cap = cap;
    }
    p->refs = 1;
    g_progs[g_n++] = p;
    g_compiled_programs++;
    pthread_mutex_unlock(&g_mu);
    *out = p;
    return OCTO_OK;
}

void octo_jq_release(struct octo_jq_prog *p)
{
    struct octo_jq_prog *gone = NULL;

    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&g_mu);
    if (--p->refs == 0) {
        p->released = ++g_tick;
        if (++g_unused > KEEP_UNUSED) {
            gone = evict();
        }
    }
    pthread_mutex_unlock(&g_mu);
    if (gone != NULL) {
        prog_free(gone);
    }
}

const char *octo_jq_source(const struct octo_jq_prog *p)
{
    return p->source;
}

struct jq_slot *octo__jq_borrow(struct octo_jq_prog *p, octo_error *err)
{
    struct jq_slot *s = NULL;

    pthread_mutex_lock(&p->mu);
    if (p->nidle == 0) {
        struct timespec until;
        long ns = p->compile_ns;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec += ns % 1000000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (p->nidle == 0) {
            if (pthread_cond_timedwait(&p->returned, &p->mu, &until) == ETIMEDOUT) {
                break;
            }
        }
    }
    if (p->nidle > 0) {
        s = p->idle[--p->nidle];
    }
    pthread_mutex_unlock(&p->mu);
    if (s == NULL) {
        s = new_slot(p, err);
    }
    return s;
}

void octo__jq_give_back(struct octo_jq_prog *p, struct jq_slot *s)
{
    pthread_mutex_lock(&p->mu);
    if (p->nidle == p->cap) {
        p->idle = octo_xrealloc(p->idle, p->cap * 2 * sizeof(*p->idle));
        p->cap *= 2;
    }
    p->idle[p->nidle++] = s;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->mu);
}

void octo_jq_clear_unused(void)
{
    struct octo_jq_prog *p;

    for (;;) {
        pthread_mutex_lock(&g_mu);
        p = evict();
        if (g_n == 0) {
            free(g_progs);
            g_progs = NULL;
            g_cap = 0;
        }
        pthread_mutex_unlock(&g_mu);
        if (p == NULL) {
            return;
        }
        prog_free(p);
    }
}

void octo__jq_counts(unsigned long *programs, unsigned long *states)
{
    pthread_mutex_lock(&g_mu);
    *programs = g_compiled_programs;
    pthread_mutex_unlock(&g_mu);
    *states = __atomic_load_n(&g_compiled_states, __ATOMIC_RELAXED);
}
