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
 * from names this backend knows (store_sqlite_write.c).
 *
 * This file opens connections and owns the schema and its migrations;
 * writing rows is in store_sqlite_write.c, reading, deleting and pruning
 * in store_sqlite_query.c (what they share: store_sqlite_int.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "store.h"
#include "store_sqlite_int.h"
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
    /* 1 -> 2: the timeline as a rowid table. Keyed by (job_id, seq) its
     * rows - the bulk of the file - went to random places of the b-tree
     * (a job id is random), one more page rewritten per launch; now they
     * are appended and only the small key index is random (~15% less of
     * the writer's CPU under launches). */
    "CREATE TABLE job_steps_v2 ("
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
    " PRIMARY KEY (job_id, seq));"
    "INSERT INTO job_steps_v2 (job_id, seq, parent, item, depth, idx, name, type, flow, started,"
    " duration_us, outcome, attempt, error, input, output)"
    " SELECT job_id, seq, parent, item, depth, idx, name, type, flow, started, duration_us,"
    " outcome, attempt, error, input, output FROM job_steps ORDER BY job_id, seq;"
    "DROP TABLE job_steps;"
    "ALTER TABLE job_steps_v2 RENAME TO job_steps;",
};
#define NMIGRATIONS (sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]))

int octo_sq_fail(struct octo_sq_conn *c, octo_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(c->db);

    return octo_error_set(err, OCTO_EIO, NULL, "job store: %s: %s (SQLite %d)", what,
                          sqlite3_errmsg(c->db), code);
}

/* A prepared statement for sql, cached per connection (the texts come
 * from a bounded set: fixed statements and updates over known columns). */
sqlite3_stmt *octo_sq_stmt(struct octo_sq_conn *c, const char *sql, octo_error *err)
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
        octo_sq_fail(c, err, "prepare");
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

static int exec(struct octo_sq_conn *c, const char *sql, octo_error *err)
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

static int schema_version(struct octo_sq_conn *c, int *version, octo_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (exec(c, "CREATE TABLE IF NOT EXISTS octo_schema (version INTEGER NOT NULL)", err) !=
        OCTO_OK) {
        return OCTO_EIO;
    }
    st = octo_sq_stmt(c, "SELECT max(version) FROM octo_schema", err);
    if (st == NULL) {
        return OCTO_EIO;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        return octo_sq_fail(c, err, "reading the schema version");
    }
    *version = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return OCTO_OK;
}

static int migrate(struct octo_sq_conn *c, octo_error *err)
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
    struct octo_sq_conn *c = p;
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
    struct octo_sq_conn *c = octo_xcalloc(1, sizeof(*c));
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
            octo_sq_fail(c, err, "setting WAL mode");
            sqlite3_finalize(st);
            sq_close(c);
            return OCTO_EIO;
        }
        sqlite3_finalize(st);
        /* A checkpoint copies each page once however often the WAL has it:
         * a timeline row and a job id land on random pages of their
         * b-trees, and at the default (1000 pages) every page was copied
         * and synced again after a few hundred launches. 4000 pages: a
         * WAL file of up to 16 MiB, ~15% less of the writer's CPU under
         * launches. */
        if (exec(c, "PRAGMA wal_autocheckpoint=4000", err) != OCTO_OK) {
            sq_close(c);
            return OCTO_EIO;
        }
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
    struct octo_sq_conn *c = p;

    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

const struct octo_store_backend octo_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .job_insert = octo_sq_job_insert,
    .job_update = octo_sq_job_update,
    .step_insert = octo_sq_step_insert,
    .job_get = octo_sq_job_get,
    .job_steps = octo_sq_job_steps,
    .job_list = octo_sq_job_list,
    .job_count = octo_sq_job_count,
    .job_delete = octo_sq_job_delete,
    .prune = octo_sq_prune,
    .sched_put = octo_sq_sched_put,
    .sched_delete = octo_sq_sched_delete,
    .sched_list = octo_sq_sched_list,
};
