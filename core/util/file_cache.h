/* file_cache.h - values made from files (compiled flows, compiled
 * templates), cached by absolute path and file identity.
 *
 * A file's identity is its mtime, size and inode: an edited or replaced
 * file no longer matches, so the next lookup misses and the caller makes
 * the value again and puts it back (the older one is released). Values
 * are reference counted by their owner's functions (ref/unref below):
 * octo_file_cache_get hands out a new reference, so a value replaced in
 * the cache stays alive for whoever still holds it. Making the value
 * happens outside the cache's lock, so a slow compile blocks no other
 * lookup. Thread-safe: one mutex per cache.
 */
#ifndef OCTO_FILE_CACHE_H
#define OCTO_FILE_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct octo_file_id {
    struct timespec mtime;
    off_t size;
    ino_t ino;
};

/* The identity of the file st describes. */
struct octo_file_id octo_file_id_of(const struct stat *st);
int octo_file_id_same(const struct octo_file_id *a, const struct octo_file_id *b);

struct octo_file_cache_entry; /* file_cache.c */

struct octo_file_cache {
    pthread_mutex_t mu;
    void *(*ref)(void *value);  /* returns value with one more reference */
    void (*unref)(void *value); /* drops one reference */
    struct octo_file_cache_entry *entries;
    size_t n;
    size_t cap;
};

/* A cache with static storage: static struct octo_file_cache c =
 * OCTO_FILE_CACHE_INIT(my_ref, my_unref); */
#define OCTO_FILE_CACHE_INIT(ref_fn, unref_fn)                                                     \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, (ref_fn), (unref_fn), NULL, 0, 0                                \
    }

/* The value cached for abs if it was made from a file of identity id: a
 * new reference (the caller unrefs it), else NULL. */
void *octo_file_cache_get(struct octo_file_cache *c, const char *abs,
                          const struct octo_file_id *id);
/* Cache value (the cache takes its own reference) as made from the file
 * abs of identity id, replacing what was cached for abs. */
void octo_file_cache_put(struct octo_file_cache *c, const char *abs, const struct octo_file_id *id,
                         void *value);
/* Drop every entry (their references released); the cache stays usable. */
void octo_file_cache_clear(struct octo_file_cache *c);

#endif
