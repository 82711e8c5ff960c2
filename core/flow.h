/* flow.h - the flow model: load, validate, compile, cache.
 *
 * A flow file is loaded once per (path, mtime): the YAML is parsed with
 * line marks, the flow keys and every step's common keys are checked, the
 * step's block is validated against the option schema of its plugin
 * (defaults applied), `when` conditions and templated options are
 * compiled, jq programs compiled, ignore_errors regexes compiled, and the
 * plugin's prepare() called. The result is an immutable, reference
 * counted struct octo_flow that any number of runs may use at once.
 *
 * Messages read  file:line: steps[i] ("name").block.field: what is wrong
 * Unknown keys are warnings with a did-you-mean (the original ignored
 * them), errors with OCTO_FLOW_STRICT.
 */
#ifndef OCTO_FLOW_H
#define OCTO_FLOW_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

struct octo_tpl;
struct octo_regex;
struct octo_jq_prog;
struct octo_steptype;
struct octo_retry;

/* A check without running anything foreign: the YAML, the flow and step
 * keys, the option schemas and the templates are checked; jq programs
 * are not compiled and plugins' prepare() is not called. The service
 * process loads flows this way (worker processes do the rest: libjq and
 * plugin code never run in the service). Such a flow cannot run. */
#define OCTO_FLOW_SHALLOW (1u << 8)

/* A templated option value: where it sits in the block and its template. */
struct octo_tmpl_opt {
    char *option; /* top-level option name ("uri", "query") */
    char *key;    /* for OBJECT options: the member name; NULL otherwise */
    struct octo_tpl *tpl;
};

struct octo_step {
    size_t index;
    int line;
    char *name;
    char *label; /* steps[i] ("name") for messages */
    const struct octo_steptype *type;
    char *block_key; /* the key the block was written under */
    char *result_key;
    struct octo_tpl **when;
    size_t nwhen;
    /* decided at load: a condition compiled to fixed false text (when:
     * false, {{ 1 > 2 }}) with only fixed true ones before it - the step
     * never runs, and nothing is rendered to know it */
    int when_false;
    struct octo_regex **ignore;
    char **ignore_src;
    size_t nignore;
    struct octo_jq_prog *jq;  /* jq_expression, or NULL */
    struct octo_retry *retry; /* retry policy, or NULL */
    json_t *options;          /* the validated block, defaults applied (owned) */
    const char *data_key;     /* borrowed from options, NULL when absent or "" */
    struct octo_tmpl_opt *tmpl;
    size_t ntmpl;
    int path_data_opt; /* index of a PATH_DATA option in the schema, or -1 */
    void *inst;        /* plugin instance */
    int prepared;
    char *on_error_goto;        /* continue at this step after an error, or NULL */
    struct octo_nested *nested; /* NESTED_STEPS options, compiled */
    size_t nnested;
};

/* The steps of a NESTED_STEPS option (switch cases), full steps of the
 * flow compiled at load, run by host->run_nested. */
struct octo_nested {
    char *option;
    struct octo_step *steps;
    size_t n;
};

struct octo_flow {
    atomic_int refs;
    char *path; /* as resolved: relative to FLOWS_PATH when under it */
    char *abs_path;
    char *file_name; /* base name: lock files and messages */
    char *name;      /* the flow's name: key, or the file name */
    struct timespec mtime;
    off_t size;
    ino_t ino;
    struct octo_step *steps;
    size_t nsteps;
    json_t *first_named; /* step name -> index of its first / last step */
    json_t *last_named;
    long finally_index;   /* -1: none */
    long max_steps;       /* the flow's `max_steps` (0: MAX_STEPS_PER_RUN) */
    int undefined_strict; /* `undefined: strict`: undefined variables in options fail */
    int shallow;          /* loaded with OCTO_FLOW_SHALLOW: not runnable */
    /* the full check of a shallow flow, done once by a worker (flow_check.c;
     * under its mutex): 0 not yet, 1 valid, -1 invalid */
    int deep_state;
    char *deep_error;
    json_t *deep_warnings;
    char *cron;         /* NULL when absent */
    long every_seconds; /* 0 when absent */
    json_t *warnings;   /* array of strings */
};

/* Diagnostics of a load: arrays of message strings (new references, the
 * caller releases them with octo_diags_free). */
struct octo_diags {
    json_t *errors;
    json_t *warnings;
};

void octo_diags_init(struct octo_diags *d);
void octo_diags_free(struct octo_diags *d);

/* Load the flow file at abs_path; display is how messages name it
 * ("flows/a.yml" or the path as given). On success *out is a new
 * reference. On failure err holds the first error; diags (may be NULL)
 * receives every error and warning. Any thread. */
int octo_flow_load(const char *abs_path, const char *display, unsigned flags,
                   struct octo_flow **out, struct octo_diags *diags, octo_error *err);

/* The same for YAML text in memory (len bytes, not NUL-terminated):
 * display names it in messages and becomes the flow's path. Nothing is
 * read from the file system but what the steps' prepare() reads (template
 * files). For tools and the flow fuzzer (fuzz/flow_fuzz.c). Any thread. */
int octo_flow_load_text(const char *text, size_t len, const char *display, unsigned flags,
                        struct octo_flow **out, struct octo_diags *diags, octo_error *err);

struct octo_flow *octo_flow_ref(struct octo_flow *f);
void octo_flow_unref(struct octo_flow *f);

/* Find a step by name (first match), or -1. Entries of a flow being
 * loaded that are not steps (no name) never match. */
long octo_flow_step_index(const struct octo_flow *f, const char *name);
/* The step a goto names: the last step of that name (the later
 * original's table), or -1. */
long octo_flow_goto_index(const struct octo_flow *f, const char *name);
/* The special goto targets. */
#define OCTO_GOTO_END   "__end__"
#define OCTO_GOTO_START "__start__"
#define OCTO_GOTO_EXIT  "__exit__"

/* The cache: the flow at rel (relative to FLOWS_PATH, confined), loaded
 * or reused when the file's mtime, size and inode are unchanged. *out new
 * reference. Missing file: OCTO_ENOENT ("flow x.yml not found"). Any
 * thread. */
int octo_flow_get(const char *rel, struct octo_flow **out, struct octo_diags *diags,
                  octo_error *err);
/* Load flows of this process with these extra flags (OCTO_FLOW_SHALLOW
 * in the service). Call before threads start. */
void octo_flow_cache_set_flags(unsigned flags);
/* The full check of a shallow flow (flow_check.c): done once per version
 * of the file, by a worker. OCTO_OK for a runnable flow; diags (may be
 * NULL) gets the errors. */
int octo_flow_deep_check(struct octo_flow *f, json_t *diags, octo_error *err);
/* Forget every cached flow (tests, shutdown). */
void octo_flow_cache_clear(void);

/* Resolve a CLI argument: under FLOWS_PATH first, then as a filesystem
 * path. Loads through the cache when under FLOWS_PATH. */
int octo_flow_open_arg(const char *arg, unsigned flags, struct octo_flow **out,
                       struct octo_diags *diags, octo_error *err);

/* Does the rendered text of a `when` condition hold? "true", "1" or
 * "yes" in any case: the text, not Python truthiness ("2" or "[1]" do not
 * hold), because the original compared the rendered string and flows were
 * written against that. */
int octo_flow_when_holds(const char *text, size_t len);

#endif
