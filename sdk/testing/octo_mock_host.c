/* octo_mock_host.c - the SDK's mock host (see octoflow/octo_mock_host.h).
 *
 * The Python text forms, YAML and regular expressions are the core's own
 * modules (core/util/: pyjson.c, pyfmt.c, yaml_*.c, pyregex.c), linked into the
 * mock's library: a plugin tested here sees byte for byte what it sees
 * in the core. Everything that needs the engine (templates, jq, flows)
 * is a stub that fails with a message naming the member, so a test that
 * reaches one by accident reads why.
 *
 * State is per mock, behind one mutex: the captured log, the records of
 * control, sleep and run_nested calls. The only other state is a
 * thread-local pointer to the mock most recently created on a thread,
 * for the members that are called without a ctx (log from prepare).
 */
#include "mock_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyfmt.h"
#include "pyjson.h"
#include "pyregex.h"
#include "yaml_io.h"

#define MOCK_SECONDS_MAX 31536000.0 /* the core's limit of a sleep: one year */

static _Thread_local octo_mock *t_current;

static void *xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);

    if (p == NULL) {
        abort(); /* a test helper: out of memory ends the test */
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;

    return memcpy(xmalloc(n), s, n);
}

static octo_mock *of_ctx(octo_ctx *ctx)
{
    return ctx != NULL ? ctx->m : t_current;
}

/* ---- working members ------------------------------------------------ */

static void m_log(octo_ctx *ctx, int level, const char *fmt, ...) OCTO_PRINTF(3, 4);

static void m_log(octo_ctx *ctx, int level, const char *fmt, ...)
{
    octo_mock *m = of_ctx(ctx);
    va_list ap;
    int n;
    char *line;

    if (m == NULL) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    line = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&m->mu);
    if (m->nlines == m->caplines) {
        m->caplines = m->caplines != 0 ? m->caplines * 2 : 16;
        m->lines = realloc(m->lines, m->caplines * sizeof(*m->lines));
        m->levels = realloc(m->levels, m->caplines * sizeof(*m->levels));
        if (m->lines == NULL || m->levels == NULL) {
            abort();
        }
    }
    m->lines[m->nlines] = line;
    m->levels[m->nlines] = level;
    m->nlines++;
    pthread_mutex_unlock(&m->mu);
}

int octo_mock_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return code;
    }
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field != NULL ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

