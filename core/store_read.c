/* store_read.c - the job store's reads: a small pool of reader
 * connections, each read preceded by the "read your writes" barrier.
 *
 * Split from store.c: reads never go through the writer's queue, so they
 * share only the pool (under octo_store_g.mu) and the barrier
 * (octo_store_sync) with it.
 */
#include "store_int.h"

static void *reader_get(octo_error *err)
{
    void *c = NULL;

    pthread_mutex_lock(&octo_store_g.mu);
    if (octo_store_g.nfree > 0) {
        c = octo_store_g.readers[--octo_store_g.nfree];
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    if (c == NULL && octo_store_g.be != NULL &&
        octo_store_g.be->open(octo_store_g.path, 0, &c, err) != OCTO_OK) {
        return NULL;
    }
    return c;
}

static void reader_put(void *c)
{
    pthread_mutex_lock(&octo_store_g.mu);
    if (octo_store_g.nfree < NREADERS) {
        octo_store_g.readers[octo_store_g.nfree++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    if (c != NULL) {
        octo_store_g.be->close(c);
    }
}

static int reader_begin(void **c, octo_error *err)
{
    if (!octo_store_g.started) {
        return octo_error_set(err, OCTO_EIO, NULL,
                              octo_store_g.disabled ? "there is no job store (JOBS_DB=none)"
                                                    : "the job store is not open");
    }
    octo_store_sync(2.0);
    *c = reader_get(err);
    return *c != NULL ? OCTO_OK : OCTO_EIO;
}

int octo_store_job_get(const char *id, json_t **job, json_t **steps, octo_error *err)
{
    void *c = NULL;
    int rc;

    *job = NULL;
    if (steps != NULL) {
        *steps = NULL;
    }
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = octo_store_g.be->job_get(c, id, job, err);
    if (rc == OCTO_OK && *job != NULL && steps != NULL) {
        rc = octo_store_g.be->job_steps(c, id, steps, err);
        if (rc != OCTO_OK) {
            json_decref(*job);
            *job = NULL;
        }
    }
    reader_put(c);
    return rc;
}

int octo_store_job_list(const struct octo_job_query *q, json_t **rows, long *total, octo_error *err)
{
    void *c = NULL;
    int rc;

    *rows = NULL;
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = octo_store_g.be->job_list(c, q, rows, err);
    if (rc == OCTO_OK && total != NULL) {
        rc = octo_store_g.be->job_count(c, q, total, err);
        if (rc != OCTO_OK) {
            json_decref(*rows);
            *rows = NULL;
        }
    }
    reader_put(c);
    return rc;
}

int octo_store_sched_list(json_t **rows, octo_error *err)
{
    void *c = NULL;
    int rc;

    *rows = NULL;
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = octo_store_g.be->sched_list(c, rows, err);
    reader_put(c);
    return rc;
}
