/* store_sqlite.c - the embedded job store backend (SQLite 3, WAL).
 *
 * One file (JOBS_DB) in WAL mode with synchronous=NORMAL: a commit
 * appends to the WAL without an fsync, so a power cut can lose the last
 * group commit but never corrupts the file - the trade the job store
 * wants (a run is never slowed down by its record). Readers and the one
 * writer work at the same time. The schema carries a version; each
 * migration below runs once, in order, in its own transaction, so a
 * newer Octoflow opens an older file and never the reverse silently.
 *
 * Rows are JSON objects (store.h). Columns are bound by name from the
 * row's members after a whitelist check, so the SQL text is built only
 * from names this file knows.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "step_row.h"
#include "store.h"
#include "xalloc.h"

/* Forward migrations: MIGRATIONS[i] brings the schema from version i to
 * i + 1. Append only. */
static const char *const MIGRATIONS[] = {
    /* 0 -> 1 */
    "CREATE TABLE jobs ("
    " id TEXT PRIMARY KEY,"
    " flow_path TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " schedule_id TEXT,"
    " state TEXT NOT NULL,"
    " status TEXT,"
    " input TEXT,"
    " input_truncated INTEGER NOT NULL DEFAULT 0,"
    " result TEXT,"
    " result_truncated INTEGER NOT NULL DEFAULT 0,"
    " error TEXT,"
    " created REAL NOT NULL,"
    " started REAL,"
    " ended REAL,"
    " timeout REAL,"
    " node TEXT,"
    " owner TEXT,"
    " steps_dropped INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_created ON jobs(created);"
    "CREATE INDEX jobs_flow ON jobs(flow_path, created);"
    "CREATE INDEX jobs_state ON jobs(state, created);"
    "CREATE TABLE job_steps ("
    " job_id TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " parent INTEGER,"
    " item INTEGER,"
    " depth INTEGER NOT NULL DEFAULT 0,"
    " idx INTEGER,"
    " name TEXT,"
    " type TEXT,"
    " flow TEXT,"
    " started REAL,"
    " duration_us INTEGER,"
    " outcome TEXT,"
    " attempt INTEGER,"
    " error TEXT,"
    " input TEXT,"
    " output TEXT,"
    " PRIMARY KEY (job_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE schedules ("
    " id TEXT PRIMARY KEY,"
    " path TEXT NOT NULL,"
    " cron TEXT,"
    " every_seconds INTEGER,"
    " timeout REAL,"
    " overlap TEXT NOT NULL DEFAULT 'skip',"
    " missed TEXT NOT NULL DEFAULT 'none',"
    " paused INTEGER NOT NULL DEFAULT 0,"
    " created REAL NOT NULL,"
    " last_job_id TEXT,"
    " last_status TEXT,"
    " last_run REAL,"
    " last_fire REAL);",
};
#define NMIGRATIONS (sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]))

static const char *const JOB_COLS[] = {
    "id",     "flow_path", "source",          "schedule_id", "state",
    "status", "input",     "input_truncated", "result",      "result_truncated",
    "error",  "created",   "started",         "ended",       "timeout",
    "node",   "owner",     "steps_dropped",   NULL};
static const char *const SCHED_COLS[] = {
    "id",     "path",    "cron",        "every_seconds", "timeout",  "overlap",   "missed",
    "paused", "created", "last_job_id", "last_status",   "last_run", "last_fire", NULL};

#define NCACHE  12
#define NINSERT 8

