/* store.h - the job store: jobs, their step timelines, API schedules.
 *
 * Two layers. store*.c is backend-neutral: one writer thread (store_writer.c)
 * applies queued writes in group commits (one transaction per batch, no
 * fsync per step), a small pool of reader connections, the
 * "read your writes" barrier, retention pruning, and degraded mode: a
 * store that cannot be opened or written (full disk, read-only file,
 * corruption, a lock held too long) never fails a run - the write is
 * dropped and counted, the error is logged at most once a minute and
 * shown by octo_store_stats() (/api/health). A backend (store_sqlite.c today,
 * PostgreSQL next) implements struct octo_store_backend and keeps every
 * SQL dialect detail to itself.
 *
 * Rows cross the interface as JSON objects whose members are the column
 * names below; times are epoch seconds (real), texts are strings.
 *   jobs:      id flow_path source schedule_id state status input
 *              input_truncated result result_truncated error created
 *              started ended timeout node owner steps_dropped
 *   job_steps: seq parent item depth idx name type flow started
 *              duration_us outcome attempt error input output
 *   schedules: id path cron every_seconds timeout overlap missed paused
 *              created last_job_id last_status last_run last_fire
 * All functions are thread-safe.
 */
#ifndef OCTO_STORE_H
#define OCTO_STORE_H

#include <jansson.h>

struct octo_step_row;
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

/* struct octo_job_query: octoflow/core.h */

struct octo_store_backend {
    const char *name;
    /* Open a connection to target. The writer connection (writer != 0)
     * creates the schema and applies forward migrations. */
    int (*open)(const char *target, int writer, void **conn, octo_error *err);
    void (*close)(void *conn);
    int (*begin)(void *conn, octo_error *err);
    int (*commit)(void *conn, octo_error *err);
    void (*rollback)(void *conn);
    /* row borrowed */
    int (*job_insert)(void *conn, json_t *row, octo_error *err);
    /* row borrowed: "id" plus the columns to change */
    int (*job_update)(void *conn, json_t *row, octo_error *err);
    int (*step_insert)(void *conn, const char *job_id, const struct octo_step_row *row,
                       octo_error *err);
    /* *row new, NULL when absent */
    int (*job_get)(void *conn, const char *id, json_t **row, octo_error *err);
    /* *rows new array, in seq order */
    int (*job_steps)(void *conn, const char *id, json_t **rows, octo_error *err);
    /* *rows new array, newest first (created descending) */
    int (*job_list)(void *conn, const struct octo_job_query *q, json_t **rows, octo_error *err);
    /* *total: jobs matching q without limit/offset */
    int (*job_count)(void *conn, const struct octo_job_query *q, long *total, octo_error *err);
    int (*job_delete)(void *conn, const struct octo_job_query *q, long *deleted, octo_error *err);
    /* delete finished jobs ended before t, then the oldest finished ones
     * beyond keep (keep 0: no bound); at most batch jobs per call */
    /* ids of what it deleted appended to gone (an array) */
    int (*prune)(void *conn, double ended_before, long keep, long batch, json_t *gone,
                 long *deleted, octo_error *err);
    int (*sched_put)(void *conn, json_t *row, octo_error *err);
    int (*sched_delete)(void *conn, const char *id, octo_error *err);
    int (*sched_list)(void *conn, json_t **rows, octo_error *err);
};

extern const struct octo_store_backend octo_store_sqlite;

/* Open the store at path (JOBS_DB) and start the writer thread. A
 * failure is logged and leaves the store degraded (writes dropped,
 * reads answer OCTO_EIO); it retries once a minute. readonly: no
 * writer (tools). Returns OCTO_OK or the open error. */
int octo_store_open(const char *path, int readonly, octo_error *err);
/* Told after a prune removed jobs, with their ids (borrowed array). Set
 * before the store opens (the composition root). */
void octo_store_on_prune(void (*fn)(json_t *ids));
/* Apply every queued write, stop the writer, close connections. */
void octo_store_close(void);
int octo_store_is_open(void);

/* Queued writes (rows stolen). */
void octo_store_job_insert(json_t *row);
void octo_store_job_update(json_t *row);
/* rows: n references, stolen with the array (malloc'd). */
void octo_store_job_steps(const char *job_id, struct octo_step_row **rows, size_t n);
void octo_store_sched_put(json_t *row);
void octo_store_sched_delete(const char *id);

/* Wait until every write queued before the call is applied (or dropped).
 * Returns 0, or -1 after timeout seconds. */
int octo_store_sync(double timeout);

/* Reads (after octo_store_sync). *out new. */
int octo_store_job_get(const char *id, json_t **job, json_t **steps, octo_error *err);
int octo_store_job_list(const struct octo_job_query *q, json_t **rows, long *total,
                        octo_error *err);
int octo_store_sched_list(json_t **rows, octo_error *err);
/* Synchronous delete on the writer connection. */
int octo_store_job_delete(const struct octo_job_query *q, long *deleted, octo_error *err);

/* Retention: JOBS_RETENTION_DAYS and JOBS_MAX, applied by the writer
 * every JOBS_PRUNE_INTERVAL seconds and on demand. */
void octo_store_prune_request(void);

/* The number of writes waiting when so many wait that launches should
 * be refused until the writer catches up (JOBS_QUEUE_MAX), else 0. */
size_t octo_store_behind(void);

/* The store's state for /api/health (health.c writes it as JSON and
 * compares two fills to keep its text). Zero-filled first, so two fills
 * of the same state compare equal with memcmp. */
struct octo_store_stats {
    int disabled; /* JOBS_DB=none */
    int ok;
    char backend[32];
    char error[OCTO_ERROR_MSG_LEN];
    unsigned long errors_total;
    unsigned long dropped;
    unsigned long queued;
    double last_error_at;
};
void octo_store_stats(struct octo_store_stats *s);

#endif
