/* flow_fuzz.c - libFuzzer target: flow files through the YAML loader,
 * flow validation and compilation (templates, jq programs, regexes,
 * plugin option schemas and prepare()), with the real plugins.
 *
 * What it runs per input: octo_flow_load_text (the in-memory door of
 * octo_flow_load), in normal or strict mode, then the lookups a run makes
 * on a loaded flow. It is a dry run in the sense of "load + validate +
 * compile": executing steps without their side effects is not possible
 * without the runner (core/runner.c runs a step whole: templated options,
 * the plugin's run(), jq_expression), so steps are not run.
 * Invariants checked besides the sanitizers: a flow that does not load
 * has at least one error, every error and warning names the file
 * ("fuzz.yml..."), a loaded flow has no half-built step, and the YAML
 * dumper's text of the input loads back as the same value (the file step
 * writes YAML that flows read).
 *
 * Structure-aware: LLVMFuzzerCustomMutator parses the input as YAML and
 * mutates the tree (replace a value with one from a pool of interesting
 * values and known keys, copy a node over another, delete, insert a known
 * key, wrap in a list or mapping, duplicate a step, mutate a string's
 * bytes), then dumps it back as YAML; inputs that do not parse get
 * libFuzzer's byte mutations. LLVMFuzzerCustomCrossOver splices the steps
 * of two flows. With fuzz/flows.dict and the seeds in fuzz/corpus/flows.
 *
 * Build: CC=clang cmake -S . -B BUILD -DOCTO_FUZZ=ON -DBUILD_TESTING=OFF
 *        && cmake --build BUILD --target flow_fuzz
 * Run:   make fuzz-flows FUZZ_SECONDS=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "jqbridge.h"
#include "yaml_io.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
/* the entry points libFuzzer calls (it has no header for them) */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed);

static char g_root[64];

/* ---- environment ----------------------------------------------------------- */

static void write_file(const char *rel, const char *text)
{
    char path[512];
    char dir[512];
    char *slash;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", g_root, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    *slash = '\0';
    octo_mkdirs(dir, 0755);
    fp = fopen(path, "w");
    if (fp == NULL) {
        abort();
    }
    fputs(text, fp);
    fclose(fp);
}

static void jq_cache_free(void);

static void cleanup(void)
{
    char cmd[128];

    octo_core_shutdown();
    jq_cache_free();
    octo_jq_clear_unused();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
    if (system(cmd) != 0) {
        fprintf(stderr, "flow_fuzz: could not remove %s\n", g_root);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct octo_core_opts opts;
    octo_error err;

    (void)argc;
    (void)argv;
    snprintf(g_root, sizeof(g_root), "/tmp/octo-flow-fuzz-XXXXXX");
    if (mkdtemp(g_root) == NULL) {
        abort();
    }
    /* templates and sub-flows the seeds name, and a secrets file */
    write_file("templates/a.j2", "A {{ x }}{% include 'b.j2' %}");
    write_file("templates/b.j2", "B{{ __data__ | tojson }}");
    write_file("templates/self.j2", "{% include 'self.j2' %}");
    write_file("templates/ticket_report.j2", "{{ __data__.number }}: {{ __data__.short }}");
    write_file("templates/extravars.j2", "{\"a\": {{ __data__ | tojson }}}");
    write_file("templates/insert.j2", "{{ __data__ }}");
    write_file("templates/ticket_patch.j2", "{\"state\": \"{{ __data__.state }}\"}");
    write_file("templates/transition.j2", "{\"transition\": {\"id\": 1}}");
    write_file("templates/bad.j2", "{% if %}");
    write_file("flows/sub/summarize.yml", "name: s\nsteps: []\n");
    write_file("flows/sub/ticket_report.yml", "name: t\nsteps: []\n");
    write_file("secrets.yml",
               "- {name: awx_credential, type: credential, username: u, password: fuzz-pw-1}\n"
               "- {name: jira_credential, username: u, password: fuzz-pw-2}\n"
               "- {name: snow_credential, username: u, password: fuzz-pw-3}\n"
               "- {name: tok, type: token, token: fuzz-token-4}\n"
               "- {name: key, type: api-key, key: X-Key, value: fuzz-key-5}\n");
    setenv("DATA_PATH", g_root, 1);
    setenv("PLUGINS_PATH", OCTO_FUZZ_PLUGIN_DIR, 1);
    setenv("LOG_LEVEL", "ERROR", 1);
    unsetenv("TEMPLATES_PATH");
    unsetenv("FLOWS_PATH");
    memset(&opts, 0, sizeof(opts));
    opts.load_plugins = 1;
    memset(&err, 0, sizeof(err));
    if (octo_core_init(&opts, &err) != OCTO_OK) {
        fprintf(stderr, "flow_fuzz: core init failed: %s\n", err.msg);
        abort();
    }
    octo_log_set_stderr(0);
    atexit(cleanup);
    return 0;
}

/* ---- jq programs compiled once ----------------------------------------------
 * libjq 1.6 recompiles its builtins for every program (~16 ms): a flow
 * with jq steps would load 30 times a second. libjq is not what this
 * target explores, so programs (and compile errors) are compiled once and
 * handed out again, through the linker's --wrap (fuzz/CMakeLists.txt).
 * Entries count their users; only unused ones are evicted. */
int __real_octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err);
void __real_octo_jq_release(struct octo_jq_prog *p);