struct conn {
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

static int fail(struct conn *c, octo_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(c->db);

    return octo_error_set(err, OCTO_EIO, NULL, "job store: %s: %s (SQLite %d)", what,
                          sqlite3_errmsg(c->db), code);
}

/* A prepared statement for sql, cached per connection (the texts come
 * from a bounded set: fixed statements and updates over known columns). */
static sqlite3_stmt *stmt(struct conn *c, const char *sql, octo_error *err)
{
    unsigned i;
    sqlite3_stmt *st = NULL;

    for (i = 0; i < NCACHE; i++) {
        if (c->cache[i].sql != NULL && strcmp(c->cache[i].sql, sql) == 0) {
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            return c->cache[i].st;
        }
    }
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fail(c, err, "prepare");
        return NULL;
    }
    i = c->next++ % NCACHE;
    if (c->cache[i].st != NULL) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    c->cache[i].sql = octo_xstrdup(sql);
    c->cache[i].st = st;
    return st;
}

static int bind_value(sqlite3_stmt *st, int idx, json_t *v)
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
        if (bind_value(st, i, v != NULL ? v : json_null()) != SQLITE_OK) {
            return -1;
        }
    }
    return 0;
}

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

static int exec(struct conn *c, const char *sql, octo_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        octo_error_set(err, OCTO_EIO, NULL, "job store: %s (SQLite %d)",
                       msg != NULL ? msg : sqlite3_errmsg(c->db), sqlite3_extended_errcode(c->db));
        sqlite3_free(msg);
        return OCTO_EIO;
    }
    return OCTO_OK;
}

static int schema_version(struct conn *c, int *version, octo_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (exec(c, "CREATE TABLE IF NOT EXISTS octo_schema (version INTEGER NOT NULL)", err) !=
        OCTO_OK) {
        return OCTO_EIO;
    }
    st = stmt(c, "SELECT max(version) FROM octo_schema", err);
    if (st == NULL) {
        return OCTO_EIO;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        return fail(c, err, "reading the schema version");
    }
    *version = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return OCTO_OK;
}

static int migrate(struct conn *c, octo_error *err)
{
    int version = 0;
    char sql[96];

    if (schema_version(c, &version, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    if (version > (int)NMIGRATIONS) {
        return octo_error_set(err, OCTO_EIO, NULL,
                              "job store: the file has schema version %d, newer than this "
                              "Octoflow knows (%d): refusing to write to it",
                              version, (int)NMIGRATIONS);
    }
    for (; version < (int)NMIGRATIONS; version++) {
        if (exec(c, "BEGIN IMMEDIATE", err) != OCTO_OK) {
            return OCTO_EIO;
        }
        snprintf(sql, sizeof(sql), "INSERT INTO octo_schema(version) VALUES (%d)", version + 1);
        if (exec(c, MIGRATIONS[version], err) != OCTO_OK || exec(c, sql, err) != OCTO_OK) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            octo_error_prefix(err, "migrating the schema to version %d", version + 1);
            return OCTO_EIO;
        }
        if (exec(c, "COMMIT", err) != OCTO_OK) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return OCTO_EIO;
        }
    }
    return OCTO_OK;
}

static void sq_close(void *p)
{
    struct conn *c = p;
    unsigned i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < NCACHE; i++) {
        if (c->cache[i].st != NULL) {
            sqlite3_finalize(c->cache[i].st);
            free(c->cache[i].sql);
        }
    }
    for (i = 0; i < NINSERT; i++) {
        sqlite3_finalize(c->ins[i].st);
        sqlite3_finalize(c->upd[i].st);
    }
    sqlite3_close(c->db);
    free(c);
}

