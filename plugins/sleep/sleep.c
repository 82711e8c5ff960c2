/* sleep.c - the sleep step: wait, and let a cancel end the wait.
 *
 *   type: sleep
 *   sleep:
 *     seconds: 2.5          # a number, or a template rendering one
 *
 * The wait goes through host->sleep, so it ends at once when the run is
 * cancelled (API), reaches its deadline (timeout_seconds) or the service
 * shuts down: the step then fails with a cancelled or timeout error. The
 * original's time.sleep() could not be interrupted, so a stopped job
 * stayed "stopping" for as long as it slept. The result is {} (stored
 * under result_key, as the original).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

#define SLEEP_MAX 31536000.0 /* one year: the core's longest wait */

static int templated(const char *s)
{
    return strstr(s, "{{") != NULL || strstr(s, "{%") != NULL;
}

/* The number in text s (surrounding blanks allowed), or -1 when there is
 * none. */
static int parse_seconds(const char *s, double *out)
{
    char *end = NULL;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '\0') {
        return -1;
    }
    *out = strtod(s, &end);
    while (end != NULL && isspace((unsigned char)*end)) {
        end++;
    }
    return end != NULL && *end == '\0' ? 0 : -1;
}

static int check_seconds(const octo_host *h, double s, octo_error *err)
{
    if (!isfinite(s) || s < 0 || s > SLEEP_MAX) {
        return h->error_set(err, OCTO_EINVAL, "seconds",
                            "sleep seconds must be a number from 0 to %.0f (one year), not %g",
                            SLEEP_MAX, s);
    }
    return OCTO_OK;
}

/* seconds: a number, or text that is one (after rendering). */
static int seconds_of(const octo_host *h, json_t *v, double *out, octo_error *err)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return check_seconds(h, *out, err);
    }
    if (json_is_string(v) && parse_seconds(json_string_value(v), out) == 0) {
        return check_seconds(h, *out, err);
    }
    if (json_is_string(v)) {
        return h->error_set(err, OCTO_EINVAL, "seconds",
                            "sleep seconds must be a number, not \"%.100s\"", json_string_value(v));
    }
    return h->error_set(err, OCTO_EINVAL, "seconds", "sleep seconds must be a number");
}

static int sleep_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    json_t *v = json_object_get(options, "seconds");
    double s;

    (void)inst;
    if (v == NULL || json_is_null(v)) {
        return h->error_set(err, OCTO_EINVAL, "seconds", "sleep seconds is required");
    }
    if (json_is_string(v) && templated(json_string_value(v))) {
        return OCTO_OK; /* checked once rendered */
    }
    return seconds_of(h, v, &s, err);
}

static int sleep_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                     json_t **out, octo_error *err)
{
    double s = 0;
    int rc;

    (void)inst;
    *out = NULL;
    rc = seconds_of(h, json_object_get(args->options, "seconds"), &s, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    h->log(ctx, OCTO_LOG_INFO, "-> sleeping %g seconds", s);
    rc = h->sleep(ctx, s, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    *out = json_object();
    return *out != NULL ? OCTO_OK : h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
}

static const octo_option sleep_options[] = {
    {.name = "seconds",
     .type = OCTO_OPT_ANY,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE,
     .summary = "seconds to wait (decimals allowed; a template rendering a number)"},
    {.name = NULL},
};

static const octo_step_type sleep_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "sleep",
    .summary = "Wait some seconds (ended at once by cancel, timeout and shutdown)",
    .doc = "Waits `seconds` and returns {}. A cancel, the run's deadline or a shutdown ends "
           "the wait at once and fails the step.",
    .options = sleep_options,
    .option_size = sizeof(octo_option),
    .prepare = sleep_prepare,
    .run = sleep_run,
};

static const octo_step_type *const sleep_steps[] = {&sleep_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(sleep_plugin, "octo-step-sleep", "1.0.0", sleep_steps);
OCTO_PLUGIN_DEFINE_ENTRY(sleep_plugin)