#define JQ_CACHE 512

struct jq_entry {
    char *program;
    struct octo_jq_prog *prog; /* NULL: a compile error */
    octo_error err;
    int users;
};

static struct jq_entry g_jq[JQ_CACHE];
static size_t g_jq_next; /* eviction hand */

int __wrap_octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err);
void __wrap_octo_jq_release(struct octo_jq_prog *p);

int __wrap_octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err)
{
    struct jq_entry *e = NULL;
    size_t i;
    int rc;

    for (i = 0; i < JQ_CACHE; i++) {
        if (g_jq[i].program != NULL && strcmp(g_jq[i].program, program) == 0) {
            if (g_jq[i].prog == NULL) {
                *out = NULL;
                *err = g_jq[i].err;
                return err->code;
            }
            g_jq[i].users++;
            *out = g_jq[i].prog;
            return OCTO_OK;
        }
    }
    rc = __real_octo_jq_compile(program, out, err);
    for (i = 0; i < JQ_CACHE && e == NULL; i++) {
        struct jq_entry *c = &g_jq[(g_jq_next + i) % JQ_CACHE];

        if (c->users == 0) {
            e = c;
            g_jq_next = (size_t)(c - g_jq + 1) % JQ_CACHE;
        }
    }
    if (e == NULL) {
        return rc; /* every entry in use: not cached */
    }
    if (e->program != NULL) {
        free(e->program);
        __real_octo_jq_release(e->prog);
    }
    e->program = strdup(program);
    e->prog = rc == OCTO_OK ? *out : NULL;
    e->err = *err;
    e->users = rc == OCTO_OK ? 1 : 0;
    return rc;
}

void __wrap_octo_jq_release(struct octo_jq_prog *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    for (i = 0; i < JQ_CACHE; i++) {
        if (g_jq[i].prog == p) {
            g_jq[i].users--;
            return;
        }
    }
    __real_octo_jq_release(p);
}

static void jq_cache_free(void)
{
    size_t i;

    for (i = 0; i < JQ_CACHE; i++) {
        free(g_jq[i].program);
        __real_octo_jq_release(g_jq[i].prog);
        memset(&g_jq[i], 0, sizeof(g_jq[i]));
    }
}

/* ---- the target -------------------------------------------------------------- */

/* The file step writes YAML that flows read back: what the dumper writes
 * of a value must load as that value. */
