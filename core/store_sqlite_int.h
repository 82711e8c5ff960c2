/* store_sqlite_int.h - what the SQLite backend's files share; private to
 * them (store_sqlite.c, store_sqlite_write.c, store_sqlite_query.c), never
 * included elsewhere.
 *
 * store_sqlite.c opens connections, owns the schema and its migrations and
 * the backend table; store_sqlite_write.c writes rows (jobs, steps,
 * schedules); store_sqlite_query.c reads, deletes and prunes. The octo_sq_
 * prefix is this backend's.
 *
 * No locks here: a connection (struct octo_sq_conn) is used by one thread
 * at a time (store.c hands the writer's to its thread and each reader's
 * to one caller), so its statement caches need none.
 */
#ifndef OCTO_STORE_SQLITE_INT_H
#define OCTO_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"
#include "store.h"

#define NCACHE  12
#define NINSERT 8

struct octo_sq_conn {
    sqlite3 *db;
    struct {
        char *sql;
        sqlite3_stmt *st;
    } cache[NCACHE];
    unsigned next; /* round-robin eviction */
    /* INSERTs by table and the columns a row has: a timeline row is
     * written without building its SQL again (insert()) */
    struct {
        const char *const *cols;
        uint32_t mask;
        sqlite3_stmt *st;
    } ins[NINSERT];
    unsigned ins_next;
    struct {
        uint32_t mask;
        sqlite3_stmt *st;
    } upd[NINSERT]; /* UPDATE jobs by the set of columns */
    unsigned upd_next;
};

/* Set *err from the connection's last SQLite error ("what" failed);
 * returns OCTO_EIO. */
int octo_sq_fail(struct octo_sq_conn *c, octo_error *err, const char *what);
/* A prepared statement for sql, cached per connection (the texts come
 * from a bounded set: fixed statements and updates over known columns);
 * reset and unbound. NULL with *err. */
sqlite3_stmt *octo_sq_stmt(struct octo_sq_conn *c, const char *sql, octo_error *err);
/* Bind a JSON value (borrowed) to parameter idx; an SQLite result code. */
int octo_sq_bind_value(sqlite3_stmt *st, int idx, json_t *v);

/* The backend's operations (struct octo_store_backend, store.h); p is a
 * struct octo_sq_conn *. store_sqlite_write.c: */
int octo_sq_job_insert(void *p, json_t *row, octo_error *err);
int octo_sq_job_update(void *p, json_t *row, octo_error *err);
int octo_sq_step_insert(void *p, const char *job_id, const struct octo_step_row *r,
                        octo_error *err);
int octo_sq_sched_put(void *p, json_t *row, octo_error *err);
int octo_sq_sched_delete(void *p, const char *id, octo_error *err);
/* store_sqlite_query.c: */
int octo_sq_job_get(void *p, const char *id, json_t **row, octo_error *err);
int octo_sq_job_steps(void *p, const char *id, json_t **rows, octo_error *err);
int octo_sq_job_list(void *p, const struct octo_job_query *q, json_t **rows, octo_error *err);
int octo_sq_job_count(void *p, const struct octo_job_query *q, long *total, octo_error *err);
int octo_sq_job_delete(void *p, const struct octo_job_query *q, long *deleted, octo_error *err);
int octo_sq_prune(void *p, double ended_before, long keep, long batch, json_t *gone, long *deleted,
                  octo_error *err);
int octo_sq_sched_list(void *p, json_t **rows, octo_error *err);

#endif