static int sq_open(const char *target, int writer, void **out, octo_error *err)
{
    struct conn *c = octo_xcalloc(1, sizeof(*c));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    int rc;

    *out = NULL;
    if (writer) {
        flags |= SQLITE_OPEN_CREATE;
    }
    rc = sqlite3_open_v2(target, &c->db, flags, NULL);
    if (rc != SQLITE_OK && !writer) {
        sqlite3_close(c->db);
        c->db = NULL;
        rc = sqlite3_open_v2(target, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    }
    if (rc != SQLITE_OK) {
        octo_error_set(err, OCTO_EIO, NULL, "job store: cannot open the database: %s",
                       c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sq_close(c);
        return OCTO_EIO;
    }
    sqlite3_extended_result_codes(c->db, 1);
    /* A reader waits for a writer's checkpoint; the writer waits for
     * another process (an `octoflow run` beside the service) briefly,
     * then the batch is dropped and counted (degraded, never blocked). */
    sqlite3_busy_timeout(c->db, writer ? 1500 : 3000);
    if (exec(c, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY", err) != OCTO_OK) {
        sq_close(c);
        return OCTO_EIO;
    }
    if (writer) {
        sqlite3_stmt *st = NULL;

        /* journal_mode answers with a row: read it, it says whether WAL
         * took (a read-only file stays in its mode and fails below). */
        if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            fail(c, err, "setting WAL mode");
            sqlite3_finalize(st);
            sq_close(c);
            return OCTO_EIO;
        }
        sqlite3_finalize(st);
        if (migrate(c, err) != OCTO_OK) {
            sq_close(c);
            return OCTO_EIO;
        }
    }
    *out = c;
    return OCTO_OK;
}

static int sq_begin(void *p, octo_error *err)
{
    return exec(p, "BEGIN IMMEDIATE", err);
}

static int sq_commit(void *p, octo_error *err)
{
    return exec(p, "COMMIT", err);
}

static void sq_rollback(void *p)
{
    struct conn *c = p;

    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* The prepared INSERT for the columns of cols that row has (mask), with
 * extra_col first when given; NULL with *err. */
static sqlite3_stmt *insert_stmt(struct conn *c, const char *verb, const char *table,
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
        fail(c, err, "prepare");
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
static int insert(struct conn *c, const char *verb, const char *table, const char *const *cols,
                  json_t *row, const char *extra_col, const char *extra_val, octo_error *err)
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
        rc = fail(c, err, "binding a row");
    } else if (extra_col != NULL &&
               sqlite3_bind_text(st, 1, extra_val, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        rc = fail(c, err, "binding a row");
    } else if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(c, err, "writing a row");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int sq_job_insert(void *p, json_t *row, octo_error *err)
{
    return insert(p, "INSERT OR REPLACE", "jobs", JOB_COLS, row, NULL, NULL, err);
}

static int bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
    return s != NULL ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, idx);
}

/* A timeline row, bound field by field: no JSON, one prepared statement. */
static int sq_step_insert(void *p, const char *job_id, const struct octo_step_row *r,
                          octo_error *err)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO job_steps (job_id, seq, parent, item, depth, idx, name, type, "
        "flow, started, duration_us, outcome, attempt, error, input, output) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
    struct conn *c = p;
    sqlite3_stmt *st = stmt(c, sql, err);
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
        rc = fail(c, err, "binding a row");
    } else if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(c, err, "writing a row");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int sq_sched_put(void *p, json_t *row, octo_error *err)
{
    return insert(p, "INSERT OR REPLACE", "schedules", SCHED_COLS, row, NULL, NULL, err);
}

/* UPDATE jobs SET (the columns row has) WHERE id: prepared once per set
 * of columns (a job is updated three times: started, finished, ...). */
static int sq_job_update(void *p, json_t *row, octo_error *err)
{
    struct conn *c = p;
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
            return fail(c, err, "prepare");
        }
        octo_buf_free(&sql);
        i = c->upd_next++ % NINSERT;
        sqlite3_finalize(c->upd[i].st);
        c->upd[i].mask = mask;
        c->upd[i].st = st;
    }
    if (bind_row(st, row) != 0 || sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(c, err, "updating a job");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int collect(struct conn *c, sqlite3_stmt *st, json_t **rows, octo_error *err)
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
        return fail(c, err, "reading");
    }
    return OCTO_OK;
}

