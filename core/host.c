/* host.c - the octo_host table: the only way plugins reach the core.
 *
 * Each member is a thin adapter from the SDK's stable signature to a core
 * module; they are all thread-safe because the modules are. Strings
 * handed to plugins are malloc'd (host->free is free). The table is a
 * static constant: plugins may keep the pointer for the process life.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "jqbridge.h"
#include "log.h"
#include "paths.h"
#include "plugins.h"
#include "pyfmt.h"
#include "pyjson.h"
#include "pyregex.h"
#include "redact.h"
#include "runner.h"
#include "secrets.h"
#include "tplcache.h"
#include "version.h"
#include "xalloc.h"
#include "yaml_io.h"

/* (declared with their formats so that clang checks the vprintf calls) */
static void h_log(octo_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_log(octo_ctx *ctx, int level, const char *fmt, ...)
{
    struct octo_buf b = OCTO_BUF_INIT;
    va_list ap;

    if (!octo_log_enabled(level)) {
        return;
    }
    if (ctx != NULL && ctx->run != NULL) {
        octo_buf_puts(&b, ctx->run->prefix);
        if (ctx->step != NULL) {
            octo_buf_printf(&b, "[%s // %s]", ctx->step->name, ctx->step->type->t.name);
        }
        octo_buf_putc(&b, ' ');
    }
    va_start(ap, fmt);
    octo_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    octo_log(level, "%s", octo_buf_cstr(&b));
    octo_buf_free(&b);
}

static int h_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int h_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    octo_error_vset(err, code, field, fmt, ap);
    va_end(ap);
    return code;
}

static int h_template_compile(const char *source, const char *origin, octo_template **out,
                              octo_error *err)
{
    return octo_tpl_compile(source, strlen(source), origin != NULL ? origin : "template",
                            octo_flow_tpl_env(), (struct octo_tpl **)out, err);
}

static int h_template_load(const char *rel_path, octo_template **out, octo_error *err)
{
    return octo_tplcache_get(rel_path, (struct octo_tpl **)out, err);
}

static int h_template_render(octo_ctx *ctx, const octo_template *tpl, json_t *vars, char **out,
                             size_t *len, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;
    int rc;

    (void)ctx;
    *out = NULL;
    b.limit = 16u << 20;
    rc = octo_tpl_render((const struct octo_tpl *)tpl, vars, &b, err);
    if (rc != OCTO_OK) {
        octo_buf_free(&b);
        return rc;
    }
    /* a buffer past its limit was reported by octo_tpl_render: not NULL */
    *out = octo_buf_steal(&b, len);
    return OCTO_OK;
}

static void h_template_free(octo_template *tpl)
{
    octo_tpl_unref((struct octo_tpl *)tpl);
}

static int h_jq_compile(const char *program, octo_jq **out, octo_error *err)
{
    return octo_jq_compile(program, (struct octo_jq_prog **)out, err);
}

static int h_jq_run(octo_ctx *ctx, const octo_jq *prog, json_t *input, int mode, json_t **out,
                    octo_error *err)
{
    int n = 0;
    int rc = octo_jq_run((const struct octo_jq_prog *)prog, input, mode, out, &n, err);

    if (rc == OCTO_OK && mode == OCTO_JQ_SINGLE && n != 1) {
        h_log(ctx, OCTO_LOG_WARN, "jq expression \"%s\" gave %s outputs; the result is null",
              octo_jq_source((const struct octo_jq_prog *)prog), n == 0 ? "no" : "several");
    }
    return rc;
}

static void h_jq_free(octo_jq *prog)
{
    octo_jq_release((struct octo_jq_prog *)prog);
}

static int h_secret_get(octo_ctx *ctx, const char *name, json_t **out, octo_error *err)
{
    (void)ctx;
    return octo_secrets_get(name, out, err);
}

static json_t *h_data_get(octo_ctx *ctx, const char *key)
{
    if (ctx == NULL || ctx->run == NULL || key == NULL) {
        return NULL;
    }
    if (strcmp(key, ".") == 0) {
        return ctx->run->data;
    }
    return json_object_get(ctx->run->data, key);
}

