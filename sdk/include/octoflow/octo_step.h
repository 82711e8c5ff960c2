/* octoflow/octo_step.h - the Octoflow step plugin ABI, version 1.1.
 *
 * This is the only header a step plugin includes. A plugin is a shared
 * object that exports exactly one symbol, octo_plugin_entry(). It reaches
 * the core only through the octo_host table it is given, and the core
 * learns about the plugin only from the static descriptors it returns
 * (octo_plugin -> octo_step_type -> octo_option).
 *
 * LIFECYCLE
 *   load     octo_plugin_entry(host, &plugin, &err)   once, loading thread
 *   flow     prepare(host, options, &inst, &err)      once per step of a
 *            loaded flow, after the core validated the step's block
 *            against the option schema (defaults applied)
 *   run      run(host, ctx, inst, args, &out, &err)   per execution; MAY RUN
 *            CONCURRENTLY on one inst (flow_loop, several schedules)
 *   unload   destroy(host, inst)                      after the last run()
 *   Plugins are never dlclose()d.
 *
 * A STEP IS A FUNCTION (options, input) -> output. It never writes flow
 * data: the core stores *out under the step's result_key after applying
 * its jq_expression. The common step keys (name, type, when, result_key,
 * ignore_errors, jq_expression, description) belong to the core and never
 * reach a plugin.
 *
 * STABILITY (read before editing this file)
 * - Structs that start with struct_size are append-only: never reorder,
 *   remove or retype a member. Append, mark it "since 1.N", bump
 *   OCTO_ABI_MINOR. A zero in a newer member means "the 1.0 behaviour".
 * - The first three members of octo_host and octo_plugin, and the whole of
 *   octo_error, keep their layout for every ABI major.
 * - A changed signature is a new member (foo_v2); foo stays for the major.
 * - Enums and flag sets only grow; plugins ignore flags they do not know.
 *
 * OWNERSHIP words (as in jansson): "borrowed" = do not decref, do not
 * modify, valid until the call that gave it returns; "new" = yours to
 * json_decref() / host->free(); "stolen" = the receiver takes your
 * reference. Core and plugins share the system libjansson.so.4, whose
 * reference counts are atomic on Debian 12 (JANSSON_THREAD_SAFE_REFCOUNT).
 * Never link jansson statically into a plugin.
 *
 * THREADS: every octo_host member may be called from any thread, at the
 * same time as any other. Members that take a ctx may only be called
 * during the run() that received that ctx, on its thread. A plugin never
 * creates a thread that outlives a call, never calls process-global
 * setters (setlocale, setenv, chdir, umask, signal handlers,
 * curl_global_*, json_set_alloc_funcs), never prints to stdout/stderr
 * (use host->log) and never puts a secret into an error, a log line or
 * *out.
 */
#ifndef OCTO_STEP_H
#define OCTO_STEP_H

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCTO_ABI_MAJOR 1
#define OCTO_ABI_MINOR 1

/* The lowest core minor this plugin needs. Define it to a lower value
 * before including this header to run on older 1.x cores (then check
 * newer host members with OCTO_HOST_HAS before calling them). */
#ifndef OCTO_ABI_MINOR_REQUIRED
#define OCTO_ABI_MINOR_REQUIRED OCTO_ABI_MINOR
#endif

#if defined(__GNUC__)
#define OCTO_EXPORT                 __attribute__((visibility("default")))
#define OCTO_PRINTF(f, a)           __attribute__((format(printf, f, a)))
#define OCTO_DEPRECATED(since, msg) __attribute__((deprecated("since " #since ": " msg)))
#else
#define OCTO_EXPORT
#define OCTO_PRINTF(f, a)
#define OCTO_DEPRECATED(since, msg)
#endif

/* ------------------------------------------------------------------------
 * Status codes. 0 is success, every error is negative (libuv style).
 * The third column is the error "type" the core records in __errors__ and
 * puts first in the text that ignore_errors patterns are searched in
 * ("<type>: <message>"). Append only.
 * ---------------------------------------------------------------------- */