static void check_yaml_round_trip(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    json_t *back = NULL;
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_yaml_load((const char *)data, size, "fuzz.yml", &v, NULL, &err) != OCTO_OK) {
        return;
    }
    if (octo_yaml_dump(v, 0, &b, &err) == 0) {
        if (octo_yaml_load(b.data, b.len, "dump", &back, NULL, &err) != OCTO_OK ||
            !json_equal(v, back)) {
            char *a = json_dumps(v, JSON_ENCODE_ANY);
            char *c = back != NULL ? json_dumps(back, JSON_ENCODE_ANY) : NULL;

            fprintf(stderr,
                    "YAML round trip differs:\n  value: %s\n  dump:  %s\n  back:  %s (%s)\n", a,
                    octo_buf_cstr(&b), c != NULL ? c : "-", err.msg);
            abort();
        }
    }
    json_decref(v);
    json_decref(back);
    octo_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct octo_flow *f = NULL;
    struct octo_diags d;
    octo_error err;
    unsigned flags = (size > 0 && (data[0] ^ data[size - 1]) & 1) ? OCTO_FLOW_STRICT : 0;
    size_t i;
    json_t *e;
    int rc;

    octo_diags_init(&d);
    memset(&err, 0, sizeof(err));
    rc = octo_flow_load_text((const char *)data, size, "fuzz.yml", flags, &f, &d, &err);
    if (rc == OCTO_OK) {
        if (f == NULL || json_array_size(d.errors) != 0) {
            abort(); /* loaded with errors */
        }
        for (i = 0; i < f->nsteps; i++) {
            long k = octo_flow_step_index(f, f->steps[i].name);

            if (k < 0 || (size_t)k > i || f->steps[i].type == NULL || f->steps[i].label == NULL ||
                f->steps[i].result_key == NULL || f->steps[i].options == NULL) {
                abort(); /* a half-built step in a loaded flow */
            }
        }
        if (f->finally_index >= (long)f->nsteps) {
            abort();
        }
        octo_flow_unref(f);
    } else {
        if (f != NULL || err.msg[0] == '\0' || json_array_size(d.errors) == 0) {
            abort(); /* a failure without its message */
        }
        json_array_foreach(d.errors, i, e)
        {
            if (strncmp(json_string_value(e), "fuzz.yml", 8) != 0) {
                fprintf(stderr, "error without the file's name: %s\n", json_string_value(e));
                abort();
            }
        }
    }
    json_array_foreach(d.warnings, i, e)
    {
        if (strncmp(json_string_value(e), "fuzz.yml", 8) != 0) {
            fprintf(stderr, "warning without the file's name: %s\n", json_string_value(e));
            abort();
        }
    }
    octo_diags_free(&d);
    check_yaml_round_trip(data, size);
    return 0;
}

/* ---- structure-aware mutation ------------------------------------------------ */

static uint64_t g_rng;

static uint32_t rnd(uint32_t n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return n == 0 ? 0 : (uint32_t)(g_rng % n);
}

static const char *const KEYS[] = {
    "name",
    "steps",
    "finally_step",
    "cron",
    "every_seconds",
    "description",
    "type",
    "when",
    "result_key",
    "ignore_errors",
    "jq_expression",
    "file",
    "jq",
    "rest",
    "jinja",
    "debug",
    "flow",
    "flow_loop",
    "jira_names_merge",
    "path",
    "mode",
    "data_key",
    "expression",
    "uri",
    "method",
    "headers",
    "query",
    "body",
    "authentication",
    "secret",
    "bearer",
    "verify",
    "ca_file",
    "timeout",
    "connect_timeout",
    "max_redirects",
    "max_response_bytes",
    "max_workers",
    "fail_on_error",
    "<<",
    "unknown_key",
    "on_error_goto",
    "max_steps",
    "retry",
    "goto",
    "switch",
    "set_fact",
    "sleep",
    "exit",
    "step_name",
    "cases",
    "default",
    "step",
    "value",
    "values",
    "seconds",
    "message",
};

static const char *const STRINGS[] = {
    "",
    " ",
    "jq",
    "file",
    "rest",
    "jinja",
    "debug",
    "flow",
    "flow_loop",
    "jira_names_merge",
    "nosuchtype",
    "read",
    "write",
    "append",
    "yaml",
    "json",
    "text",
    "GET",
    "post",
    "PATCH",
    "basic",
    "token",
    "api_key",
    "tok",
    "key",
    "awx_credential",
    "missing_secret",
    ".",
    "__input__",
    "__errors__",
    "{{ x }}",
    "{{ __input__.id }}",
    "{{",
    "}}",
    "{% if x %}y{% endif %}",
    "{% include 'a.j2' %}",
    "{% for i in range(3) %}{{ i }}{% endfor %}",
    "{{ 2 ** 64 }}",
    "tickets | length > 0",
    ".[]",
    "[paths]",
    "first(paths)",
    ".a |",
    "def f: f; f",
    "gsub(\"\"; \"x\")",
    "1e1000 | todate",
    "$ENV.PATH",
    "a.j2",
    "self.j2",
    "bad.j2",
    "nope.j2",
    "sub/summarize.yml",
    "fuzz.yml",
    "missing.yml",
    "out/x.yml",
    "../x",
    "/etc/passwd",
    "secrets.yml",
    "config.yml",
    "octoflow.db-wal",
    "templates/a.j2",
    "*/5 * * * *",
    "61 * * * *",
    "@hourly",
    "0 0 31 2 *",
    ".*404.*",
    "(",
    "[a-",
    "(?<n>x)",
    "\\",
    "\xc3\xa9",
    "http://127.0.0.1:9/x",
    "file:///etc/passwd",
    "https://{{ host }}/api",
    "goto",
    "switch",
    "set_fact",
    "sleep",
    "exit",
    "__end__",
    "__start__",
    "__exit__",
    "None$",
    "new|open",
};

