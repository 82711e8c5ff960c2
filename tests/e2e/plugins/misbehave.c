/* misbehave.c - a step plugin that does what no plugin should, for the
 * crash suite (tests/e2e/test_crash_suite.py). Built into
 * build/tests/e2e/plugins/, never installed.
 *
 *   type: misbehave
 *   misbehave:
 *     how: segv | abort | exit | oom | spin | hostile | ok
 *     crash_in_prepare: false
 *
 * "hostile" tries what a compromised plugin would and reports what the
 * worker's sandbox let it do: read /etc/shadow and any process's
 * environment, write a protected file and a file outside DATA_PATH, see
 * API_TOKEN in its environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/octo_step.h>

static int m_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    (void)h;
    (void)err;
    if (json_is_true(json_object_get(options, "crash_in_prepare"))) {
        raise(SIGSEGV);
    }
    *inst = (void *)json_string_value(json_object_get(options, "how"));
    return OCTO_OK;
}

/* "allowed" or the errno text of a denied open(). */
static json_t *try_open(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    char buf[16];

    if (fd < 0) {
        return json_string(strerror(errno));
    }
    if (!(flags & (O_WRONLY | O_RDWR)) && read(fd, buf, sizeof(buf)) < 0) {
        int e = errno;

        close(fd);
        return json_string(strerror(e));
    }
    close(fd);
    return json_string("allowed");
}

static json_t *hostile(void)
{
    json_t *o = json_object();
    const char *data = getenv("DATA_PATH");
    char path[4096];

    json_object_set_new(o, "read_shadow", try_open("/etc/shadow", O_RDONLY));
    json_object_set_new(o, "read_own_environ", try_open("/proc/self/environ", O_RDONLY));
    json_object_set_new(o, "read_parent_environ", try_open("/proc/1/environ", O_RDONLY));
    json_object_set_new(o, "write_tmp",
                        try_open("/tmp/octoflow-hostile-probe", O_WRONLY | O_CREAT));
    if (data != NULL) {
        snprintf(path, sizeof(path), "%s/secrets.yml", data);
        json_object_set_new(o, "write_secrets", try_open(path, O_WRONLY | O_APPEND));
        snprintf(path, sizeof(path), "%s/flows/injected.yml", data);
        json_object_set_new(o, "write_flows", try_open(path, O_WRONLY | O_CREAT));
        snprintf(path, sizeof(path), "%s/hostile-probe.txt", data);
        json_object_set_new(o, "write_data", try_open(path, O_WRONLY | O_CREAT));
    }
    json_object_set_new(o, "env_api_token",
                        getenv("API_TOKEN") != NULL ? json_string("present")
                                                    : json_string("absent"));
    return o;
}

static int m_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                 json_t **out, octo_error *err)
{
    const char *how = inst;
    volatile int *nowhere = NULL;

    (void)args;
    (void)err;
    *out = NULL;
    if (strcmp(how, "segv") == 0) {
        *nowhere = 1;
    } else if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "exit") == 0) {
        exit(7);
    } else if (strcmp(how, "oom") == 0) {
        for (;;) { /* grow and touch memory until something stops us */
            char *p = malloc(16u << 20);

            if (p == NULL) {
                fprintf(stderr, "misbehave: out of memory\n");
                abort();
            }
            memset(p, 1, 16u << 20);
        }
    } else if (strcmp(how, "spin") == 0) {
        for (;;) { /* never looks at host->cancelled */
        }
    } else if (strcmp(how, "hostile") == 0) {
        *out = hostile();
        return OCTO_OK;
    }
    h->log(ctx, OCTO_LOG_INFO, "misbehave: nothing to do");
    *out = json_string("ok");
    return OCTO_OK;
}

static const char *const HOW[] = {"segv", "abort", "exit", "oom", "spin", "hostile", "ok", NULL};

static const octo_option OPTIONS[] = {
    {.name = "how",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_REQUIRED,
     .values = HOW,
     .summary = "what to do wrong"},
    {.name = "crash_in_prepare",
     .type = OCTO_OPT_BOOL,
     .def = "false",
     .summary = "segfault when the flow is loaded"},
    {.name = NULL},
};

static const octo_step_type MISBEHAVE = {
    .struct_size = sizeof(octo_step_type),
    .name = "misbehave",
    .summary = "A plugin that crashes, leaks, spins or snoops (tests only)",
    .options = OPTIONS,
    .option_size = sizeof(octo_option),
    .prepare = m_prepare,
    .run = m_run,
};

static const octo_step_type *const STEPS[] = {&MISBEHAVE, NULL};

OCTO_PLUGIN_DESCRIPTOR(g_plugin, "octo-test-misbehave", "1.0", STEPS);
OCTO_PLUGIN_DEFINE_ENTRY(g_plugin)
