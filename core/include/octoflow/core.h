/* octoflow/core.h - the core's front door: everything the executable
 * (server/: CLI, REST API, dashboard) uses of the engine, and nothing
 * more. The core's modules and their headers stay private (CMake does not
 * even put them on the executable's include path).
 *
 * Ownership words as in jansson and the SDK: "new" is the caller's to
 * release (json_decref, free, octo_job_unref), "borrowed" is not.
 * Everything here is thread-safe after octo_core_init unless it says
 * otherwise.
 */
#ifndef OCTOFLOW_CORE_H
#define OCTOFLOW_CORE_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>
#include <octoflow/octo_step.h>

/* ------------------------------------------------------------------ *
 * Memory: the out-of-memory policy (core/xalloc.h)
 * ------------------------------------------------------------------ */

/* Allocation that cannot fail: out of heap prints one line to stderr and
 * aborts. jansson allocates through octo_xmalloc from octo_core_init on,
 * so json_* constructors never return NULL for lack of memory. Sizes a
 * client or a file chooses are checked against a limit first and refused
 * with an error (413, "file too large"), never passed here unchecked. */
void *octo_xmalloc(size_t n);
void *octo_xcalloc(size_t n, size_t size);
void *octo_xrealloc(void *p, size_t n);
char *octo_xstrdup(const char *s);
char *octo_xstrndup(const char *s, size_t n);

/* ------------------------------------------------------------------ *
 * Start-up and shut-down
 * ------------------------------------------------------------------ */

enum octo_role {
    OCTO_ROLE_TOOL = 0, /* validate, plugins, render, jobs: read-only store */
    OCTO_ROLE_CLI,      /* `octoflow run`: runs in this process, records its job */
    OCTO_ROLE_SERVICE,  /* `octoflow serve`: job store, workers, scheduler */
    OCTO_ROLE_ZYGOTE    /* the worker zygote (internal) */
};

struct octo_core_opts {
    int role;             /* enum octo_role */
    const char *exe_path; /* this executable (the service starts workers from it) */
    const char *exe_dir;  /* its directory (plugin search) */
    int log_level;        /* 0: LOG_LEVEL from the environment */
    int log_to_file;      /* open LOG_PATH/LOG_FILE_NAME */
    int load_plugins;
    int open_store; /* TOOL role: open the job store read-only */
};

/* Initialise the core: configuration, log, time zone, library inits,
 * plugins, the job store, executors. Returns OCTO_OK or fills err (bad
 * environment, unreadable config.yml, unknown TIMEZONE...). Call once,
 * before threads. A store that cannot be opened does not fail it (the
 * service runs degraded; octo_health says why). */
int octo_core_init(const struct octo_core_opts *opts, octo_error *err);
/* The service: start the scheduler with the stored schedules and those
 * of config.yml (once the configuration was accepted: a refused start
 * runs nothing). */
int octo_core_start_schedules(void);
/* Stop everything octo_core_init started (workers, store writer...). */
void octo_core_shutdown(void);
/* The version of this Octoflow ("0.2.0"). */
const char *octo_version(void);
/* The worker zygote's main (`octoflow __zygote`): never returns. */
int octo_core_zygote_main(const char *exe_dir) __attribute__((noreturn));

/* Fill err: code, field (may be NULL), a printf message with known
 * secrets redacted. Returns code. */
int octo_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------ *
 * Configuration: read once at start-up, immutable afterwards
 * ------------------------------------------------------------------ */

/* API_TOKEN may be this many bytes long at most: it must fit, with
 * "Authorization: Bearer ", in civetweb's 16 KiB request head. A longer
 * value is refused at start (it used to be cut silently at 511 bytes). */
#define OCTO_API_TOKEN_MAX 4096

struct octo_config {
    char data_path[PATH_MAX];
    char lock_path[PATH_MAX];
    char log_path[PATH_MAX];
    char log_file_name[256];
    char flows_path[PATH_MAX];
    char templates_path[PATH_MAX];
    char secrets_path[PATH_MAX];
    char config_file[PATH_MAX];
    char plugins_path[4 * PATH_MAX]; /* PLUGINS_PATH as given ("" if unset) */
    int log_level;                   /* OCTO_LOG_* */