#define OCTO_ERRNO_MAP(XX)                                                                         \
    XX(EINVAL, -EINVAL, "validation", "invalid argument or option")                                \
    XX(ENOMEM, -ENOMEM, "internal", "out of memory")                                               \
    XX(ENOENT, -ENOENT, "io", "not found")                                                         \
    XX(EIO, -EIO, "io", "input/output error")                                                      \
    XX(EACCES, -EACCES, "path", "permission denied")                                               \
    XX(ETIMEDOUT, -ETIMEDOUT, "timeout", "timed out")                                              \
    XX(ECANCELED, -ECANCELED, "cancelled", "cancelled")                                            \
    XX(ETEMPLATE, -4000, "template", "template error")                                             \
    XX(EJQ, -4001, "jq", "jq error")                                                               \
    XX(EHTTP, -4002, "http", "remote service answered with an error status")                       \
    XX(EABI, -4003, "internal", "plugin ABI mismatch")                                             \
    XX(EPATH, -4004, "path", "path refused")                                                       \
    XX(ESECRET, -4005, "secret", "secret error")                                                   \
    XX(ENETWORK, -4006, "network", "network error")                                                \
    XX(ESUBFLOW, -4007, "subflow", "sub-flow failed")                                              \
    XX(EINTERNAL, -4008, "internal", "internal error")                                             \
    XX(ENOTSUP, -4009, "internal", "not available in this build")

enum octo_status {
    OCTO_OK = 0,
#define XX(name, value, type, text) OCTO_##name = (value),
    OCTO_ERRNO_MAP(XX)
#undef XX
};

/* ------------------------------------------------------------------------
 * Error report: allocated and zeroed by the CALLER, filled by the callee
 * (normally through host->error_set). Fixed buffers: nothing crosses the
 * boundary with an ownership transfer, nothing to free. The layout is
 * frozen for the whole major; new information goes into reserved[].
 * ---------------------------------------------------------------------- */
#define OCTO_ERROR_FIELD_LEN  128
#define OCTO_ERROR_MSG_LEN    512
#define OCTO_ERROR_DETAIL_LEN 2048
typedef struct octo_error {
    int code;                           /* OCTO_E*; 0 while unset */
    int http_status;                    /* EHTTP: the response status, else 0 */
    char field[OCTO_ERROR_FIELD_LEN];   /* option path relative to the step's
                                           block: "uri", "headers.Accept" */
    char msg[OCTO_ERROR_MSG_LEN];       /* one sentence for humans; the core
                                           adds file, line and step */
    char detail[OCTO_ERROR_DETAIL_LEN]; /* EHTTP: the response content as
                                          JSON text (a JSON string when the
                                          body was not JSON); "" if none */
    uint32_t retry_after_ms;            /* since 1.1: the server asked to wait this
                                           long before trying again (HTTP
                                           Retry-After); 0: no advice */
    uint32_t detail_is_object;          /* since 1.1: non-zero when detail holds a
                                           JSON object (host->error_detail) that the
                                           core merges into the error's record in
                                           __errors__, whatever the code; 0: the 1.0
                                           meaning (EHTTP response content) */
    uint32_t reserved[6];               /* zero; room to grow in place */
} octo_error;

typedef struct octo_ctx octo_ctx;           /* one run of one step */
typedef struct octo_template octo_template; /* compiled, immutable, shareable */
typedef struct octo_jq octo_jq;             /* compiled, immutable, shareable */
typedef struct octo_regex octo_regex;       /* since 1.1: compiled, immutable, shareable */

enum octo_log_level {
    OCTO_LOG_ERROR = 1,
    OCTO_LOG_WARN = 2,
    OCTO_LOG_INFO = 3,
    OCTO_LOG_DEBUG = 4
};

/* Roots that paths are confined to. */
enum octo_root {
    OCTO_ROOT_DATA = 1,      /* DATA_PATH */
    OCTO_ROOT_TEMPLATES = 2, /* TEMPLATES_PATH */
    OCTO_ROOT_FLOWS = 3      /* FLOWS_PATH */
};

/* jq_run modes. */
enum octo_jq_mode {
    OCTO_JQ_SINGLE = 0, /* exactly one output gives it; 0 or 2+ outputs give
                           null and a warning in the log (the original's rule) */
    OCTO_JQ_FIRST = 1,  /* the first output, null when there is none */
    OCTO_JQ_ALL = 2     /* an array of every output */
};

