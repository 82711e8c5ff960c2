/* store_sqlite_write.c - the SQLite backend's writes: job rows (insert,
 * update by the columns a row has), timeline rows, schedules.
 *
 * Split from store_sqlite.c: building and caching the INSERT and UPDATE
 * statements for the columns a row carries is its own concern. Columns
 * are bound by name from the row's members after a whitelist check
 * (JOB_COLS, SCHED_COLS), so the SQL text is built only from names this
 * file knows. Runs on the writer connection only (store_writer.c).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "step_row.h"
#include "store_sqlite_int.h"

static const char *const JOB_COLS[] = {
    "id",     "flow_path", "source",          "schedule_id", "state",
    "status", "input",     "input_truncated", "result",      "result_truncated",
    "error",  "created",   "started",         "ended",       "timeout",
    "node",   "owner",     "steps_dropped",   NULL};
static const char *const SCHED_COLS[] = {
    "id",     "path",    "cron",        "every_seconds", "timeout",  "overlap",   "missed",
    "paused", "created", "last_job_id", "last_status",   "last_run", "last_fire", NULL};

int octo_sq_bind_value(sqlite3_stmt *st, int idx, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return sqlite3_bind_text(st, idx, json_string_value(v), (int)json_string_length(v),
                                 SQLITE_TRANSIENT);
    case JSON_INTEGER:
        return sqlite3_bind_int64(st, idx, (sqlite3_int64)json_integer_value(v));
    case JSON_REAL:
        return sqlite3_bind_double(st, idx, json_real_value(v));
    case JSON_TRUE:
        return sqlite3_bind_int(st, idx, 1);
    case JSON_FALSE:
        return sqlite3_bind_int(st, idx, 0);
    case JSON_NULL:
        return sqlite3_bind_null(st, idx);
    default: {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc;

        if (text == NULL) {
            return sqlite3_bind_null(st, idx);
        }
        rc = sqlite3_bind_text(st, idx, text, -1, free);
        return rc;
    }
    }
}

/* Bind every ":name" parameter of st from row's members. */
static int bind_row(sqlite3_stmt *st, json_t *row)
{
    int n = sqlite3_bind_parameter_count(st);
    int i;

    for (i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        json_t *v;

        if (name == NULL || name[0] != ':') {
            continue;
        }
        v = json_object_get(row, name + 1);
        if (octo_sq_bind_value(st, i, v != NULL ? v : json_null()) != SQLITE_OK) {
            return -1;
        }
    }
    return 0;
}

/* The prepared INSERT for the columns of cols that row has (mask), with
 * extra_col first when given; NULL with *err. */