    /* API (server) */
    int api_port;
    char api_protocol[32]; /* "http", "https", "http,https" */
    char api_token[OCTO_API_TOKEN_MAX + 1];
    int api_token_is_default;
    char api_host[256]; /* "" : decided by the server */
    int api_https_port; /* second port when both protocols (default port+1) */
    char api_tls_cert[PATH_MAX];
    char api_tls_key[PATH_MAX];
    char api_cors_origins[1024];
    long api_max_body; /* bytes */
    int api_threads;
    int api_client_connections; /* API_CLIENT_CONNECTIONS: per client address */

    /* runs */
    int flow_timeout;     /* seconds, scheduled runs (FLOW_TIMEOUT) */
    int flow_max_workers; /* FLOW_MAX_WORKERS */
    int max_depth;        /* sub-flow depth limit */
    int shutdown_grace;   /* seconds */
    char timezone[128];   /* TIMEZONE ("" = system) */

    /* secrets and REST */
    char vault_token[1024];
    int vault_cache_ttl;
    char connect_to[2048];  /* OCTO_CONNECT_TO */
    char ca_file[PATH_MAX]; /* OCTO_CA_FILE */
    int tls_verify;         /* OCTO_TLS_VERIFY (default 1) */

    /* jobs, workers and limits */
    char jobs_db[PATH_MAX];   /* JOBS_DB (DATA_PATH/octoflow.db) */
    long jobs_max_data_bytes; /* JOBS_MAX_DATA_BYTES (1 MiB) */
    int jobs_retention_days;  /* JOBS_RETENTION_DAYS (30; 0: keep) */
    long jobs_max;            /* JOBS_MAX (100000; 0: no bound) */
    long jobs_queue_max; /* JOBS_QUEUE_MAX (20000): store writes waiting before launches get 503 */
    int jobs_prune_interval;    /* JOBS_PRUNE_INTERVAL seconds (3600) */
    char node_name[256];        /* NODE_NAME (the host name) */
    int kill_grace;             /* KILL_GRACE_SECONDS (5) */
    int worker_max_memory_mb;   /* WORKER_MAX_MEMORY_MB (1024; 0: none) */
    int worker_max_cpu_seconds; /* WORKER_MAX_CPU_SECONDS (0: none) */
    int worker_max_jobs;        /* WORKER_MAX_JOBS: replace after N jobs (0: never) */
    int worker_sandbox;         /* WORKER_SANDBOX (1: Landlock + read-only protected files) */
    int isolation;              /* FLOW_ISOLATION: OCTO_ISOLATION_* */
    long max_subruns;           /* MAX_SUBRUNS_PER_RUN (100000) */
    long max_steps;             /* MAX_STEPS_PER_RUN (10000) */
    int template_strict;        /* TEMPLATE_UNDEFINED=strict (default warn) */

    json_t *file; /* config.yml content (object; owned) */
};

enum { OCTO_ISOLATION_PROCESS = 0, OCTO_ISOLATION_THREAD = 1 };

/* The process-wide configuration (borrowed, read-only; NULL before
 * octo_core_init). */
const struct octo_config *octo_config(void);

/* ------------------------------------------------------------------ *
 * The log (the original's format; secrets redacted)
 * ------------------------------------------------------------------ */

void octo_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int octo_log_enabled(int level);
void octo_log_set_level(int level);
void octo_log_set_stderr(int on);
/* Lines above this level (OCTO_LOG_*) go to the log file but not to
 * stderr (`octoflow run` keeps INFO off the terminal it summarises on). */
void octo_log_set_stderr_level(int level);
/* Async-signal-safe: reopen the file before the next line (SIGHUP). */
void octo_log_request_reopen(void);
/* Return once every line logged before the call is written (the
 * service's writer thread may hold lines for a few milliseconds). */
void octo_log_flush(void);
/* Absolute path of the log file, or NULL. */
const char *octo_log_file(void);
/* The last n lines of the log file, each with its newline (new array),
 * or NULL when there is no log file. */
json_t *octo_log_tail(long n);

/* ------------------------------------------------------------------ *
 * JSON text and redaction
 * ------------------------------------------------------------------ */

/* value (borrowed) as Python's json.dumps writes it (OCTO_JSON_* flags).
 * *out new (free). Returns 0, or -1 when it nests deeper than
 * OCTO_JSON_MAX_DEPTH. */
#define OCTO_JSON_MAX_DEPTH 1000
int octo_json_text(json_t *value, unsigned flags, char **out, size_t *len);
/* A copy of v with every known secret value replaced by "***" (new; v
 * itself with a reference when nothing was secret). */