/* path_resolve flags. */
#define OCTO_PATH_WRITE                                                                            \
    (1u << 0) /* the caller will write: refuse protected                                           \
                 files and directories (flows, templates,                                          \
                 locks, logs, secrets, config) */

/* json_dump flags (Python json.dumps compatible output). */
#define OCTO_JSON_SORT_KEYS (1u << 0)                    /* sort_keys=True */
#define OCTO_JSON_UNICODE   (1u << 1)                    /* ensure_ascii=False */
#define OCTO_JSON_COMPACT   (1u << 2)                    /* separators=(",", ":") */
#define OCTO_JSON_INDENT(n) (((uint32_t)(n)&0xffu) << 8) /* indent=n (0: none) */

/* yaml_dump flags (PyYAML yaml.dump compatible output). 0 gives
 * yaml.dump(v, default_flow_style=False): block style, sorted keys, ASCII
 * with escapes, width 80, indent 2. */
#define OCTO_YAML_UNICODE     (1u << 0)                   /* allow_unicode=True */
#define OCTO_YAML_FLOW_LEAVES (1u << 1)                   /* default_flow_style=None */
#define OCTO_YAML_NO_SORT     (1u << 2)                   /* sort_keys=False */
#define OCTO_YAML_INDENT(n)   (((uint32_t)(n)&0xfu) << 8) /* indent (0: 2) */

/* regex_compile flags (since 1.1), as Python's re.IGNORECASE, re.MULTILINE,
 * re.DOTALL; inline flags ("(?i)") work too. */
#define OCTO_REGEX_IGNORECASE (1u << 0)
#define OCTO_REGEX_MULTILINE  (1u << 1)
#define OCTO_REGEX_DOTALL     (1u << 2)

/* regex_match modes (since 1.1). */
enum octo_regex_how {
    OCTO_REGEX_MATCH = 0, /* re.match: anchored at the start of the subject */
    OCTO_REGEX_SEARCH = 1 /* re.search: anywhere */
};

/* ------------------------------------------------------------------------
 * Core services, passed to every plugin call. Every member is callable
 * from any thread, concurrently with any other. A ctx belongs to one run
 * on one thread: never keep it after run() returns, never pass it to
 * another thread. Members that take a ctx accept NULL outside run()
 * (log and cancelled) or require a ctx (data_get, flow_run, flow_run_each,
 * secret_get). Unless said otherwise a member returns OCTO_OK or a
 * negative OCTO_E* with err filled, and leaves its outputs NULL on error.
 * ---------------------------------------------------------------------- */
