/* store_sqlite_query.c - the SQLite backend's reads and deletions: one
 * job, its steps, filtered lists and counts, deletion by query, pruning,
 * the schedules.
 *
 * Split from store_sqlite.c: the WHERE clause built from a job query and
 * the id selections that deletes and pruning share belong together, apart
 * from the statements that write rows.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_sqlite_int.h"

/* One result row as an object of its columns. */
static json_t *row_json(sqlite3_stmt *st)
{
    json_t *o = json_object();
    int n = sqlite3_column_count(st);
    int i;

    for (i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        json_t *v;

        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            v = json_integer((json_int_t)sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(st, i));
            break;
        case SQLITE_TEXT:
            v = json_stringn((const char *)sqlite3_column_text(st, i),
                             (size_t)sqlite3_column_bytes(st, i));
            if (v == NULL) { /* not UTF-8: keep the row readable */
                v = json_string("(invalid UTF-8)");
            }
            break;
        default:
            v = json_null();
            break;
        }
        json_object_set_new(o, name, v);
    }
    return o;
}

static int collect(struct octo_sq_conn *c, sqlite3_stmt *st, json_t **rows, octo_error *err)
{
    int rc;

    *rows = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(*rows, row_json(st));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(*rows);
        *rows = NULL;
        return octo_sq_fail(c, err, "reading");
    }
    return OCTO_OK;
}

int octo_sq_job_get(void *p, const char *id, json_t **row, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = octo_sq_stmt(c, "SELECT * FROM jobs WHERE id = ?1", err);
    json_t *rows = NULL;
    int rc;

    *row = NULL;
    if (st == NULL) {
        return OCTO_EIO;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    rc = collect(c, st, &rows, err);
    if (rc == OCTO_OK && json_array_size(rows) > 0) {
        *row = json_incref(json_array_get(rows, 0));
    }
    json_decref(rows);
    return rc;
}

int octo_sq_job_steps(void *p, const char *id, json_t **rows, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st =
        octo_sq_stmt(c,
                     "SELECT seq, parent, item, depth, idx, name, type, flow, started, "
                     "duration_us, outcome, attempt, error, input, output FROM job_steps "
                     "WHERE job_id = ?1 ORDER BY seq",
                     err);

    *rows = NULL;
    if (st == NULL) {
        return OCTO_EIO;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    return collect(c, st, rows, err);
}

/* WHERE clause for q (parameters numbered from 1; values in *params). */
static void where(const struct octo_job_query *q, struct octo_buf *sql, json_t *params)
{
    const char *sep = " WHERE ";

#define COND(test, text, value)                                                                    \
    do {                                                                                           \
        if (test) {                                                                                \
            json_array_append_new(params, value);                                                  \
            octo_buf_printf(sql, "%s" text, sep, json_array_size(params));                         \
            sep = " AND ";                                                                         \
        }                                                                                          \
    } while (0)
    COND(q->id != NULL, "id = ?%zu", json_string(q->id));
    COND(q->flow != NULL, "flow_path = ?%zu", json_string(q->flow));
    COND(q->state != NULL, "state = ?%zu", json_string(q->state));
    COND(q->status != NULL, "status = ?%zu", json_string(q->status));
    COND(q->source != NULL, "source = ?%zu", json_string(q->source));
    COND(q->started_from > 0, "coalesce(started, created) >= ?%zu", json_real(q->started_from));
    COND(q->started_to > 0, "coalesce(started, created) <= ?%zu", json_real(q->started_to));
    COND(q->ended_from > 0, "ended >= ?%zu", json_real(q->ended_from));
    COND(q->ended_to > 0, "ended <= ?%zu", json_real(q->ended_to));
    COND(q->ended_before > 0, "ended IS NOT NULL AND ended < ?%zu", json_real(q->ended_before));
#undef COND
    if (q->finished_only) {
        octo_buf_printf(sql, "%sstate = 'finished'", sep);
    }
}

static sqlite3_stmt *prepare_query(struct octo_sq_conn *c, const char *head,
                                   const struct octo_job_query *q, int paged, octo_error *err)
{
    struct octo_buf sql = OCTO_BUF_INIT;
    json_t *params = json_array();
    sqlite3_stmt *st;
    size_t i;

    octo_buf_puts(&sql, head);
    where(q, &sql, params);
    if (paged) {
        octo_buf_printf(&sql, " ORDER BY created DESC, rowid DESC LIMIT %ld OFFSET %ld",
                        q->limit > 0 ? q->limit : -1L, q->offset > 0 ? q->offset : 0L);
    }
    /* Filtered queries are many shapes: prepare them afresh (cheap next to
     * their scan) instead of churning the statement cache. */
    if (sqlite3_prepare_v2(c->db, octo_buf_cstr(&sql), -1, &st, NULL) != SQLITE_OK) {
        octo_sq_fail(c, err, "preparing a query");
        octo_buf_free(&sql);
        json_decref(params);
        return NULL;
    }
    octo_buf_free(&sql);
    for (i = 0; i < json_array_size(params); i++) {
        octo_sq_bind_value(st, (int)i + 1, json_array_get(params, i));
    }
    json_decref(params);
    return st;
}

int octo_sq_job_list(void *p, const struct octo_job_query *q, json_t **rows, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = prepare_query(c,
                                     "SELECT id, flow_path, source, schedule_id, state, status, "
                                     "error, created, started, ended, timeout, node, "
                                     "input_truncated, result_truncated, steps_dropped FROM jobs",
                                     q, 1, err);
    int rc;

    *rows = NULL;
    if (st == NULL) {
        return OCTO_EIO;
    }
    rc = collect(c, st, rows, err);
    sqlite3_finalize(st);
    return rc;
}

int octo_sq_job_count(void *p, const struct octo_job_query *q, long *total, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = prepare_query(c, "SELECT count(*) FROM jobs", q, 0, err);
    int rc = OCTO_OK;

    *total = 0;
    if (st == NULL) {
        return OCTO_EIO;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        *total = (long)sqlite3_column_int64(st, 0);
    } else {
        rc = octo_sq_fail(c, err, "counting jobs");
    }
    sqlite3_finalize(st);
    return rc;
}

static int delete_ids(struct octo_sq_conn *c, json_t *ids, octo_error *err)
{
    sqlite3_stmt *ds = octo_sq_stmt(c, "DELETE FROM job_steps WHERE job_id = ?1", err);
    size_t i;
    json_t *id;

    if (ds == NULL) {
        return OCTO_EIO;
    }
    json_array_foreach(ids, i, id)
    {
        sqlite3_reset(ds);
        sqlite3_bind_text(ds, 1, json_string_value(id), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ds) != SQLITE_DONE) {
            sqlite3_reset(ds);
            return octo_sq_fail(c, err, "deleting steps");
        }
    }
    sqlite3_reset(ds);
    ds = octo_sq_stmt(c, "DELETE FROM jobs WHERE id = ?1", err);
    if (ds == NULL) {
        return OCTO_EIO;
    }
    json_array_foreach(ids, i, id)
    {
        sqlite3_reset(ds);
        sqlite3_bind_text(ds, 1, json_string_value(id), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ds) != SQLITE_DONE) {
            sqlite3_reset(ds);
            return octo_sq_fail(c, err, "deleting jobs");
        }
    }
    sqlite3_reset(ds);
    return OCTO_OK;
}