static int h_path_resolve(int root, const char *rel, unsigned flags, char **abs, octo_error *err)
{
    char buf[4096];
    int rc;

    *abs = NULL;
    rc = octo_path_resolve(root, rel, flags, buf, sizeof(buf), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    *abs = octo_xstrdup(buf);
    return OCTO_OK;
}

static int h_cancelled(octo_ctx *ctx)
{
    if (ctx == NULL || ctx->run == NULL) {
        return 0;
    }
    return octo_cancel_check(ctx->run->cancel) != 0;
}

static int h_yaml_load(const char *text, size_t len, const char *origin, json_t **out,
                       octo_error *err)
{
    return octo_yaml_load(text, len, origin != NULL ? origin : "yaml", out, NULL, err);
}

static int steal_into(struct octo_buf *b, char **out, octo_error *err)
{
    /* NULL only for a failed buffer: these have no limit, so a size that
     * wrapped size_t */
    *out = octo_buf_steal(b, NULL);
    return *out != NULL ? OCTO_OK : octo_error_set(err, OCTO_EINVAL, NULL, "value too large");
}

static int h_yaml_dump(json_t *value, unsigned flags, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    *out = NULL;
    if (octo_yaml_dump(value, flags, &b, err) != 0) {
        octo_buf_free(&b);
        return err->code != 0 ? err->code : OCTO_EINTERNAL;
    }
    return steal_into(&b, out, err);
}

static int h_json_dump(json_t *value, unsigned flags, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    *out = NULL;
    if (octo_pyjson_dump(value, flags, &b) != 0) {
        octo_buf_free(&b);
        return octo_error_set(err, OCTO_EINVAL, NULL, "value cannot be written as JSON");
    }
    return steal_into(&b, out, err);
}

static int h_value_text(json_t *value, char **out, octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;

    octo_py_value_str(value, &b);
    return steal_into(&b, out, err);
}

static int h_error_detail(octo_error *err, json_t *detail)
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

static int h_control(octo_ctx *ctx, int what, const char *arg)
{
    if (ctx == NULL || ctx->control == NULL ||
        (what != OCTO_CONTROL_GOTO && what != OCTO_CONTROL_EXIT)) {
        return OCTO_EINVAL;
    }
    ctx->control->what = what;
    snprintf(ctx->control->arg, sizeof(ctx->control->arg), "%s", arg != NULL ? arg : "");
    return OCTO_OK;
}

static int h_sleep(octo_ctx *ctx, double seconds, octo_error *err)
{
    int why;

    if (!(seconds >= 0) || seconds > (double)OCTO_SECONDS_MAX) {
        return octo_error_set(err, OCTO_EINVAL, NULL, "cannot sleep %g seconds (0 to %d)", seconds,
                              OCTO_SECONDS_MAX);
    }
    why = octo_cancel_sleep(ctx != NULL && ctx->run != NULL ? ctx->run->cancel : NULL, seconds);
    if (why == OCTO_DEADLINE) {
        return octo_error_set(err, OCTO_ETIMEDOUT, NULL, "the run timed out while sleeping");
    }
    if (why != OCTO_GO_ON) {
        return octo_error_set(err, OCTO_ECANCELED, NULL, "the run was cancelled while sleeping");
    }
    return OCTO_OK;
}

static int h_flow_run2(octo_ctx *ctx, const char *rel, json_t *input, json_t **out, octo_error *err)
{
    int failed = 0;
    int rc = octo_run_subflow(ctx, rel, input, out, &failed, err);

    if (rc != OCTO_OK) {
        return rc;
    }
    return failed ? OCTO_ESUBFLOW : OCTO_OK;
}

/* The SDK's flags are the wrapper's (pyregex.h): one meaning, no mapping. */
_Static_assert(OCTO_REGEX_IGNORECASE == OCTO_RE_IGNORECASE &&
                   OCTO_REGEX_MULTILINE == OCTO_RE_MULTILINE && OCTO_REGEX_DOTALL == OCTO_RE_DOTALL,
               "regex flags");

static int h_regex_compile(const char *pattern, unsigned flags, octo_regex **out, octo_error *err)
{
    *out = NULL;
    if (pattern == NULL) {
        return octo_error_set(err, OCTO_EINVAL, NULL, "no regular expression");
    }
    return octo_regex_compile(
        pattern, flags & (OCTO_RE_IGNORECASE | OCTO_RE_MULTILINE | OCTO_RE_DOTALL), out, err);
}

static int h_regex_match(const octo_regex *re, const char *subject, size_t len, int how,
                         octo_error *err)
{
    struct octo_match m;

    if (re == NULL || (subject == NULL && len > 0)) {
        return err != NULL ? octo_error_set(err, OCTO_EINVAL, NULL, "regex_match: no pattern")
                           : OCTO_EINVAL;
    }
    if (how == OCTO_REGEX_MATCH) {
        return octo_regex_match(re, subject != NULL ? subject : "", len, &m, err);
    }
    if (how == OCTO_REGEX_SEARCH) {
        return octo_regex_search(re, subject != NULL ? subject : "", len, 0, &m, err);
    }
    return err != NULL ? octo_error_set(err, OCTO_EINVAL, NULL, "regex_match: unknown mode %d", how)
                       : OCTO_EINVAL;
}

static const octo_host g_host = {
    .struct_size = sizeof(octo_host),
    .abi_major = OCTO_ABI_MAJOR,
    .abi_minor = OCTO_ABI_MINOR,
    .core_version = OCTO_VERSION,
    .log = h_log,
    .error_set = h_error_set,
    .strerror = octo_strerror,
    .alloc = malloc,
    .free = free,
    .template_compile = h_template_compile,
    .template_load = h_template_load,
    .template_render = h_template_render,
    .template_free = h_template_free,
    .jq_compile = h_jq_compile,
    .jq_run = h_jq_run,
    .jq_free = h_jq_free,
    .secret_get = h_secret_get,
    .data_get = h_data_get,
    .path_resolve = h_path_resolve,
    .flow_run = octo_run_subflow,
    .flow_run_each = octo_run_subflow_each,
    .cancelled = h_cancelled,
    .yaml_load = h_yaml_load,
    .yaml_dump = h_yaml_dump,
    .json_dump = h_json_dump,
    .value_text = h_value_text,
    /* 1.1 */
    .error_detail = h_error_detail,
    .control = h_control,
    .sleep = h_sleep,
    .flow_run2 = h_flow_run2,
    .run_nested = octo_run_nested,
    .regex_compile = h_regex_compile,
    .regex_match = h_regex_match,
    .regex_free = octo_regex_free,
};

const octo_host *octo_host_table(void)
{
    return &g_host;
}