typedef struct octo_host {
    /* frozen header */
    uint32_t struct_size; /* sizeof(octo_host) in the running core */
    uint16_t abi_major;
    uint16_t abi_minor; /* members up to this minor are present */

    /* ---- 1.0 ---- */
    const char *core_version; /* static, "0.1.0" */

    /* Log a line. The core prefixes flow, loop index and step from ctx
     * (ctx may be NULL) and redacts every known secret value. */
    void (*log)(octo_ctx *ctx, int level, const char *fmt, ...) OCTO_PRINTF(3, 4);

    /* Fill err (truncating safely, redacting known secrets) and return
     * code. field may be NULL. */
    int (*error_set)(octo_error *err, int code, const char *field, const char *fmt, ...)
        OCTO_PRINTF(4, 5);

    /* Static text for an OCTO_E* code ("template error"). */
    const char *(*strerror)(int code);

    /* Memory for strings the host returns (and nothing else). */
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);

    /* Jinja2-compatible templates. compile: source is copied; origin names
     * it in messages ("rest.uri"). load: a file under TEMPLATES_PATH,
     * compiled once and cached by mtime; each call returns a handle the
     * caller releases with template_free (handles are reference counted
     * and immutable). render: vars (borrowed) is the template context, an
     * object; *out (new, host->free) is the text, NUL-terminated, with its
     * length in *len when len is not NULL. */
    int (*template_compile)(const char *source, const char *origin, octo_template **out,
                            octo_error *err);
    int (*template_load)(const char *rel_path, octo_template **out, octo_error *err);
    int (*template_render)(octo_ctx *ctx, const octo_template *tpl, json_t *vars, char **out,
                           size_t *len, octo_error *err);
    void (*template_free)(octo_template *tpl);

    /* jq (Debian 12: libjq 1.6). compile once, at prepare: it costs about
     * 16 ms. run: input borrowed, *out new; mode is an octo_jq_mode. A
     * handle may be run from many threads at once (the core keeps one
     * jq_state per concurrent user). $ENV, env and import are disabled. */
    int (*jq_compile)(const char *program, octo_jq **out, octo_error *err);
    int (*jq_run)(octo_ctx *ctx, const octo_jq *prog, json_t *input, int mode, json_t **out,
                  octo_error *err);
    void (*jq_free)(octo_jq *prog);

    /* A secret from secrets.yml or HashiCorp Vault, as an object with
     * "name", "type" and the type's fields (credential: username,
     * password; token: token; api-key: key, value; hashicorp-vault: the
     * KV v2 data). *out is new: decref it as soon as it is used. The core
     * redacts its values from logs and errors from then on. */
    int (*secret_get)(octo_ctx *ctx, const char *name, json_t **out, octo_error *err);

    /* The flow data value at key (borrowed, read-only, valid until run()
     * returns), NULL when absent. "." is the whole flow data. */
    json_t *(*data_get)(octo_ctx *ctx, const char *key);

    /* Resolve rel under a root (octo_root) and refuse escapes: absolute
     * paths, "..", NUL, symlinks leaving the root; with OCTO_PATH_WRITE
     * also protected files. *abs is new (host->free). Messages name the
     * path relative to its root, never an absolute path. */
    int (*path_resolve)(int root, const char *rel, unsigned flags, char **abs, octo_error *err);

    /* Run the flow at rel_path (under FLOWS_PATH) synchronously on this
     * thread with __input__ = input (borrowed; NULL means null). Returns
     * OCTO_OK when the sub-flow ran: *out (new) is its final flow data and
     * *failed is 1 when it failed, with err holding its failure message
     * ("<step>: <message>"). Returns a negative code, *out NULL, when it
     * could not run (not found, invalid, depth limit, cancelled).
     * Sub-flows take no lock. */
    int (*flow_run)(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out, int *failed,
                    octo_error *err);

    /* Run the flow at rel_path once per element of items (borrowed array)
     * with __input__ = the element and __loop_index__ = its 1-based index,
     * at most max_parallel at a time on the core's worker pool (0: the
     * core's default). *out (new) is the array of each item's final flow
     * data, in item order. The core appends every item's __errors__ to the
     * caller's flow __errors__, each marked with "loop_index", and sets
     * *failed_items to the number of items whose flow failed. Returns a
     * negative code, *out NULL, when the loop could not run at all. */
    int (*flow_run_each)(octo_ctx *ctx, const char *rel_path, json_t *items, unsigned max_parallel,
                         json_t **out, size_t *failed_items, octo_error *err);

    /* Non-zero once this run is cancelled (API, timeout, shutdown). Cheap:
     * an atomic load. Poll it in long loops and transfer callbacks, then
     * return OCTO_ECANCELED. ctx may be NULL (then 0). */
    int (*cancelled)(octo_ctx *ctx);

    /* YAML as PyYAML reads it (safe_load, YAML 1.1 scalars). text need not
     * be NUL-terminated; origin names it in messages. *out new. An empty
     * document gives null. */
    int (*yaml_load)(const char *text, size_t len, const char *origin, json_t **out,
                     octo_error *err);

    /* YAML as PyYAML's yaml.dump writes it (OCTO_YAML_* flags). value
     * borrowed; *out new (host->free), NUL-terminated. */
    int (*yaml_dump)(json_t *value, unsigned flags, char **out, octo_error *err);

    /* JSON as Python's json.dumps writes it (OCTO_JSON_* flags): ", " and
     * ": " separators, lower-case \u escapes, shortest float repr. value
     * borrowed; *out new (host->free). */
    int (*json_dump)(json_t *value, unsigned flags, char **out, octo_error *err);

    /* Python's str() of a value: strings as they are, True/False/None,
     * 1.0, {'k': 'v'}, [1, 'a']. value borrowed; *out new (host->free). */
    int (*value_text)(json_t *value, char **out, octo_error *err);

    /* ---- 1.1 ---- */

    /* Attach a JSON object (borrowed) to err: the core merges its members
     * into the "error" object of the step's __errors__ record (keys
     * "type" and "message" stay the core's), for any error code. A
     * "status_code" and a "response_content" member also extend the text
     * ignore_errors and retry patterns are matched against, as for HTTP
     * errors in 1.0. The object is serialised into err->detail: it must
     * fit (OCTO_ERROR_DETAIL_LEN); returns OCTO_OK or OCTO_EINVAL. Since
     * 1.1. */
    int (*error_detail)(octo_error *err, json_t *detail);

    /* Control results, for control steps: after run() returns OCTO_OK,
     * the core continues at another step (OCTO_CONTROL_GOTO, arg: a step
     * name, or "__end__", "__start__", "__exit__") or ends the run with
     * status "exit" (OCTO_CONTROL_EXIT, arg: the message). The last call
     * of a run() wins. Returns OCTO_OK, or OCTO_EINVAL for an unknown
     * what. Since 1.1. */
    int (*control)(octo_ctx *ctx, int what, const char *arg);

    /* Wait seconds, or less when the run is cancelled, times out or the
     * service shuts down (then OCTO_ECANCELED / OCTO_ETIMEDOUT with err
     * filled). Never sleep() in a plugin: use this. Since 1.1. */
    int (*sleep)(octo_ctx *ctx, double seconds, octo_error *err);

    /* Run a sub-flow, failure reported one way: OCTO_OK when it succeeded
     * or ended with an exit step; OCTO_ESUBFLOW when it failed (err: why;
     * *out still its final flow data); any other code when it could not
     * run (*out NULL). Since 1.1 (flow_run reports a failure as OCTO_OK
     * plus *failed). */
    int (*flow_run2)(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out,
                     octo_error *err);

    /* Run the nested step number index of a NESTED_STEPS option (the
     * core compiled it at load as a full step of the flow): its `when`,
     * jq_expression, result_key and control result apply as for any
     * step. *out (new) is what it stored, or null when skipped. Since 1.1. */
    int (*run_nested)(octo_ctx *ctx, const char *option, size_t index, json_t **out,
                      octo_error *err);

    /* Regular expressions as Python's re reads them, on the core's PCRE2
     * wrapper (the one ignore_errors, retry patterns and the template
     * regex filters use): \Z, (?P<name>...), (?P=name), {,n} and \uXXXX
     * mean what they mean in Python, \w \d \s \b are Unicode-aware, and
     * every match runs under a backtracking limit, so a pathological
     * pattern fails instead of hanging the run. compile: flags
     * OCTO_REGEX_*; *out new (regex_free), immutable, usable from many
     * threads at once; a bad pattern is OCTO_EINVAL naming its position.
     * match: how is an octo_regex_how; subject is UTF-8 of len bytes.
     * Returns 1 (matched), 0 (not), or a negative code with err filled
     * (err may be NULL): invalid UTF-8, the backtracking limit. Since 1.1. */
    int (*regex_compile)(const char *pattern, unsigned flags, octo_regex **out, octo_error *err);
    int (*regex_match)(const octo_regex *re, const char *subject, size_t len, int how,
                       octo_error *err);
    void (*regex_free)(octo_regex *re);

    /* ---- 1.2: append below this line, each member marked "since 1.2" ---- */
} octo_host;