static int sq_job_get(void *p, const char *id, json_t **row, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st = stmt(c, "SELECT * FROM jobs WHERE id = ?1", err);
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

static int sq_job_steps(void *p, const char *id, json_t **rows, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st = stmt(c,
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

static sqlite3_stmt *prepare_query(struct conn *c, const char *head, const struct octo_job_query *q,
                                   int paged, octo_error *err)
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
        fail(c, err, "preparing a query");
        octo_buf_free(&sql);
        json_decref(params);
        return NULL;
    }
    octo_buf_free(&sql);
    for (i = 0; i < json_array_size(params); i++) {
        bind_value(st, (int)i + 1, json_array_get(params, i));
    }
    json_decref(params);
    return st;
}

static int sq_job_list(void *p, const struct octo_job_query *q, json_t **rows, octo_error *err)
{
    struct conn *c = p;
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

static int sq_job_count(void *p, const struct octo_job_query *q, long *total, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st = prepare_query(c, "SELECT count(*) FROM jobs", q, 0, err);
    int rc = OCTO_OK;

    *total = 0;
    if (st == NULL) {
        return OCTO_EIO;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        *total = (long)sqlite3_column_int64(st, 0);
    } else {
        rc = fail(c, err, "counting jobs");
    }
    sqlite3_finalize(st);
    return rc;
}

static int delete_ids(struct conn *c, json_t *ids, octo_error *err)
{
    sqlite3_stmt *ds = stmt(c, "DELETE FROM job_steps WHERE job_id = ?1", err);
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
            return fail(c, err, "deleting steps");
        }
    }
    sqlite3_reset(ds);
    ds = stmt(c, "DELETE FROM jobs WHERE id = ?1", err);
    if (ds == NULL) {
        return OCTO_EIO;
    }
    json_array_foreach(ids, i, id)
    {
        sqlite3_reset(ds);
        sqlite3_bind_text(ds, 1, json_string_value(id), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ds) != SQLITE_DONE) {
            sqlite3_reset(ds);
            return fail(c, err, "deleting jobs");
        }
    }
    sqlite3_reset(ds);
    return OCTO_OK;
}

/* Ids of the jobs a query selects (column 0 of st). */
static int ids_of(struct conn *c, sqlite3_stmt *st, json_t **ids, octo_error *err)
{
    int rc;

    *ids = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(*ids, json_string((const char *)sqlite3_column_text(st, 0)));
    }
    if (rc != SQLITE_DONE) {
        json_decref(*ids);
        *ids = NULL;
        return fail(c, err, "selecting jobs");
    }
    return OCTO_OK;
}

static int sq_job_delete(void *p, const struct octo_job_query *q, long *deleted, octo_error *err)
{
    struct conn *c = p;
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

static int sq_prune(void *p, double ended_before, long keep, long batch, json_t *gone,
                    long *deleted, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st;
    json_t *ids = NULL;
    long total = 0;
    int rc;

    *deleted = 0;
    st = stmt(c,
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
        st = stmt(c, "SELECT count(*) FROM jobs", err);
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
            st = stmt(c, "SELECT id FROM jobs WHERE state = 'finished' ORDER BY created LIMIT ?1",
                      err);
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

static int sq_sched_delete(void *p, const char *id, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st = stmt(c, "DELETE FROM schedules WHERE id = ?1", err);
    int rc = OCTO_OK;

    if (st == NULL) {
        return OCTO_EIO;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(c, err, "deleting a schedule");
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_sched_list(void *p, json_t **rows, octo_error *err)
{
    struct conn *c = p;
    sqlite3_stmt *st = stmt(c, "SELECT * FROM schedules ORDER BY created", err);

    *rows = NULL;
    if (st == NULL) {
        return OCTO_EIO;
    }
    return collect(c, st, rows, err);
}

const struct octo_store_backend octo_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .job_insert = sq_job_insert,
    .job_update = sq_job_update,
    .step_insert = sq_step_insert,
    .job_get = sq_job_get,
    .job_steps = sq_job_steps,
    .job_list = sq_job_list,
    .job_count = sq_job_count,
    .job_delete = sq_job_delete,
    .prune = sq_prune,
    .sched_put = sq_sched_put,
    .sched_delete = sq_sched_delete,
    .sched_list = sq_sched_list,
};
