/* file_cache.c - values cached by path and file identity (see
 * file_cache.h). A linear array: the caches hold the flows and templates
 * of one data directory, tens to a few hundred entries, looked up once
 * per launch or include. */
#include "file_cache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct octo_file_cache_entry {
    char *abs;
    struct octo_file_id id;
    void *value;
};

struct octo_file_id octo_file_id_of(const struct stat *st)
{
    struct octo_file_id id;

    memset(&id, 0, sizeof(id));
    id.mtime = st->st_mtim;
    id.size = st->st_size;
    id.ino = st->st_ino;
    return id;
}

int octo_file_id_same(const struct octo_file_id *a, const struct octo_file_id *b)
{
    return a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->size == b->size && a->ino == b->ino;
}

/* The entry for abs, or NULL. Called with c->mu held. */
static struct octo_file_cache_entry *find(struct octo_file_cache *c, const char *abs)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        if (strcmp(c->entries[i].abs, abs) == 0) {
            return &c->entries[i];
        }
    }
    return NULL;
}

void *octo_file_cache_get(struct octo_file_cache *c, const char *abs, const struct octo_file_id *id)
{
    struct octo_file_cache_entry *e;
    void *value = NULL;

    pthread_mutex_lock(&c->mu);
    e = find(c, abs);
    if (e != NULL && octo_file_id_same(&e->id, id)) {
        value = c->ref(e->value);
    }
    pthread_mutex_unlock(&c->mu);
    return value;
}

void octo_file_cache_put(struct octo_file_cache *c, const char *abs, const struct octo_file_id *id,
                         void *value)
{
    struct octo_file_cache_entry *e;

    pthread_mutex_lock(&c->mu);
    e = find(c, abs);
    if (e != NULL) {
        c->unref(e->value);
    } else {
        if (c->n == c->cap) {
            c->cap = c->cap != 0 ? c->cap * 2 : 16;
            c->entries = octo_xrealloc(c->entries, c->cap * sizeof(*c->entries));
        }
        e = &c->entries[c->n++];
        e->abs = octo_xstrdup(abs);
    }
    e->id = *id;
    e->value = c->ref(value);
    pthread_mutex_unlock(&c->mu);
}

void octo_file_cache_clear(struct octo_file_cache *c)
{
    size_t i;

    pthread_mutex_lock(&c->mu);
    for (i = 0; i < c->n; i++) {
        free(c->entries[i].abs);
        c->unref(c->entries[i].value);
    }
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
    c->cap = 0;
    pthread_mutex_unlock(&c->mu);
}