json_t *octo_redact_json(json_t *v);
/* Treat value as a secret from now on (the API token). Returns 0. */
int octo_redact_add(const char *value);

/* ------------------------------------------------------------------ *
 * Time
 * ------------------------------------------------------------------ */

/* Epoch seconds, microsecond precision. */
double octo_now(void);
/* A time given by a user: epoch seconds, or ISO 8601 (without an offset:
 * wall time in TIMEZONE). 0 and *out, or -1. */
int octo_time_parse(const char *s, double *out);
/* ISO 8601 in TIMEZONE, microseconds when not zero. */
void octo_timestamp_iso_us(double t, char *out, size_t cap);

/* ------------------------------------------------------------------ *
 * Flows, plugins, templates
 * ------------------------------------------------------------------ */

#define OCTO_FLOW_STRICT (1u << 0) /* unknown keys are errors */

/* Check that rel names a path under FLOWS_PATH (no escape). */
int octo_flow_path_check(const char *rel, octo_error *err);
/* Validate a flow: FLOW under FLOWS_PATH first, then as a file path.
 * *report (new): {"path", "valid", "errors": [...], "warnings": [...],
 * "steps": [{"name", "type", "line"}], "cron", "every_seconds"}.
 * Returns OCTO_OK when it was checked (valid or not), OCTO_ENOENT when
 * there is no such file. */
int octo_flow_check(const char *flow, unsigned flags, json_t **report, octo_error *err);
/* Every *.yml / *.yaml under FLOWS_PATH, sorted (new array of paths). */
json_t *octo_flow_files(void);
/* Every flow under FLOWS_PATH as the dashboard lists it (new):
 * [{"path", "valid", "errors", "warnings", "name", "steps", "cron",
 *   "every_seconds", "schedule", "check"}], errors and warnings reading
 * "file:line: where: what". The service checks flows shallow (YAML, keys,
 * option schemas, templates: it never runs jq or plugin code); check is
 * "full" once a worker has also compiled the flow (full != 0 asks the
 * workers for every flow not yet checked: slower the first time), else
 * "shallow". schedule is the flow's schedule (octo_sched_list) or null. */
json_t *octo_flows_report(int full);
/* The plugins, their step types and option schemas, and the refused
 * ones with the reason (new). */
json_t *octo_plugins_json(void);
size_t octo_plugins_count(void);
/* Every file under TEMPLATES_PATH, sorted (new array of relative paths). */
json_t *octo_template_files(void);
/* `octoflow render`: TEMPLATE under TEMPLATES_PATH first (as the jinja
 * step finds it), then as a file path; data_file (or NULL) holds the
 * context, a JSON object. Writes the output to stdout, errors to stderr;
 * returns the exit status. Needs no octo_core_init. */
int octo_render_template(const char *tpl, const char *data_file);

/* `octoflow run --dry-run`: validate FLOW (as a run does), then walk its
 * steps without running any: `when` evaluated and templated options
 * rendered with the flow data as it is before the first step. *plan
 * (new): {"flow", "valid", "errors", "warnings", "steps": [{"name",
 * "type", "line", "would": "run"|"skip"|"fail", "why", "options"
 * (rendered, redacted)}]}. OCTO_ENOENT when there is no such flow. */
int octo_flow_dry_run(const char *flow, json_t *input, json_t **plan, octo_error *err);

/* A JSON Schema (draft 2020-12) for flow files, from the loaded plugins'
 * option schemas (new). */
json_t *octo_flow_json_schema(void);

/* The closest of candidates (NULL-terminated) to word within a small
 * edit distance, or NULL: the did-you-mean of every lookup. */
const char *octo_suggest(const char *word, const char *const *candidates);

/* ------------------------------------------------------------------ *
 * Launching flows: jobs
 * ------------------------------------------------------------------ */

struct octo_job; /* one launch of a flow; reference counted */
struct octo_job_sub;

enum octo_launch_rc {
    OCTO_LAUNCHED = 0,
    OCTO_LAUNCH_NOT_FOUND,   /* no such flow file */
    OCTO_LAUNCH_INVALID,     /* the flow does not validate (err: the first error) */
    OCTO_LAUNCH_BUSY,        /* the flow is already running */
    OCTO_LAUNCH_UNAVAILABLE, /* the service is shutting down */
    OCTO_LAUNCH_ERROR        /* anything else (err says) */
};