static sqlite3_stmt *insert_stmt(struct octo_sq_conn *c, const char *verb, const char *table,
                                 const char *const *cols, uint32_t mask, const char *extra_col,
                                 octo_error *err)
{
    struct octo_buf sql = OCTO_BUF_INIT;
    struct octo_buf vals = OCTO_BUF_INIT;
    sqlite3_stmt *st = NULL;
    unsigned i;
    int n = 0;

    for (i = 0; i < NINSERT; i++) {
        if (c->ins[i].st != NULL && c->ins[i].cols == cols && c->ins[i].mask == mask) {
            return c->ins[i].st;
        }
    }
    octo_buf_printf(&sql, "%s INTO %s (", verb, table);
    if (extra_col != NULL) {
        octo_buf_printf(&sql, "%s", extra_col);
        octo_buf_printf(&vals, ":%s", extra_col);
        n++;
    }
    for (i = 0; cols[i] != NULL; i++) {
        if (mask & (1u << i)) {
            octo_buf_printf(&sql, "%s%s", n > 0 ? ", " : "", cols[i]);
            octo_buf_printf(&vals, "%s:%s", n > 0 ? ", " : "", cols[i]);
            n++;
        }
    }
    octo_buf_printf(&sql, ") VALUES (%s)", octo_buf_cstr(&vals));
    octo_buf_free(&vals);
    if (sqlite3_prepare_v3(c->db, octo_buf_cstr(&sql), -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
        octo_buf_free(&sql);
        octo_sq_fail(c, err, "prepare");
        return NULL;
    }
    octo_buf_free(&sql);
    i = c->ins_next++ % NINSERT;
    sqlite3_finalize(c->ins[i].st);
    c->ins[i].cols = cols;
    c->ins[i].mask = mask;
    c->ins[i].st = st;
    return st;
}

/* INSERT [OR REPLACE] INTO table (cols of row) VALUES (:cols). A column
 * the row lacks keeps the table's default. */
static int insert(struct octo_sq_conn *c, const char *verb, const char *table,
                  const char *const *cols, json_t *row, const char *extra_col,
                  const char *extra_val, octo_error *err)
{
    sqlite3_stmt *st;
    uint32_t mask = 0;
    unsigned i;
    int rc = OCTO_OK;

    for (i = 0; cols[i] != NULL; i++) {
        if (json_object_get(row, cols[i]) != NULL) {
            mask |= 1u << i;
        }
    }
    st = insert_stmt(c, verb, table, cols, mask, extra_col, err);
    if (st == NULL) {
        return OCTO_EIO;
    }
    if (bind_row(st, row) != 0) {
        rc = octo_sq_fail(c, err, "binding a row");
    } else if (extra_col != NULL &&
               sqlite3_bind_text(st, 1, extra_val, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        rc = octo_sq_fail(c, err, "binding a row");
    } else if (sqlite3_step(st) != SQLITE_DONE) {
        rc = octo_sq_fail(c, err, "writing a row");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int octo_sq_job_insert(void *p, json_t *row, octo_error *err)
{
    return insert(p, "INSERT OR REPLACE", "jobs", JOB_COLS, row, NULL, NULL, err);
}

static int bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
    return s != NULL ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, idx);
}

/* A timeline row, bound field by field: no JSON, one prepared statement. */
int octo_sq_step_insert(void *p, const char *job_id, const struct octo_step_row *r, octo_error *err)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO job_steps (job_id, seq, parent, item, depth, idx, name, type, "
        "flow, started, duration_us, outcome, attempt, error, input, output) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = octo_sq_stmt(c, sql, err);
    int running = octo_step_row_running(r);
    int rc = OCTO_OK;

    if (st == NULL) {
        return OCTO_EIO;
    }
    if (sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, r->seq) != SQLITE_OK ||
        (r->parent > 0 ? sqlite3_bind_int64(st, 3, r->parent) : sqlite3_bind_null(st, 3)) !=
            SQLITE_OK ||
        (r->item > 0 ? sqlite3_bind_int64(st, 4, r->item) : sqlite3_bind_null(st, 4)) !=
            SQLITE_OK ||
        sqlite3_bind_int(st, 5, r->depth) != SQLITE_OK ||
        sqlite3_bind_int64(st, 6, r->idx) != SQLITE_OK ||
        bind_text_or_null(st, 7, r->name) != SQLITE_OK ||
        bind_text_or_null(st, 8, r->type) != SQLITE_OK ||
        bind_text_or_null(st, 9, r->flow) != SQLITE_OK ||
        sqlite3_bind_double(st, 10, r->started) != SQLITE_OK ||
        (!running ? sqlite3_bind_int64(st, 11, r->duration_us) : sqlite3_bind_null(st, 11)) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 12, r->outcome, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(st, 13, r->attempt) != SQLITE_OK ||
        bind_text_or_null(st, 14, r->error) != SQLITE_OK ||
        bind_text_or_null(st, 15, r->input) != SQLITE_OK ||
        bind_text_or_null(st, 16, r->output) != SQLITE_OK) {
        rc = octo_sq_fail(c, err, "binding a row");
    } else if (sqlite3_step(st) != SQLITE_DONE) {
        rc = octo_sq_fail(c, err, "writing a row");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int octo_sq_sched_put(void *p, json_t *row, octo_error *err)
{
    return insert(p, "INSERT OR REPLACE", "schedules", SCHED_COLS, row, NULL, NULL, err);
}

/* UPDATE jobs SET (the columns row has) WHERE id: prepared once per set
 * of columns (a job is updated three times: started, finished, ...). */
int octo_sq_job_update(void *p, json_t *row, octo_error *err)
{
    struct octo_sq_conn *c = p;
    uint32_t mask = 0;
    sqlite3_stmt *st = NULL;
    unsigned i;
    int rc = OCTO_OK;

    for (i = 0; JOB_COLS[i] != NULL; i++) {
        if (strcmp(JOB_COLS[i], "id") != 0 && json_object_get(row, JOB_COLS[i]) != NULL) {
            mask |= 1u << i;
        }
    }
    if (mask == 0) {
        return OCTO_OK;
    }
    for (i = 0; i < NINSERT; i++) {
        if (c->upd[i].st != NULL && c->upd[i].mask == mask) {
            st = c->upd[i].st;
            break;
        }
    }
    if (st == NULL) {
        struct octo_buf sql = OCTO_BUF_INIT;
        int n = 0;

        octo_buf_puts(&sql, "UPDATE jobs SET ");
        for (i = 0; JOB_COLS[i] != NULL; i++) {
            if (mask & (1u << i)) {
                octo_buf_printf(&sql, "%s%s = :%s", n++ > 0 ? ", " : "", JOB_COLS[i], JOB_COLS[i]);
            }
        }
        octo_buf_puts(&sql, " WHERE id = :id");
        if (sqlite3_prepare_v3(c->db, octo_buf_cstr(&sql), -1, SQLITE_PREPARE_PERSISTENT, &st,
                               NULL) != SQLITE_OK) {
            octo_buf_free(&sql);
            return octo_sq_fail(c, err, "prepare");
        }
        octo_buf_free(&sql);
        i = c->upd_next++ % NINSERT;
        sqlite3_finalize(c->upd[i].st);
        c->upd[i].mask = mask;
        c->upd[i].st = st;
    }
    if (bind_row(st, row) != 0 || sqlite3_step(st) != SQLITE_DONE) {
        rc = octo_sq_fail(c, err, "updating a job");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}
int octo_sq_sched_delete(void *p, const char *id, octo_error *err)
{
    struct octo_sq_conn *c = p;
    sqlite3_stmt *st = octo_sq_stmt(c, "DELETE FROM schedules WHERE id = ?1", err);
    int rc = OCTO_OK;

    if (st == NULL) {
        return OCTO_EIO;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = octo_sq_fail(c, err, "deleting a schedule");
    }
    sqlite3_reset(st);
    return rc;
}