/* Ids of the jobs a query selects (column 0 of st). */
static int ids_of(struct octo_sq_conn *c, sqlite3_stmt *st, json_t **ids, octo_error *err)
{
    int rc;

    *ids = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(*ids, json_string((const char *)sqlite3_column_text(st, 0)));
    }
    if (rc != SQLITE_DONE) {
        json_decref(*ids);
        *ids = NULL;
        return octo_sq_fail(c, err, "selecting jobs");
    }
    return OCTO_OK;
}

int octo_sq_job_delete(void *p, const struct octo_job_query *q, long *deleted, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = prepare_query(c, "SELECT id FROM jobs", q, 0, err);
    json_t *ids = NULL;
    int rc;

    *deleted = 0;
    if (st == NULL) {
        return OCTO_EIO;
    }
    rc = ids_of(c, st, &ids, err);
    sqlite3_finalize(st);
    if (rc == OCTO_OK) {
        rc = delete_ids(c, ids, err);
        if (rc == OCTO_OK) {
            *deleted = (long)json_array_size(ids);
        }
    }
    json_decref(ids);
    return rc;
}

int octo_sq_prune(void *p, double ended_before, long keep, long batch, json_t *gone, long *deleted,
                  octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st;
    json_t *ids = NULL;
    long total = 0;
    int rc;

    *deleted = 0;
    st = octo_sq_stmt(
        c,
        "SELECT id FROM jobs WHERE state = 'finished' AND ended IS NOT NULL AND ended < ?1 "
        "ORDER BY ended LIMIT ?2",
        err);
    if (st == NULL) {
        return OCTO_EIO;
    }
    sqlite3_bind_double(st, 1, ended_before);
    sqlite3_bind_int64(st, 2, batch);
    rc = ids_of(c, st, &ids, err);
    sqlite3_reset(st);
    if (rc == OCTO_OK && json_array_size(ids) == 0 && keep > 0) {
        st = octo_sq_stmt(c, "SELECT count(*) FROM jobs", err);
        if (st == NULL) {
            json_decref(ids);
            return OCTO_EIO;
        }
        if (sqlite3_step(st) == SQLITE_ROW) {
            total = (long)sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
        if (total > keep) {
            long n = total - keep < batch ? total - keep : batch;

            json_decref(ids);
            ids = NULL;
            st = octo_sq_stmt(
                c, "SELECT id FROM jobs WHERE state = 'finished' ORDER BY created LIMIT ?1", err);
            if (st == NULL) {
                return OCTO_EIO;
            }
            sqlite3_bind_int64(st, 1, n);
            rc = ids_of(c, st, &ids, err);
            sqlite3_reset(st);
        }
    }
    if (rc == OCTO_OK && ids != NULL && json_array_size(ids) > 0) {
        rc = delete_ids(c, ids, err);
        if (rc == OCTO_OK) {
            *deleted = (long)json_array_size(ids);
            json_array_extend(gone, ids);
        }
    }
    json_decref(ids);
    return rc;
}

int octo_sq_sched_list(void *p, json_t **rows, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = octo_sq_stmt(c, "SELECT * FROM schedules ORDER BY created", err);

    *rows = NULL;
    if (st == NULL) {
        return OCTO_EIO;
    }
    return collect(c, st, rows, err);
}
