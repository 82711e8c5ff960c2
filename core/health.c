/* health.c - what /api/health says: the service, its job store, its
 * workers. "degraded" when the store cannot record jobs (runs go on).
 *
 * Load balancers and monitors poll the route hard, so its text is kept:
 * the values it is made of are gathered (a few counters under three
 * mutexes) and compared with those of the kept text, which is rebuilt
 * only when one changed. Building and redacting the JSON cost more than
 * the rest of the request. */
#include <octoflow/core.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "plugins.h"
#include "pyjson.h"
#include "redact.h"
#include "store.h"
#include "supervisor.h"
#include "xalloc.h"

/* Everything the document says. Zero-filled before it is filled, so two
 * gatherings of the same state are equal byte for byte (memcmp). */
struct health_in {
    size_t running;
    size_t queued;
    size_t plugins;
    int mode;
    int supervised;
    struct octo_store_stats store;
    struct octo_supervisor_stats sup;
};

static void gather(struct health_in *in)
{
    memset(in, 0, sizeof(*in));
    in->running = octo_jobs_active_count();
    in->queued = octo_jobs_queued_count();
    in->plugins = octo_plugins_count();
    in->mode = octo_launch_mode();
    in->supervised = in->mode == OCTO_EXEC_PROCESSES && octo_supervisor_running();
    octo_store_stats(&in->store);
    if (in->supervised) {
        octo_supervisor_stats(&in->sup);
    }
}

static json_t *build(const struct health_in *in)
{
    const struct octo_store_stats *s = &in->store;
    const struct octo_supervisor_stats *w = &in->sup;
    json_t *h = json_object();
    json_t *store;

    if (s->disabled) {
        store = json_pack("{s:b, s:s}", "ok", 1, "backend", "none");
    } else {
        store = json_pack("{s:b, s:s, s:s?, s:I, s:I, s:I}", "ok", s->ok, "backend", s->backend,
                          "error", s->error[0] != '\0' ? s->error : NULL, "errors_total",
                          (json_int_t)s->errors_total, "dropped_writes", (json_int_t)s->dropped,
                          "queued_writes", (json_int_t)s->queued);
        if (s->last_error_at > 0) {
            json_object_set_new(store, "last_error_at", json_real(s->last_error_at));
        }
    }
    json_object_set_new(h, "status", json_string(s->disabled || s->ok ? "ok" : "degraded"));
    json_object_set_new(h, "version", json_string(octo_version()));
    json_object_set_new(h, "abi", json_sprintf("%d.%d", OCTO_ABI_MAJOR, OCTO_ABI_MINOR));
    json_object_set_new(h, "running_flows", json_integer((json_int_t)in->running));
    json_object_set_new(h, "queued", json_integer((json_int_t)in->queued));
    json_object_set_new(h, "plugins", json_integer((json_int_t)in->plugins));
    json_object_set_new(h, "store", store);
    if (in->supervised) {
        json_object_set_new(h, "workers",
                            json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:{s:i, s:b}}",
                                      "isolation", "process", "workers", w->workers, "idle",
                                      w->idle, "busy", w->busy, "starting", w->starting, "spawned",
                                      (json_int_t)w->spawned, "crashes", (json_int_t)w->crashes,
                                      "killed", (json_int_t)w->killed, "sandbox", "landlock",
                                      w->landlock, "protected_files", w->protected_ro));
    } else {
        json_object_set_new(
            h, "workers",
            json_pack("{s:s}", "isolation", in->mode == OCTO_EXEC_THREADS ? "thread" : "inline"));
    }
    return h;
}

json_t *octo_health(void)
{
    struct health_in in;

    gather(&in);
    return build(&in);
}

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct health_in g_in; /* what g_text says; under g_mu */
static char *g_text;
static size_t g_len;

char *octo_health_text(size_t *len)
{
    struct health_in in;
    json_t *h;
    json_t *safe;
    char *text = NULL;
    size_t n = 0;

    gather(&in);
    pthread_mutex_lock(&g_mu);
    if (g_text != NULL && memcmp(&in, &g_in, sizeof(in)) == 0) {
        text = octo_xmalloc(g_len + 1);
        memcpy(text, g_text, g_len + 1);
        *len = g_len;
        pthread_mutex_unlock(&g_mu);
        return text;
    }
    pthread_mutex_unlock(&g_mu);
    h = build(&in);
    safe = octo_redact_json(h); /* a store error could quote anything */
    json_decref(h);
    if (octo_json_text(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &text, &n) != 0) {
        json_decref(safe);
        return NULL; /* not for want of memory (that aborts): cannot happen */
    }
    json_decref(safe);
    text = octo_xrealloc(text, n + 2);
    text[n++] = '\n';
    text[n] = '\0';
    pthread_mutex_lock(&g_mu);
    free(g_text);
    g_text = octo_xmalloc(n + 1);
    memcpy(g_text, text, n + 1);
    g_len = n;
    memcpy(&g_in, &in, sizeof(in));
    pthread_mutex_unlock(&g_mu);
    *len = n;
    return text;
}