/* host->control what */
enum octo_control { OCTO_CONTROL_GOTO = 1, OCTO_CONTROL_EXIT = 2 };

/* Non-zero when the running core provides member m. */
#define OCTO_HOST_HAS(h, m)                                                                        \
    ((h)->struct_size >= offsetof(octo_host, m) + sizeof((h)->m) && (h)->m != NULL)

/* ------------------------------------------------------------------------
 * Option schemas: each step type declares the keys of its block. The core
 * validates flows against them before anything runs, applies defaults,
 * compiles TEMPLATE options, and prints them (octoflow plugins --json).
 * ---------------------------------------------------------------------- */
typedef enum octo_opt_type {
    OCTO_OPT_STRING = 1,
    OCTO_OPT_INT,
    OCTO_OPT_NUMBER,
    OCTO_OPT_BOOL,
    OCTO_OPT_ENUM, /* a string among values[] (compared case-insensitively
                      when OCTO_OPT_NOCASE is set; the core stores it
                      lower-cased then) */
    OCTO_OPT_OBJECT,
    OCTO_OPT_ARRAY,
    OCTO_OPT_ANY
    /* append only */
} octo_opt_type;

#define OCTO_OPT_REQUIRED (1u << 0) /* must be present and not null */
#define OCTO_OPT_TEMPLATE                                                                          \
    (1u << 1) /* STRING: Jinja text rendered per run with                                          \
                 the flow data; OBJECT: each string value                                          \
                 is. Compiled at load. */