/* How a finished job ended. */
enum octo_run_status {
    OCTO_RUN_SUCCESS = 0,
    OCTO_RUN_FAILED,
    OCTO_RUN_CANCELLED,
    OCTO_RUN_TIMEOUT,
    OCTO_RUN_EXIT
};
/* "success", "failed", "cancelled", "timeout", "exit" */
const char *octo_run_status_name(int status);

struct octo_launch_req {
    const char *flow;        /* relative to FLOWS_PATH */
    int cli_arg;             /* FLOWS_PATH first, then a file path (the CLI) */
    json_t *input;           /* borrowed; NULL is JSON null */
    double timeout;          /* seconds; 0: none (callers validate first) */
    const char *source;      /* "api", "schedule", "cli" */
    const char *schedule_id; /* or NULL */
    int inline_run;          /* run on the calling thread; return when finished */
    json_t *diags;           /* may be NULL: an object receiving "errors" and
                                "warnings" arrays of the flow's validation */
    void (*on_finish)(struct octo_job *j, void *ud); /* called once, any thread */
    void *ud;
};

/* The front door of every run: resolve and validate the flow, take its
 * lock, record the job, hand it to this process's executor. On
 * OCTO_LAUNCHED *out is a new reference. */
int octo_launch(const struct octo_launch_req *req, struct octo_job **out, octo_error *err);
/* Refuse launches from now on (shutdown). */
void octo_launch_close(void);

/* The longest timeout or interval a user may give: 365 days. */
#define OCTO_SECONDS_MAX 31536000
/* A finite number of seconds > 0 and <= OCTO_SECONDS_MAX: the rule for
 * every timeout a user gives. NULL / JSON null: *out = 0 (none). */
int octo_seconds_check(json_t *v, const char *field, double *out, octo_error *err);

struct octo_job *octo_job_ref(struct octo_job *j);
void octo_job_unref(struct octo_job *j);
const char *octo_job_id(const struct octo_job *j);
/* The unfinished or recently finished job with that id (new), or NULL. */
struct octo_job *octo_job_find(const char *id);
/* The unfinished job of this process holding a flow's lock (new), or NULL. */
struct octo_job *octo_job_find_by_lock(const char *lock_name);
/* Wait until finished or seconds pass (< 0: forever); 1 when finished. */
int octo_job_wait(struct octo_job *j, double seconds);
/* Cancel: a queued job never starts, a running one stops (hard after
 * KILL_GRACE_SECONDS). 0, or -1 when it had already finished. */
int octo_job_cancel(struct octo_job *j);
/* A finished job's outcome. status: enum octo_run_status. message and
 * step may be NULL. *data borrowed (the final flow data, redacted) or
 * NULL. Returns 0, or -1 while it is not finished. */
int octo_job_outcome(struct octo_job *j, int *status, const char **message, const char **step,
                     json_t **data);
/* A failed run for people (new string, free): "<file>:<line>: step
 * \"<step>\": <type>: <message>" from the step's record in the final
 * data's __errors__ (borrowed), or "<step>: <message>" without one. */
char *octo_failure_text(json_t *data, const char *step, const char *message);
/* The job as the API shows it (new); detail adds input, result, timeline. */
json_t *octo_job_json(struct octo_job *j, int with_detail);

/* Jobs of this process that have not finished (API shape, new array). */
json_t *octo_jobs_active_json(void);
size_t octo_jobs_active_count(void);
size_t octo_jobs_queued_count(void);
size_t octo_jobs_wait_idle(double seconds);
void octo_jobs_cancel_all(void);

/* Live events of a job: {"event": "step"|"state"|"end", "data": ...}. */
struct octo_job_sub *octo_job_subscribe(struct octo_job *j);
/* Next event (new) or NULL after timeout; *closed once the final event
 * has been taken. */
json_t *octo_job_sub_next(struct octo_job_sub *s, double timeout, int *closed);
void octo_job_unsubscribe(struct octo_job *j, struct octo_job_sub *s);

/* A filter over the job history. NULL / 0 members do not filter. */
struct octo_job_query {
    const char *id;
    const char *flow;  /* flow_path, exact */
    const char *state; /* queued | running | finished */
    const char *status;
    const char *source;
    double started_from; /* epoch seconds: started (created while queued) >= */
    double started_to;
    double ended_from;
    double ended_to;
    double ended_before; /* DELETE older_than_days: ended < */
    int finished_only;   /* never touch queued/running jobs */
    long limit;
    long offset;
};

