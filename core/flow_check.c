/* flow_check.c - the full check of a flow the service loaded shallow.
 *
 * The service never runs libjq or plugin code (a crash there would be
 * the service's): it loads flows with OCTO_FLOW_SHALLOW, and the first
 * time a flow (this version of its file) is launched or scheduled, a
 * worker loads it completely and reports. The verdict is kept on the
 * cached flow, so each version of a file is checked once.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "flow.h"
#include "supervisor.h"
#include "xalloc.h"

#define CHECK_TIMEOUT 60.0

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static void merge(json_t *diags, const char *key, json_t *list)
{
    json_t *into;

    if (diags == NULL || !json_is_array(list)) {
        return;
    }
    into = json_object_get(diags, key);
    if (!json_is_array(into)) {
        json_object_set_new(diags, key, json_array());
        into = json_object_get(diags, key);
    }
    json_array_extend(into, list);
}

int octo_flow_deep_check(struct octo_flow *f, json_t *diags, octo_error *err)
{
    json_t *local;
    int rc;

    if (!f->shallow || !octo_supervisor_running()) {
        return OCTO_OK;
    }
    pthread_mutex_lock(&g_mu);
    if (f->deep_state != 0) {
        rc = f->deep_state > 0 ? OCTO_OK : OCTO_EINVAL;
        if (rc != OCTO_OK) {
            octo_error_set(err, OCTO_EINVAL, NULL, "%s", f->deep_error);
        }
        pthread_mutex_unlock(&g_mu);
        return rc;
    }
    /* Not held while a worker checks (up to CHECK_TIMEOUT), so other
     * flows' launches do not wait on it: two launches of a new version
     * may both ask, and the first verdict stored is kept. */
    pthread_mutex_unlock(&g_mu);
    local = json_object();
    rc = octo_supervisor_check(f->path, CHECK_TIMEOUT, local, err);
    merge(diags, "errors", json_object_get(local, "errors"));
    if (rc == OCTO_ETIMEDOUT) {
        json_decref(local); /* not a verdict: ask again next time */
        return rc;
    }
    pthread_mutex_lock(&g_mu);
    if (f->deep_state == 0) {
        f->deep_state = rc == OCTO_OK ? 1 : -1;
        f->deep_error = octo_xstrdup(rc == OCTO_OK ? "" : err->msg);
        f->deep_warnings = json_incref(json_object_get(local, "warnings"));
    }
    pthread_mutex_unlock(&g_mu);
    json_decref(local);
    return rc;
}