#define OCTO_OPT_PATH_DATA                                                                         \
    (1u << 2) /* checked to stay under DATA_PATH (after                                            \
                 rendering, before run()); run() sees it as                                        \
                 rendered: resolve it with path_resolve */
#define OCTO_OPT_PATH_TPL                                                                          \
    (1u << 3) /* checked to stay under TEMPLATES_PATH;                                             \
                 run() sees it as written */
#define OCTO_OPT_PATH_FLOWS                                                                        \
    (1u << 4) /* checked to stay under FLOWS_PATH;                                                 \
                 run() sees it as written */
#define OCTO_OPT_DATA_KEY                                                                          \
    (1u << 5) /* key in flow data: its value becomes                                               \
                 args->input ("." = whole flow data) */
#define OCTO_OPT_SECRET                                                                            \
    (1u << 6)                         /* STRING: names a secret; OBJECT: its "secret"              \
                                         member does. Unknown names warn at load */
#define OCTO_OPT_JQ         (1u << 7) /* STRING: jq program, compiled at load */
#define OCTO_OPT_DEPRECATED (1u << 8) /* accepted with a warning naming replaced_by */
#define OCTO_OPT_NOCASE     (1u << 9) /* ENUM: case-insensitive */
#define OCTO_OPT_INPUT_NEEDED                                                                      \
    (1u << 10) /* DATA_KEY: a key missing from the flow                                            \
                  data is a step error, not a warning */
#define OCTO_OPT_STEP_NAME                                                                         \
    (1u << 11) /* since 1.1, STRING: names a step of the flow                                      \
                  (or __end__, __start__, __exit__); a                                             \
                  literal unknown name is a load error */
#define OCTO_OPT_NESTED_STEPS                                                                      \
    (1u << 12) /* since 1.1: OBJECT: the value is a full step;                                     \
                  ARRAY: each element's "step" member is.                                          \
                  Compiled by the core at load, run with                                           \
                  host->run_nested */

typedef struct octo_option {
    const char *name; /* key in the step's block: "uri" */
    octo_opt_type type;
    uint32_t flags;            /* OCTO_OPT_* */
    const char *def;           /* default as JSON text ("\"GET\"", "30"), or NULL */
    const char *const *values; /* OCTO_OPT_ENUM: NULL-terminated */
    const char *summary;       /* one line: docs and error messages */
    const char *replaced_by;   /* OCTO_OPT_DEPRECATED: successor, or NULL */
} octo_option;

/* What run() receives. Allocated by the core; valid until run() returns. */
typedef struct octo_run_args {
    uint32_t struct_size;
    json_t *options;       /* borrowed: the validated block, defaults applied,
                              TEMPLATE options rendered, PATH_DATA checked */
    json_t *input;         /* borrowed: the value at the DATA_KEY option, or
                              NULL when the step has none or the key is absent */
    const char *step_name; /* for messages */
    /* ---- 1.1 ---- */
    json_t *paths; /* since 1.1, borrowed: option name -> absolute path
                      for the PATH_DATA, PATH_TPL and PATH_FLOWS options
                      present, resolved and confined under their root
                      (1.0: resolve them with path_resolve) */
} octo_run_args;

/* Non-zero when the core filled member m of args (a 1.0 core does not). */
#define OCTO_ARGS_HAS(a, m) ((a)->struct_size >= offsetof(octo_run_args, m) + sizeof((a)->m))

#define OCTO_STEP_PURE (1u << 0) /* no side effects (informative) */
#define OCTO_STEP_NO_RESULT                                                                        \
    (1u << 1) /* since 1.1: the core stores nothing under                                          \
                 result_key and applies no jq_expression                                           \
                 (goto, switch, exit) */