/* History from the job store, newest first (API shape, new array);
 * *total counts every match. */
int octo_jobs_query(const struct octo_job_query *q, json_t **jobs, long *total, octo_error *err);
/* A filter of a job query ("state", "status" or "source") as the API and
 * `jobs list` take it: the canonical value (static), or NULL when v is not
 * one. The original's names are accepted too (pending, stopping, error).
 * *names (static, may be NULL): the canonical values, for a message. */
const char *octo_job_filter_value(const char *field, const char *v, const char **names);
/* One job with its timeline, from memory or the store (new); OCTO_ENOENT
 * when unknown. */
int octo_job_lookup(const char *id, json_t **job, octo_error *err);
/* Delete finished jobs matching q (never unfinished ones). */
int octo_jobs_delete(const struct octo_job_query *q, long *deleted, octo_error *err);

/* ------------------------------------------------------------------ *
 * Schedules
 * ------------------------------------------------------------------ */

enum octo_sched_error {
    OCTO_SCHED_OK = 0,
    OCTO_SCHED_BAD_REQUEST, /* invalid path, flow or schedule: 400 */
    OCTO_SCHED_NOT_FOUND,   /* no such flow file: 404 */
    OCTO_SCHED_DUPLICATE    /* already added: 409 */
};

struct octo_sched_spec {
    const char *path;    /* relative to FLOWS_PATH */
    const char *cron;    /* NULL: every_seconds, or the flow file's own */
    long every_seconds;  /* 0: none */
    double timeout;      /* 0: FLOW_TIMEOUT */
    const char *overlap; /* "skip" (default) or "queue" */
    const char *missed;  /* "none" (default) or "last" */
    int paused;
};

/* Add a schedule; it is stored (it survives restarts) unless it comes
 * from config.yml. id receives its UUID (37 bytes). */
enum octo_sched_error octo_sched_add(const struct octo_sched_spec *spec, char *id, octo_error *err);
int octo_sched_remove(const char *id);
int octo_sched_pause(const char *id, int paused);
/* [{"id", "path", "cron", "every_seconds", "timeout_seconds", "overlap",
 *   "missed", "paused", "source", "next_run", "last_run", "last_job_id",
 *   "last_status", "running", "queued"}] (new). */
json_t *octo_sched_list(void);
json_t *octo_sched_get(const char *id);

/* ------------------------------------------------------------------ *
 * Locks (held by the kernel: see the operations docs)
 * ------------------------------------------------------------------ */

/* Held locks [{"filename", "timestamp", "pid", "host", "job_id"}] (new). */
json_t *octo_locks_list(void);
/* Remove an unheld lock file: OCTO_OK, OCTO_ENOENT, or OCTO_EACCES when
 * a run holds it (*holder new, may be NULL). */
int octo_lock_remove(const char *name, char *removed, size_t cap, json_t **holder);
/* Remove every unheld lock file; held ones are appended to held. */
int octo_locks_remove_stale(json_t *held);

/* ------------------------------------------------------------------ *
 * Metrics (Prometheus text format 0.0.4)
 * ------------------------------------------------------------------ */

/* Count one API request: method (any text: unknown ones count as
 * "other"), route the route template that matched ("/api/v1/jobs/{job_id}";
 * NULL when none did - never a raw path), code the status sent, seconds
 * the time it took. Lock-free; any thread. */
void octo_metrics_http(const char *method, const char *route, int code, double seconds);
/* Every metric of this process as the text /metrics serves (new: free),
 * *len its length. */
char *octo_metrics_text(size_t *len);

/* ------------------------------------------------------------------ *
 * Health
 * ------------------------------------------------------------------ */

/* {"status": "ok"|"degraded", "version", "abi", "running_flows",
 *  "queued", "plugins", "store": {...}, "workers": {...}} (new). */
json_t *octo_health(void);
/* The same document as the API sends it: compact JSON with sorted keys,
 * redacted, and a newline (new malloc'd text, its length in *len; NULL
 * only if it cannot be written as JSON). Thread-safe; the text is
 * rebuilt only when a value in it changed. */
char *octo_health_text(size_t *len);

#endif
