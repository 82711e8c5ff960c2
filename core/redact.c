/* redact.c - registry of secret values and their redaction (redact.h).
 *
 * DESIGN
 * ------
 * A small array of strings under a pthread rwlock: lookups (every log
 * line) take the read lock, registration (a secret fetched) the write
 * lock. Redaction scans for each value with memmem; with a handful of
 * secrets this is cheaper than building an automaton and is only paid on
 * text that leaves the process.
 */
#include "redact.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SECRET_LEN 4

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static char **g_values;
static size_t g_count;
static size_t g_cap;

int octo_redact_add(const char *value)
{
    size_t i;
    int rc = 0;

    if (value == NULL || strlen(value) < MIN_SECRET_LEN) {
        return 0;
    }
    pthread_rwlock_wrlock(&g_lock);
    for (i = 0; i < g_count; i++) {
        if (strcmp(g_values[i], value) == 0) {
            goto out;
        }
    }
    if (g_count == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;
        char **p = realloc(g_values, cap * sizeof(*p));

        if (p == NULL) {
            rc = -1;
            goto out;
        }
        g_values = p;
        g_cap = cap;
    }
    g_values[g_count] = strdup(value);
    if (g_values[g_count] == NULL) {
        rc = -1;
        goto out;
    }
    g_count++;
out:
    pthread_rwlock_unlock(&g_lock);
    return rc;
}

void octo_redact_clear(void)
{
    size_t i;

    pthread_rwlock_wrlock(&g_lock);
    for (i = 0; i < g_count; i++) {
        free(g_values[i]);
    }
    free(g_values);
    g_values = NULL;
    g_count = 0;
    g_cap = 0;
    pthread_rwlock_unlock(&g_lock);
}

size_t octo_redact_count(void)
{
    size_t n;

    pthread_rwlock_rdlock(&g_lock);
    n = g_count;
    pthread_rwlock_unlock(&g_lock);
    return n;
}

/* Redact into out; returns 1 when something was replaced. Caller holds
 * the read lock. */
static int redact_locked(const char *s, size_t len, struct octo_buf *out)
{
    size_t pos = 0;
    int changed = 0;

    while (pos < len) {
        const char *best = NULL;
        size_t best_len = 0;
        size_t i;

        for (i = 0; i < g_count; i++) {
            size_t vl = strlen(g_values[i]);
            const char *hit = memmem(s + pos, len - pos, g_values[i], vl);

            if (hit != NULL && (best == NULL || hit < best || (hit == best && vl > best_len))) {
                best = hit;
                best_len = vl;
            }
        }
        if (best == NULL) {
            break;
        }
        octo_buf_append(out, s + pos, (size_t)(best - (s + pos)));
        octo_buf_puts(out, OCTO_REDACTED);
        pos = (size_t)(best - s) + best_len;
        changed = 1;
    }
    if (changed) {
        octo_buf_append(out, s + pos, len - pos);
    }
    return changed;
}

void octo_redact_inplace(char *s, size_t cap)
{
    struct octo_buf out = OCTO_BUF_INIT;

    if (s == NULL || cap == 0) {
        return;
    }
    pthread_rwlock_rdlock(&g_lock);
    if (g_count > 0 && redact_locked(s, strlen(s), &out)) {
        snprintf(s, cap, "%s", octo_buf_cstr(&out));
    }
    pthread_rwlock_unlock(&g_lock);
    octo_buf_free(&out);
}

void octo_redact_buf(struct octo_buf *b)
{
    struct octo_buf out = OCTO_BUF_INIT;

    if (b->len == 0) {
        return;
    }
    pthread_rwlock_rdlock(&g_lock);
    if (g_count > 0 && redact_locked(b->data, b->len, &out)) {
        octo_buf_free(b);
        *b = out;
        out.data = NULL;
    }
    pthread_rwlock_unlock(&g_lock);
    octo_buf_free(&out);
}

static json_t *redact_value_locked(json_t *v)
{
    struct octo_buf out = OCTO_BUF_INIT;
    json_t *copy = NULL;
    size_t i;
    const char *k;
    json_t *item;

    switch (json_typeof(v)) {
    case JSON_STRING:
        if (redact_locked(json_string_value(v), json_string_length(v), &out)) {
            copy = json_stringn(octo_buf_cstr(&out), out.len);
        }
        octo_buf_free(&out);
        return copy != NULL ? copy : json_incref(v);
    case JSON_ARRAY:
        json_array_foreach(v, i, item) {
            json_t *r = redact_value_locked(item);

            if (r != item && copy == NULL) {
                copy = json_copy(v);
            }
            if (copy != NULL) {
                json_array_set(copy, i, r);
            }
            json_decref(r);
        }
        return copy != NULL ? copy : json_incref(v);
    case JSON_OBJECT:
        json_object_foreach(v, k, item) {
            json_t *r = redact_value_locked(item);
            int key_changed;

            octo_buf_reset(&out);
            key_changed = redact_locked(k, strlen(k), &out);
            if ((r != item || key_changed) && copy == NULL) {
                copy = json_object();
                /* re-insert every key in order, redacting as we go */
                json_decref(r);
                octo_buf_free(&out);
                json_object_foreach(v, k, item) {
                    json_t *rv = redact_value_locked(item);
                    struct octo_buf kb = OCTO_BUF_INIT;

                    if (redact_locked(k, strlen(k), &kb)) {
                        json_object_set_new(copy, octo_buf_cstr(&kb), rv);
                    } else {
                        json_object_set_new(copy, k, rv);
                    }
                    octo_buf_free(&kb);
                }
                return copy;
            }
            json_decref(r);
        }
        octo_buf_free(&out);
        return json_incref(v);
    default:
        return json_incref(v);
    }
}

json_t *octo_redact_json(json_t *v)
{
    json_t *r;

    if (v == NULL) {
        return NULL;
    }
    pthread_rwlock_rdlock(&g_lock);
    r = g_count > 0 ? redact_value_locked(v) : json_incref(v);
    pthread_rwlock_unlock(&g_lock);
    return r;
}
