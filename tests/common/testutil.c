/* testutil.c - helpers shared by the cmocka tests (see testutil.h). */
#include "testutil.h"

#include "redact.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[PATH_MAX];

const char *octo_test_setup_data(void)
{
    char tmpl[] = "/tmp/octo-test-XXXXXX";
    char *d = mkdtemp(tmpl);

    assert_non_null(d);
    snprintf(g_dir, sizeof(g_dir), "%s", d);
    setenv("DATA_PATH", g_dir, 1);
    unsetenv("LOCK_PATH");
    unsetenv("LOG_PATH");
    unsetenv("FLOWS_PATH");
    unsetenv("TEMPLATES_PATH");
    unsetenv("SECRETS_PATH");
    unsetenv("CONFIG_FILE");
    unsetenv("JOBS_DB");
    unsetenv("TIMEZONE");
    unsetenv("LOG_LEVEL");
    setenv("PLUGINS_PATH", OCTO_TEST_PLUGIN_DIR, 1);
    return g_dir;
}

void octo_test_core_init(void)
{
    struct octo_core_opts o;
    octo_error err;
    const char *lvl = getenv("OCTO_TEST_LOG_LEVEL");

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.role = OCTO_ROLE_CLI; /* a store, the pool, runs on the calling thread */
    o.load_plugins = 1;
    o.log_level = lvl != NULL ? octo_log_level_parse(lvl) : OCTO_LOG_ERROR;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fail_msg("core init failed: %s", err.msg);
    }
}

void octo_test_core_shutdown(void)
{
    octo_core_shutdown();
}

void octo_test_cleanup_data(void)
{
    char cmd[PATH_MAX + 16];

    if (g_dir[0] != '\0' && strncmp(g_dir, "/tmp/octo-test-", 15) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot remove %s\n", g_dir);
        }
    }
}

void octo_test_write(const char *rel, const char *text)
{
    char path[PATH_MAX];
    char *slash;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", g_dir, rel);
    slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(octo_mkdirs(path, 0755), 0);
    *slash = '/';
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

char *octo_test_read(const char *rel)
{
    char path[PATH_MAX];
    FILE *fp;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", g_dir, rel);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

int octo_test_exists(const char *rel)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", g_dir, rel);
    return stat(path, &st) == 0;
}

int octo_test_group_setup(void **state)
{
    (void)state;
    octo_test_setup_data();
    octo_test_core_init();
    return 0;
}

int octo_test_group_teardown(void **state)
{
    (void)state;
    octo_redact_clear(); /* secrets registered by the group's runs */
    octo_test_core_shutdown();
    octo_test_cleanup_data();
    return 0;
}

struct octo_run_result octo_test_run_flow(const char *name, json_t *input)
{
    struct octo_flow *f = NULL;
    struct octo_run_opts o;
    struct octo_run_result r;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_flow_get(name, &f, NULL, &err) != OCTO_OK) {
        fail_msg("flow %s does not load: %s", name, err.msg);
    }
    memset(&o, 0, sizeof(o));
    o.input = input;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    octo_flow_unref(f);
    return r;
}

struct octo_run_result octo_test_run_text(const char *name, const char *text, json_t *input)
{
    char rel[256];

    snprintf(rel, sizeof(rel), "flows/%s", name);
    octo_test_write(rel, text);
    return octo_test_run_flow(name, input);
}

void octo_test_log_start(void)
{
    octo_error err;

    memset(&err, 0, sizeof(err));
    octo_test_write("logs/capture.log", "");
    assert_int_equal(octo_log_open(octo_config()->log_path, "capture.log", &err), OCTO_OK);
    octo_log_set_stderr(0);
    octo_log_set_level(OCTO_LOG_INFO);
}

char *octo_test_log_end_raw(void)
{
    octo_log_close();
    octo_log_set_stderr(1);
    octo_log_set_level(OCTO_LOG_ERROR);
    return octo_test_read("logs/capture.log");
}

/* Every line of a run carries "[job <8 hex>] " after its level; tests
 * about what a step logs compare the rest (test_runner_rules checks the
 * tag itself). */
char *octo_test_log_end(void)
{
    char *text = octo_test_log_end_raw();
    char *r;
    char *w;

    if (text == NULL) {
        return NULL;
    }
    for (r = w = text; *r != '\0';) {
        if (strncmp(r, "[job ", 5) == 0 && strlen(r) >= 15 && r[13] == ']' && r[14] == ' ') {
            r += 15;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return text;
}

void octo_test_assert_json(json_t *v, const char *expected_json)
{
    json_t *e = json_loads(expected_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    assert_non_null(e);
    if (!json_equal(v, e)) {
        char *got = json_dumps(v, JSON_ENCODE_ANY);

        fail_msg("got %s, expected %s", got != NULL ? got : "(null)", expected_json);
    }
    json_decref(e);
}

void octo_test_assert_contains(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        fail_msg("\"%s\" does not contain \"%s\"", hay != NULL ? hay : "(null)", needle);
    }
}

int octo_test_load_flow(const char *name, unsigned flags, char *msg, size_t cap, char *warnings,
                        size_t wcap)
{
    char abs[PATH_MAX];
    struct octo_flow *f = NULL;
    struct octo_diags d;
    octo_error err;
    size_t i;
    json_t *w;
    size_t len = 0;
    int rc;

    memset(&err, 0, sizeof(err));
    snprintf(abs, sizeof(abs), "%s/flows/%s", g_dir, name);
    octo_diags_init(&d);
    rc = octo_flow_load(abs, name, flags, &f, &d, &err);
    snprintf(msg, cap, "%s", rc == OCTO_OK ? "" : err.msg);
    if (warnings != NULL) {
        warnings[0] = '\0';
        json_array_foreach(d.warnings, i, w)
        {
            len += (size_t)snprintf(warnings + len, len < wcap ? wcap - len : 0, "%s%s",
                                    i > 0 ? "\n" : "", json_string_value(w));
        }
    }
    octo_diags_free(&d);
    octo_flow_unref(f);
    return rc;
}

json_t *octo_test_get(json_t *v, const char *path)
{
    char buf[512];
    char *save = NULL;
    char *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v)) {
            v = json_array_get(v, (size_t)strtoul(tok, NULL, 10));
        } else {
            v = json_object_get(v, tok);
        }
    }
    return v;
}