/* A fresh value from the pool. */
static json_t *pool_value(void)
{
    switch (rnd(12)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(2));
    case 2: {
        static const json_int_t ints[] = {0,
                                          1,
                                          -1,
                                          2,
                                          31536000,
                                          31536001,
                                          9223372036854775807LL,
                                          (-9223372036854775807LL - 1),
                                          1000000,
                                          65536};

        return json_integer(ints[rnd(sizeof(ints) / sizeof(ints[0]))]);
    }
    case 3: {
        static const double reals[] = {0.5, -0.0, 1e308, 1e-300, 2.5, 30.0};

        return json_real(reals[rnd(sizeof(reals) / sizeof(reals[0]))]);
    }
    case 4:
        return json_array();
    case 5:
        return json_object();
    case 6: {
        char buf[600];
        size_t n = 1 + rnd(sizeof(buf) - 1);

        memset(buf, "ax{%.\n"[rnd(6)], n);
        return json_stringn(buf, n);
    }
    default:
        return json_string(STRINGS[rnd(sizeof(STRINGS) / sizeof(STRINGS[0]))]);
    }
}

/* Every node of the tree: its parent and its place there. */
struct slot {
    json_t *parent;  /* NULL for the root */
    const char *key; /* object member, or NULL */
    size_t index;    /* array index */
    json_t *node;
};

struct slots {
    struct slot v[512];
    size_t n;
};

static void collect(json_t *parent, const char *key, size_t index, json_t *node, struct slots *s,
                    int depth)
{
    const char *k;
    json_t *c;
    size_t i;

    if (s->n == sizeof(s->v) / sizeof(s->v[0]) || depth > 40) {
        return;
    }
    s->v[s->n].parent = parent;
    s->v[s->n].key = key;
    s->v[s->n].index = index;
    s->v[s->n].node = node;
    s->n++;
    if (json_is_object(node)) {
        json_object_foreach(node, k, c)
        {
            collect(node, k, 0, c, s, depth + 1);
        }
    } else if (json_is_array(node)) {
        json_array_foreach(node, i, c)
        {
            collect(node, NULL, i, c, s, depth + 1);
        }
    }
}

/* Put v (stolen) in the slot's place; the root cannot be replaced. */
static void replace(const struct slot *sl, json_t *v)
{
    if (sl->parent == NULL) {
        json_decref(v);
    } else if (sl->key != NULL) {
        json_object_set_new(sl->parent, sl->key, v);
    } else {
        json_array_set_new(sl->parent, sl->index, v);
    }
}