typedef struct octo_step_type {
    uint32_t struct_size;       /* sizeof(octo_step_type) as compiled */
    uint32_t flags;             /* OCTO_STEP_* */
    const char *name;           /* the YAML `type:` value, [a-z][a-z0-9_]* */
    const char *summary;        /* one line */
    const char *doc;            /* Markdown, may be NULL */
    const octo_option *options; /* ends with an entry whose name is NULL */
    uint32_t option_size;       /* sizeof(octo_option) as compiled */

    /* Once per step when a flow is loaded, after schema validation; any
     * thread, never concurrently with run/destroy on the same inst.
     * options (borrowed) stays valid until destroy(): pointers into it may
     * be kept in inst. Compile and check here; err->field relative to the
     * block. */
    int (*prepare)(const octo_host *host, json_t *options, void **inst, octo_error *err);

    /* Once per execution. MAY RUN CONCURRENTLY ON ONE inst: treat inst as
     * read-only. Success: *out is a new reference (null allowed) that the
     * core steals, return OCTO_OK. Failure: *out NULL, err filled, return a
     * negative OCTO_E*. */
    int (*run)(const octo_host *host, octo_ctx *ctx, void *inst, const octo_run_args *args,
               json_t **out, octo_error *err);

    /* Once, after the last run() on inst returned. May be NULL. */
    void (*destroy)(const octo_host *host, void *inst);

    /* Other names this type answers to (NULL-terminated, may be NULL), and
     * other keys its block may be written under in a flow step. */
    const char *const *aliases;
    const char *const *block_aliases;
} octo_step_type;

typedef struct octo_plugin {
    /* frozen header */
    uint32_t struct_size; /* sizeof(octo_plugin) as compiled */
    uint16_t abi_major;   /* OCTO_ABI_MAJOR built against */
    uint16_t abi_minor;   /* lowest core minor needed */
    /* ---- 1.0 ---- */
    const char *name;                   /* "octo-step-rest" */
    const char *version;                /* the plugin's own version */
    const octo_step_type *const *steps; /* NULL-terminated */
} octo_plugin;

#define OCTO_PLUGIN_ENTRY_SYMBOL "octo_plugin_entry"
typedef int (*octo_plugin_entry_fn)(const octo_host *host, const octo_plugin **out,
                                    octo_error *err);

/* Called once, on the loading thread, before any prepare(). Returns OCTO_OK
 * and sets *out to a static descriptor, or fills err. */
OCTO_EXPORT int octo_plugin_entry(const octo_host *host, const octo_plugin **out, octo_error *err);

/* Compiled into each plugin: refuse a core of another major or too old a
 * minor, reading only the frozen header. */
static inline int octo_host_check(const octo_host *host, octo_error *err)
{
    int too_old = 0;

#if OCTO_ABI_MINOR_REQUIRED > 0
    too_old = host->abi_minor < OCTO_ABI_MINOR_REQUIRED;
#endif
    if (host->abi_major != OCTO_ABI_MAJOR || too_old) {
        err->code = OCTO_EABI;
        snprintf(err->msg, sizeof(err->msg),
                 "plugin needs step ABI %d.%d or a later 1.x, core has %u.%u", OCTO_ABI_MAJOR,
                 OCTO_ABI_MINOR_REQUIRED, (unsigned)host->abi_major, (unsigned)host->abi_minor);
        return OCTO_EABI;
    }
    return OCTO_OK;
}

/* Declare a plugin descriptor. */
#define OCTO_PLUGIN_DESCRIPTOR(var, name_, version_, steps_)                                       \
    static const octo_plugin var = {.struct_size = sizeof(octo_plugin),                            \
                                    .abi_major = OCTO_ABI_MAJOR,                                   \
                                    .abi_minor = OCTO_ABI_MINOR_REQUIRED,                          \
                                    .name = (name_),                                               \
                                    .version = (version_),                                         \
                                    .steps = (steps_)}

/* The usual entry point: check the host, hand out the descriptor. */
#define OCTO_PLUGIN_DEFINE_ENTRY(var)                                                              \
    OCTO_EXPORT int octo_plugin_entry(const octo_host *host, const octo_plugin **out,              \
                                      octo_error *err)                                             \
    {                                                                                              \
        int rc_ = octo_host_check(host, err);                                                      \
        if (rc_ == OCTO_OK) {                                                                      \
            *out = &(var);                                                                         \
        }                                                                                          \
        return rc_;                                                                                \
    }

#ifdef __cplusplus
}
#endif
#endif /* OCTO_STEP_H */