static const char *m_strerror(int code)
{
    switch (code) {
    case OCTO_OK:
        return "success";
#define XX(name, value, type, text)                                                                \
    case value:                                                                                    \
        return text;
        OCTO_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

static int steal(struct octo_buf *b, char **out, octo_error *err)
{
    *out = octo_buf_steal(b, NULL);
    return *out != NULL ? OCTO_OK : octo_mock_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
}

static int m_json_dump(json_t *value, unsigned flags, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    *out = NULL;
    if (octo_pyjson_dump(value, flags, &b) != 0) {
        octo_buf_free(&b);
        return octo_mock_error_set(err, OCTO_EINVAL, NULL, "value cannot be written as JSON");
    }
    return steal(&b, out, err);
}

static int m_value_text(json_t *value, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    octo_py_value_str(value, &b);
    return steal(&b, out, err);
}

static int m_yaml_load(const char *text, size_t len, const char *origin, json_t **out,
                       octo_error *err)
{
    return octo_yaml_load(text, len, origin != NULL ? origin : "yaml", out, NULL, err);
}

static int m_yaml_dump(json_t *value, unsigned flags, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    *out = NULL;
    if (octo_yaml_dump(value, flags, &b, err) != 0) {
        octo_buf_free(&b);
        return err->code != 0 ? err->code : OCTO_EINTERNAL;
    }
    return steal(&b, out, err);
}

json_t *octo_mock_data_get(octo_ctx *ctx, const char *key)
{
    octo_mock *m = ctx != NULL ? ctx->m : NULL;

    if (m == NULL || key == NULL || m->data == NULL) {
        return NULL;
    }
    return strcmp(key, ".") == 0 ? m->data : json_object_get(m->data, key);
}

static int m_secret_get(octo_ctx *ctx, const char *name, json_t **out, octo_error *err)
{
    octo_mock *m = of_ctx(ctx);
    json_t *s = m != NULL && name != NULL ? json_object_get(m->secrets, name) : NULL;

    *out = NULL;
    if (s == NULL) {
        return octo_mock_error_set(err, OCTO_ESECRET, NULL,
                                   "Secret '%s' not found (mock host: "
                                   "octo_mock_set_secret)",
                                   name != NULL ? name : "");
    }
    *out = json_deep_copy(s);
    return OCTO_OK;
}

/* Lexical confinement: no absolute path, no "..", not empty. */
int octo_mock_path_resolve(int root, const char *rel, unsigned flags, char **abs, octo_error *err)
{
    octo_mock *m = t_current;
    const char *dir = m != NULL && root >= 1 && root <= 3 ? m->roots[root] : NULL;
    const char *p;
    size_t n;

    (void)flags;
    *abs = NULL;
    if (dir == NULL) {
        return octo_mock_error_set(err, OCTO_EPATH, NULL,
                                   "the mock host has no directory for root %d: octo_mock_set_root",
                                   root);
    }
    if (rel == NULL || rel[0] == '\0') {
        return octo_mock_error_set(err, OCTO_EPATH, NULL, "empty path");
    }
    if (rel[0] == '/') {
        return octo_mock_error_set(err, OCTO_EPATH, NULL, "absolute paths are not allowed: %s",
                                   rel);
    }
    for (p = rel; *p != '\0'; p += strcspn(p, "/"), p += *p == '/') {
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0')) {
            return octo_mock_error_set(err, OCTO_EPATH, NULL, "path leaves its root: %s", rel);
        }
    }
    n = strlen(dir) + strlen(rel) + 2;
    *abs = xmalloc(n);
    snprintf(*abs, n, "%s/%s", dir, rel);
    return OCTO_OK;
}

static int m_cancelled(octo_ctx *ctx)
{
    octo_mock *m = ctx != NULL ? ctx->m : NULL;

    return m != NULL && atomic_load(&m->cancelled);
}

static int m_error_detail(octo_error *err, json_t *detail)
{
    char *text;
    size_t n;

    if (err == NULL || !json_is_object(detail)) {
        return OCTO_EINVAL;
    }
    text = json_dumps(detail, JSON_COMPACT);
    if (text == NULL) {
        return OCTO_EINVAL;
    }
    n = strlen(text);
    if (n >= sizeof(err->detail)) {
        free(text);
        return OCTO_EINVAL;
    }
    memcpy(err->detail, text, n + 1);
    free(text);
    err->detail_is_object = 1;
    return OCTO_OK;
}

static int m_control(octo_ctx *ctx, int what, const char *arg)
{
    octo_mock *m = ctx != NULL ? ctx->m : NULL;

    if (m == NULL || (what != OCTO_CONTROL_GOTO && what != OCTO_CONTROL_EXIT)) {
        return OCTO_EINVAL;
    }
    pthread_mutex_lock(&m->mu);
    m->control_what = what;
    snprintf(m->control_arg, sizeof(m->control_arg), "%s", arg != NULL ? arg : "");
    m->control_calls++;
    pthread_mutex_unlock(&m->mu);
    return OCTO_OK;
}

static int m_sleep(octo_ctx *ctx, double seconds, octo_error *err)
{
    octo_mock *m = of_ctx(ctx);

    if (!(seconds >= 0) || seconds > MOCK_SECONDS_MAX) {
        return octo_mock_error_set(err, OCTO_EINVAL, NULL, "cannot sleep %g seconds (0 to %.0f)",
                                   seconds, MOCK_SECONDS_MAX);
    }
    if (m == NULL) {
        return OCTO_OK;
    }
    pthread_mutex_lock(&m->mu);
    m->sleeps++;
    m->slept += seconds;
    pthread_mutex_unlock(&m->mu);
    if (atomic_load(&m->cancelled)) {
        return octo_mock_error_set(err, OCTO_ECANCELED, NULL,
                                   "the run was cancelled while sleeping");
    }
    return OCTO_OK;
}

static int m_run_nested(octo_ctx *ctx, const char *option, size_t index, json_t **out,
                        octo_error *err)
{
    octo_mock *m = ctx != NULL ? ctx->m : NULL;
    int rc;

    *out = NULL;
    if (m == NULL || option == NULL) {
        return octo_mock_error_set(err, OCTO_EINVAL, NULL,
                                   "run_nested needs the ctx of a running step");
    }
    pthread_mutex_lock(&m->mu);
    m->nested = realloc(m->nested, (m->nnested + 1) * sizeof(*m->nested));
    if (m->nested == NULL) {
        abort();
    }
    m->nested[m->nnested].option = xstrdup(option);
    m->nested[m->nnested].index = index;
    m->nnested++;
    rc = m->nested_rc;
    if (rc == OCTO_OK) {
        *out = m->nested_result != NULL ? json_deep_copy(m->nested_result) : json_null();
    } else {
        octo_mock_error_set(err, rc, NULL, "%s", m->nested_msg);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int m_regex_compile(const char *pattern, unsigned flags, octo_regex **out, octo_error *err)
{
    *out = NULL;
    if (pattern == NULL) {
        return octo_mock_error_set(err, OCTO_EINVAL, NULL, "no regular expression");
    }
    return octo_regex_compile(
        pattern, flags & (OCTO_RE_IGNORECASE | OCTO_RE_MULTILINE | OCTO_RE_DOTALL), out, err);
}

static int m_regex_match(const octo_regex *re, const char *subject, size_t len, int how,
                         octo_error *err)
{
    struct octo_match mt;

    if (re == NULL || (subject == NULL && len > 0) ||
        (how != OCTO_REGEX_MATCH && how != OCTO_REGEX_SEARCH)) {
        return err != NULL
                   ? octo_mock_error_set(err, OCTO_EINVAL, NULL, "regex_match: bad arguments")
                   : OCTO_EINVAL;
    }
    if (how == OCTO_REGEX_MATCH) {
        return octo_regex_match(re, subject != NULL ? subject : "", len, &mt, err);
    }
    return octo_regex_search(re, subject != NULL ? subject : "", len, 0, &mt, err);
}

/* ---- stubs ------------------------------------------------------------ */

#define NOT_HERE(err, member)                                                                      \
    octo_mock_error_set(err, OCTO_ENOTSUP, NULL,                                                   \
                        "the mock host has no %s: replace octo_mock_host(m)->%s in the test",      \
                        member, member)

static int s_template_compile(const char *source, const char *origin, octo_template **out,
                              octo_error *err)
{
    (void)source;
    (void)origin;
    *out = NULL;
    return NOT_HERE(err, "template_compile");
}

static int s_template_load(const char *rel_path, octo_template **out, octo_error *err)
{
    (void)rel_path;
    *out = NULL;
    return NOT_HERE(err, "template_load");
}

static int s_template_render(octo_ctx *ctx, const octo_template *tpl, json_t *vars, char **out,
                             size_t *len, octo_error *err)
{
    (void)ctx;
    (void)tpl;
    (void)vars;
    (void)len;
    *out = NULL;
    return NOT_HERE(err, "template_render");
}

static void s_template_free(octo_template *tpl)
{
    (void)tpl; /* the stubs never hand one out */
}

static int s_jq_compile(const char *program, octo_jq **out, octo_error *err)
{
    (void)program;
    *out = NULL;
    return NOT_HERE(err, "jq_compile");
}

static int s_jq_run(octo_ctx *ctx, const octo_jq *prog, json_t *input, int mode, json_t **out,
                    octo_error *err)
{
    (void)ctx;
    (void)prog;
    (void)input;
    (void)mode;
    *out = NULL;
    return NOT_HERE(err, "jq_run");
}

static void s_jq_free(octo_jq *prog)
{
    (void)prog;
}

static int s_flow_run(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out, int *failed,
                      octo_error *err)
{
    (void)ctx;
    (void)rel_path;
    (void)input;
    *out = NULL;
    *failed = 0;
    return NOT_HERE(err, "flow_run");
}

static int s_flow_run_each(octo_ctx *ctx, const char *rel_path, json_t *items,
                           unsigned max_parallel, json_t **out, size_t *failed_items,
                           octo_error *err)
{
    (void)ctx;
    (void)rel_path;
    (void)items;
    (void)max_parallel;
    *out = NULL;
    *failed_items = 0;
    return NOT_HERE(err, "flow_run_each");
}

static int s_flow_run2(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out,
                       octo_error *err)
{
    (void)ctx;
    (void)rel_path;
    (void)input;
    *out = NULL;
    return NOT_HERE(err, "flow_run2");
}

/* ---- the mock ------------------------------------------------------------ */

void octo_mock_make_current(octo_mock *m)
{
    t_current = m;
}

int octo_mock_root_set(octo_mock *m, int root)
{
    return root >= 1 && root <= 3 && m->roots[root] != NULL;
}

octo_mock *octo_mock_new(void)
{
    octo_mock *m = xmalloc(sizeof(*m));

    memset(m, 0, sizeof(*m));
    m->host.struct_size = sizeof(octo_host);
    m->host.abi_major = OCTO_ABI_MAJOR;
    m->host.abi_minor = OCTO_ABI_MINOR;
    m->host.core_version = "mock";
    m->host.log = m_log;
    m->host.error_set = octo_mock_error_set;
    m->host.strerror = m_strerror;
    m->host.alloc = malloc;
    m->host.free = free;
    m->host.template_compile = s_template_compile;
    m->host.template_load = s_template_load;
    m->host.template_render = s_template_render;
    m->host.template_free = s_template_free;
    m->host.jq_compile = s_jq_compile;
    m->host.jq_run = s_jq_run;
    m->host.jq_free = s_jq_free;
    m->host.secret_get = m_secret_get;
    m->host.data_get = octo_mock_data_get;
    m->host.path_resolve = octo_mock_path_resolve;
    m->host.flow_run = s_flow_run;
    m->host.flow_run_each = s_flow_run_each;
    m->host.cancelled = m_cancelled;
    m->host.yaml_load = m_yaml_load;
    m->host.yaml_dump = m_yaml_dump;
    m->host.json_dump = m_json_dump;
    m->host.value_text = m_value_text;
    m->host.error_detail = m_error_detail;
    m->host.control = m_control;
    m->host.sleep = m_sleep;
    m->host.flow_run2 = s_flow_run2;
    m->host.run_nested = m_run_nested;
    m->host.regex_compile = m_regex_compile;
    m->host.regex_match = m_regex_match;
    m->host.regex_free = octo_regex_free;
    m->ctx.m = m;
    m->secrets = json_object();
    atomic_init(&m->cancelled, 0);
    pthread_mutex_init(&m->mu, NULL);
    t_current = m;
    return m;
}

void octo_mock_free(octo_mock *m)
{
    size_t i;

    if (m == NULL) {
        return;
    }
    if (t_current == m) {
        t_current = NULL;
    }
    for (i = 0; i < m->nlines; i++) {
        free(m->lines[i]);
    }
    free(m->lines);
    free(m->levels);
    for (i = 0; i < m->nnested; i++) {
        free(m->nested[i].option);
    }
    free(m->nested);
    for (i = 0; i < 4; i++) {
        free(m->roots[i]);
    }
    json_decref(m->nested_result);
    json_decref(m->data);
    json_decref(m->secrets);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

octo_host *octo_mock_host(octo_mock *m)
{
    return &m->host;
}

octo_ctx *octo_mock_ctx(octo_mock *m)
{
    return &m->ctx;
}

void octo_mock_set_data(octo_mock *m, json_t *data)
{
    json_incref(data);
    json_decref(m->data);
    m->data = data;
}

void octo_mock_set_secret(octo_mock *m, const char *name, json_t *value)
{
    json_object_set_new(m->secrets, name, json_deep_copy(value));
}

void octo_mock_set_root(octo_mock *m, int root, const char *dir)
{
    if (root < 1 || root > 3) {
        return;
    }
    free(m->roots[root]);
    m->roots[root] = dir != NULL ? xstrdup(dir) : NULL;
}

void octo_mock_cancel(octo_mock *m)
{
    atomic_store(&m->cancelled, 1);
}

void octo_mock_set_nested_result(octo_mock *m, int rc, json_t *result, const char *msg)
{
    pthread_mutex_lock(&m->mu);
    m->nested_rc = rc;
    json_decref(m->nested_result);
    m->nested_result = json_incref(result);
    snprintf(m->nested_msg, sizeof(m->nested_msg), "%s", msg != NULL ? msg : "nested step failed");
    pthread_mutex_unlock(&m->mu);
}

json_t *octo_mock_error_detail(const octo_error *err)
{
    json_t *d;

    if (err == NULL || !err->detail_is_object || err->detail[0] == '\0') {
        return NULL;
    }
    d = json_loads(err->detail, 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        return NULL;
    }
    return d;
}