/* One random change of the tree (root may be replaced: *root). */
static void mutate_tree(json_t **root, unsigned int seed)
{
    struct slots *s = calloc(1, sizeof(*s));
    struct slot *a;
    struct slot *b;

    (void)seed;
    if (s == NULL) {
        return;
    }
    collect(NULL, NULL, 0, *root, s, 0);
    a = &s->v[rnd((uint32_t)s->n)];
    b = &s->v[rnd((uint32_t)s->n)];
    switch (rnd(9)) {
    case 0: /* a value from the pool */
        replace(a, pool_value());
        break;
    case 1: /* a copy of another node (not an ancestor over itself) */
        if (a != b && a->parent != NULL) {
            json_t *copy = json_deep_copy(b->node);

            if (copy != NULL) {
                replace(a, copy);
            }
        }
        break;
    case 2: /* delete */
        if (a->parent != NULL && a->key != NULL) {
            json_object_del(a->parent, a->key);
        } else if (a->parent != NULL) {
            json_array_remove(a->parent, a->index);
        }
        break;
    case 3: /* insert a known key, or append to a list */
        if (json_is_object(a->node)) {
            json_object_set_new(a->node, KEYS[rnd(sizeof(KEYS) / sizeof(KEYS[0]))],
                                rnd(3) == 0 ? json_deep_copy(b->node) : pool_value());
        } else if (json_is_array(a->node) && json_array_size(a->node) < 64) {
            json_array_append_new(a->node, json_deep_copy(b->node));
        }
        break;
    case 4: /* wrap */
        if (a->parent != NULL) {
            json_t *w = rnd(2)
                            ? json_pack("[O]", a->node)
                            : json_pack("{sO}", KEYS[rnd(sizeof(KEYS) / sizeof(KEYS[0]))], a->node);

            if (w != NULL) {
                replace(a, w);
            }
        }
        break;
    case 5: { /* duplicate or swap steps */
        json_t *steps = json_object_get(*root, "steps");

        if (json_is_array(steps) && json_array_size(steps) > 0 && json_array_size(steps) < 64) {
            size_t i = rnd((uint32_t)json_array_size(steps));

            json_array_insert_new(steps, rnd((uint32_t)json_array_size(steps) + 1),
                                  json_deep_copy(json_array_get(steps, i)));
        }
        break;
    }
    case 6: /* byte mutations of a string */
        if (json_is_string(a->node)) {
            size_t n = json_string_length(a->node);
            size_t cap = n + 64;
            uint8_t *buf = malloc(cap);

            if (buf != NULL) {
                memcpy(buf, json_string_value(a->node), n);
                n = LLVMFuzzerMutate(buf, n, cap);
                replace(a, json_stringn_nocheck((const char *)buf, n));
                free(buf);
            }
        }
        break;
    case 7: /* a scalar of another type */
        if (json_is_string(a->node) && a->parent != NULL) {
            replace(a, rnd(2) ? json_integer((json_int_t)json_string_length(a->node))
                              : json_boolean(1));
        } else if (json_is_number(a->node) || json_is_boolean(a->node)) {
            replace(a, json_string("7"));
        }
        break;
    default: /* rename a key */
        if (a->parent != NULL && a->key != NULL) {
            json_t *v = json_incref(a->node);
            char *old = strdup(a->key);

            json_object_del(a->parent, old);
            json_object_set_new(a->parent, KEYS[rnd(sizeof(KEYS) / sizeof(KEYS[0]))], v);
            free(old);
        }
        break;
    }
    free(s);
}

/* Dump v as YAML into data (max_size); 0 when it does not fit. */
static size_t emit(json_t *v, uint8_t *data, size_t max_size)
{
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;
    size_t n = 0;

    memset(&err, 0, sizeof(err));
    if (octo_yaml_dump(v, 0, &b, &err) == 0 && b.len <= max_size && b.len > 0) {
        memcpy(data, b.data, b.len);
        n = b.len;
    }
    octo_buf_free(&b);
    return n;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    json_t *root = NULL;
    octo_error err;
    size_t n = 0;
    int rounds;

    g_rng = ((uint64_t)seed << 1) | 1;
    memset(&err, 0, sizeof(err));
    /* a quarter of the time, and for inputs that are not YAML: bytes */
    if (rnd(4) == 0 ||
        octo_yaml_load((const char *)data, size, "m", &root, NULL, &err) != OCTO_OK ||
        root == NULL || json_is_null(root)) {
        json_decref(root);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    for (rounds = 1 + (int)rnd(3); rounds > 0; rounds--) {
        mutate_tree(&root, seed);
    }
    n = emit(root, data, max_size);
    json_decref(root);
    return n > 0 ? n : LLVMFuzzerMutate(data, size, max_size);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
    json_t *a = NULL;
    json_t *b = NULL;
    octo_error err;
    size_t n = 0;

    g_rng = ((uint64_t)seed << 1) | 1;
    memset(&err, 0, sizeof(err));
    if (octo_yaml_load((const char *)d1, s1, "a", &a, NULL, &err) == OCTO_OK &&
        octo_yaml_load((const char *)d2, s2, "b", &b, NULL, &err) == OCTO_OK &&
        json_is_array(json_object_get(a, "steps")) && json_is_array(json_object_get(b, "steps"))) {
        json_t *sa = json_object_get(a, "steps");
        json_t *sb = json_object_get(b, "steps");
        size_t cut = rnd((uint32_t)json_array_size(sa) + 1);
        size_t i;

        while (json_array_size(sa) > cut) {
            json_array_remove(sa, cut);
        }
        for (i = rnd((uint32_t)json_array_size(sb) + 1); i < json_array_size(sb); i++) {
            json_array_append(sa, json_array_get(sb, i));
        }
        n = emit(a, out, max_out);
    }
    json_decref(a);
    json_decref(b);
    return n;
}
