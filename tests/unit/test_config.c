/* test_config.c - environment variables, derived paths, directories and
 * config.yml (config.h). Each test starts from a clean environment and a
 * fresh temporary directory; the loaded configuration is not installed
 * process-wide (octo_config_set is not called). */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const VARS[] = {"DATA_PATH",
                                   "LOCK_PATH",
                                   "LOG_PATH",
                                   "LOG_FILE_NAME",
                                   "LOG_LEVEL",
                                   "FLOWS_PATH",
                                   "TEMPLATES_PATH",
                                   "SECRETS_PATH",
                                   "CONFIG_FILE",
                                   "PLUGINS_PATH",
                                   "FLOW_MAX_WORKERS",
                                   "FLOW_MAX_DEPTH",
                                   "FLOW_TIMEOUT",
                                   "TIMEZONE",
                                   "API_PORT",
                                   "API_HTTPS_PORT",
                                   "API_THREADS",
                                   "API_TOKEN",
                                   "API_PROTOCOL",
                                   "API_HOST",
                                   "SHUTDOWN_GRACE",
                                   "OCTO_TLS_VERIFY",
                                   "OCTO_CONNECT_TO",
                                   "OCTO_CA_FILE",
                                   "HASHICORP_VAULT_TOKEN",
                                   "HASHICORP_VAULT_CACHE_TTL",
                                   "API_MAX_BODY",
                                   "API_CORS_ORIGINS",
                                   "API_CLIENT_CONNECTIONS",
                                   "JOBS_DB",
                                   NULL};

static char g_tmp[PATH_MAX]; /* canonical temporary directory of the test */
static char g_cwd[PATH_MAX];
static struct octo_config *g_cfg;

static int setup(void **state)
{
    char tmpl[] = "/tmp/octo-cfg-XXXXXX";
    size_t i;

    (void)state;
    for (i = 0; VARS[i] != NULL; i++) {
        unsetenv(VARS[i]);
    }
    assert_non_null(mkdtemp(tmpl));
    assert_non_null(realpath(tmpl, g_tmp));
    assert_non_null(getcwd(g_cwd, sizeof(g_cwd)));
    g_cfg = calloc(1, sizeof(*g_cfg));
    assert_non_null(g_cfg);
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    octo_config_free(g_cfg);
    free(g_cfg);
    g_cfg = NULL;
    assert_int_equal(chdir(g_cwd), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void path_in(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", g_tmp, rel);
}

static void set_path_env(const char *name, const char *rel)
{
    char p[PATH_MAX];

    path_in(p, sizeof(p), rel);
    setenv(name, p, 1);
}

static int is_dir(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void assert_path(const char *got, const char *rel)
{
    char p[PATH_MAX];

    path_in(p, sizeof(p), rel);
    assert_string_equal(got, p);
}

static void write_file(const char *rel, const char *text)
{
    char p[PATH_MAX];
    FILE *fp;

    path_in(p, sizeof(p), rel);
    fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int load(octo_error *err)
{
    memset(err, 0, sizeof(*err));
    octo_config_free(g_cfg);
    return octo_config_load(g_cfg, err);
}

static void load_ok(void)
{
    octo_error err;

    if (load(&err) != OCTO_OK) {
        fail_msg("config load failed: %s", err.msg);
    }
}

static void test_defaults_from_data_path(void **state)
{
    (void)state;
    set_path_env("DATA_PATH", "data");
    load_ok();
    assert_path(g_cfg->data_path, "data");
    assert_path(g_cfg->lock_path, "data/locks");
    assert_path(g_cfg->log_path, "data/logs");
    assert_path(g_cfg->flows_path, "data/flows");
    assert_path(g_cfg->templates_path, "data/templates");
    assert_path(g_cfg->secrets_path, "data/secrets.yml");
    assert_path(g_cfg->config_file, "data/config.yml");
    assert_path(g_cfg->jobs_db, "data/octoflow.db");
    assert_int_equal(access(g_cfg->jobs_db, F_OK), -1); /* named, not created */
    assert_true(is_dir(g_cfg->data_path));
    assert_true(is_dir(g_cfg->lock_path));
    assert_true(is_dir(g_cfg->log_path));
    assert_true(is_dir(g_cfg->flows_path));
    assert_true(is_dir(g_cfg->templates_path));
    assert_string_equal(g_cfg->log_file_name, "spooler_service.log");
    assert_int_equal(g_cfg->log_level, OCTO_LOG_INFO);
    assert_string_equal(g_cfg->plugins_path, "");
    assert_int_equal(g_cfg->flow_max_workers, 8);
    assert_int_equal(g_cfg->max_depth, 16);
    assert_int_equal(g_cfg->flow_timeout, 600);
    assert_int_equal(g_cfg->api_port, 5000);
    assert_int_equal(g_cfg->api_https_port, 5001);
    assert_string_equal(g_cfg->api_token, "default_token");
    assert_true(g_cfg->api_token_is_default);
    assert_int_equal(g_cfg->api_client_connections, 8);
    assert_string_equal(g_cfg->timezone, "");
    assert_int_equal(g_cfg->tls_verify, 1);
    /* no config.yml: an empty configuration */
    assert_true(json_is_object(g_cfg->file));
    assert_int_equal(json_object_size(g_cfg->file), 0);
}

static void test_data_path_default_is_cwd_data(void **state)
{
    (void)state;
    assert_int_equal(chdir(g_tmp), 0);
    load_ok();
    assert_path(g_cfg->data_path, "data");
    assert_path(g_cfg->flows_path, "data/flows");
    assert_true(is_dir(g_cfg->flows_path));
}

static void test_relative_paths_made_absolute(void **state)
{
    (void)state;
    assert_int_equal(chdir(g_tmp), 0);
    setenv("DATA_PATH", "rel/./x/", 1);
    setenv("FLOWS_PATH", "myflows", 1);
    setenv("SECRETS_PATH", "s/secrets.yml", 1);
    setenv("CONFIG_FILE", "conf.yml", 1);
    setenv("JOBS_DB", "state/jobs.sqlite", 1);
    load_ok();
    assert_path(g_cfg->jobs_db, "state/jobs.sqlite");
    assert_path(g_cfg->data_path, "rel/x");
    assert_path(g_cfg->flows_path, "myflows");
    assert_path(g_cfg->secrets_path, "s/secrets.yml");
    assert_path(g_cfg->config_file, "conf.yml");
    /* paths derived from a relative DATA_PATH are absolute too */
    assert_path(g_cfg->lock_path, "rel/x/locks");
}

static void test_directories_created_recursively(void **state)
{
    (void)state;
    set_path_env("DATA_PATH", "a/b/c/data");
    set_path_env("LOCK_PATH", "l1/l2/locks");
    set_path_env("LOG_PATH", "g1/g2/logs");
    set_path_env("FLOWS_PATH", "f1/f2/flows");
    set_path_env("TEMPLATES_PATH", "t1/t2/tpl");
    load_ok();
    assert_true(is_dir(g_cfg->data_path));
    assert_path(g_cfg->lock_path, "l1/l2/locks");
    assert_true(is_dir(g_cfg->lock_path));
    assert_path(g_cfg->log_path, "g1/g2/logs");
    assert_true(is_dir(g_cfg->log_path));
    assert_path(g_cfg->flows_path, "f1/f2/flows");
    assert_true(is_dir(g_cfg->flows_path));
    assert_path(g_cfg->templates_path, "t1/t2/tpl");
    assert_true(is_dir(g_cfg->templates_path));
    /* the overridden ones are not also made under DATA_PATH */
    {
        char p[PATH_MAX];

        path_in(p, sizeof(p), "a/b/c/data/locks");
        assert_false(is_dir(p));
    }
}

static void test_each_override(void **state)
{
    (void)state;
    set_path_env("DATA_PATH", "data");
    set_path_env("LOCK_PATH", "L");
    set_path_env("LOG_PATH", "G");
    set_path_env("FLOWS_PATH", "F");
    set_path_env("TEMPLATES_PATH", "T");
    set_path_env("SECRETS_PATH", "S.yml");
    set_path_env("CONFIG_FILE", "C.yml");
    setenv("LOG_FILE_NAME", "x.log", 1);
    setenv("LOG_LEVEL", "debug", 1);
    setenv("PLUGINS_PATH", "/p1:/p2", 1);
    setenv("FLOW_MAX_WORKERS", "3", 1);
    setenv("FLOW_MAX_DEPTH", "4", 1);
    setenv("FLOW_TIMEOUT", "60", 1);
    setenv("TIMEZONE", "Europe/Paris", 1);
    setenv("API_PORT", "8080", 1);
    setenv("API_TOKEN", "s3cret-token", 1);
    setenv("OCTO_TLS_VERIFY", "false", 1);
    load_ok();
    assert_path(g_cfg->lock_path, "L");
    assert_path(g_cfg->log_path, "G");
    assert_path(g_cfg->flows_path, "F");
    assert_path(g_cfg->templates_path, "T");
    assert_path(g_cfg->secrets_path, "S.yml");
    assert_path(g_cfg->config_file, "C.yml");
    assert_string_equal(g_cfg->log_file_name, "x.log");
    assert_int_equal(g_cfg->log_level, OCTO_LOG_DEBUG);
    assert_string_equal(g_cfg->plugins_path, "/p1:/p2");
    assert_int_equal(g_cfg->flow_max_workers, 3);
    assert_int_equal(g_cfg->max_depth, 4);
    assert_int_equal(g_cfg->flow_timeout, 60);
    assert_string_equal(g_cfg->timezone, "Europe/Paris");
    assert_int_equal(g_cfg->api_port, 8080);
    assert_int_equal(g_cfg->api_https_port, 8081);
    assert_string_equal(g_cfg->api_token, "s3cret-token");
    assert_false(g_cfg->api_token_is_default);
    assert_int_equal(g_cfg->tls_verify, 0);

    /* LOG_LEVEL names as Python's logging has them */
    setenv("LOG_LEVEL", "WARNING", 1);
    load_ok();
    assert_int_equal(g_cfg->log_level, OCTO_LOG_WARN);
    setenv("LOG_LEVEL", "Error", 1);
    load_ok();
    assert_int_equal(g_cfg->log_level, OCTO_LOG_ERROR);
    /* an empty variable is an unset one */
    setenv("LOG_LEVEL", "", 1);
    setenv("FLOWS_PATH", "", 1);
    setenv("FLOW_MAX_WORKERS", "", 1);
    load_ok();
    assert_int_equal(g_cfg->log_level, OCTO_LOG_INFO);
    assert_path(g_cfg->flows_path, "data/flows");
    assert_int_equal(g_cfg->flow_max_workers, 8);
}

static void check_env_error(const char *name, const char *value, const char *expected)
{
    octo_error err;

    set_path_env("DATA_PATH", "data");
    setenv(name, value, 1);
    assert_int_equal(load(&err), OCTO_EINVAL);
    assert_int_equal(err.code, OCTO_EINVAL);
    assert_string_equal(err.msg, expected);
    assert_string_equal(err.field, name);
    unsetenv(name);
}

static void test_bad_environment(void **state)
{
    (void)state;
    check_env_error("LOG_LEVEL", "LOUD",
                    "LOG_LEVEL=\"LOUD\" is not one of DEBUG, INFO, WARNING, ERROR");
    check_env_error("API_PORT", "abc",
                    "environment variable API_PORT=\"abc\" is not an integer in 0..65535");
    check_env_error("API_PORT", "70000",
                    "environment variable API_PORT=\"70000\" is not an integer in 0..65535");
    check_env_error("API_PORT", "80x",
                    "environment variable API_PORT=\"80x\" is not an integer in 0..65535");
    check_env_error("API_PORT", "-1",
                    "environment variable API_PORT=\"-1\" is not an integer in 0..65535");
    check_env_error("FLOW_MAX_WORKERS", "0",
                    "environment variable FLOW_MAX_WORKERS=\"0\" is not an integer in 1..256");
    check_env_error("FLOW_MAX_DEPTH", "1000",
                    "environment variable FLOW_MAX_DEPTH=\"1000\" is not an integer in 1..100");
    check_env_error("LOG_FILE_NAME", "../x.log", "LOG_FILE_NAME must be a file name, not a path");
    check_env_error("API_CLIENT_CONNECTIONS", "0",
                    "environment variable "
                    "API_CLIENT_CONNECTIONS=\"0\" is not an integer in 1..1024");
}

/* API_TOKEN was cut at 511 bytes without a word: the real token then got
 * 401. Up to OCTO_API_TOKEN_MAX bytes it is kept whole; beyond, refused
 * (the message gives the length, never the value). */
static void test_api_token_length(void **state)
{
    char token[OCTO_API_TOKEN_MAX + 2];
    octo_error err;

    (void)state;
    memset(token, 'k', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    token[OCTO_API_TOKEN_MAX] = '\0'; /* exactly the limit */
    set_path_env("DATA_PATH", "data");
    setenv("API_TOKEN", token, 1);
    load_ok();
    assert_int_equal(strlen(g_cfg->api_token), OCTO_API_TOKEN_MAX);
    assert_string_equal(g_cfg->api_token, token);
    token[OCTO_API_TOKEN_MAX] = 'k'; /* one more */
    setenv("API_TOKEN", token, 1);
    assert_int_equal(load(&err), OCTO_EINVAL);
    assert_string_equal(err.field, "API_TOKEN");
    assert_string_equal(err.msg, "API_TOKEN is 4097 bytes long: the limit is 4096 bytes");
}

static void test_data_path_cannot_be_created(void **state)
{
    octo_error err;

    (void)state;
    write_file("plain", "x");
    set_path_env("DATA_PATH", "plain/sub");
    assert_int_equal(load(&err), OCTO_EIO);
    assert_non_null(strstr(err.msg, "cannot create DATA_PATH directory"));
    assert_non_null(strstr(err.msg, "Not a directory"));
    set_path_env("DATA_PATH", "data");
    set_path_env("LOCK_PATH", "plain/locks");
    assert_int_equal(load(&err), OCTO_EIO);
    assert_non_null(strstr(err.msg, "cannot create LOCK_PATH directory"));
}

static void test_config_file(void **state)
{
    octo_error err;
    char dir[PATH_MAX];

    (void)state;
    set_path_env("DATA_PATH", "data");
    load_ok(); /* creates data/ */
    write_file("data/config.yml", "autostart:\n- flow: a.yml\n  data: {x: 1}\nother: yes\n");
    load_ok();
    assert_string_equal(json_string_value(octo_test_get(g_cfg->file, "autostart.0.flow")), "a.yml");
    assert_int_equal(json_integer_value(octo_test_get(g_cfg->file, "autostart.0.data.x")), 1);
    assert_true(json_is_true(json_object_get(g_cfg->file, "other")));

    /* an empty file is an empty configuration */
    write_file("data/config.yml", "# nothing yet\n");
    load_ok();
    assert_true(json_is_object(g_cfg->file));
    assert_int_equal(json_object_size(g_cfg->file), 0);

    /* invalid YAML: a clear error naming the file, line and column */
    write_file("data/config.yml", "autostart:\n  - a\n b: [\n");
    assert_int_equal(load(&err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "invalid configuration file: config.yml:"));
    assert_non_null(strstr(err.msg, "config.yml:3:"));

    /* the top level must be a mapping */
    write_file("data/config.yml", "- a\n- b\n");
    assert_int_equal(load(&err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "config.yml: the top level must be a mapping"));

    /* unreadable (a directory where the file should be) */
    path_in(dir, sizeof(dir), "data/config.yml");
    assert_int_equal(unlink(dir), 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(load(&err), OCTO_EIO);
    assert_non_null(strstr(err.msg, "invalid configuration file: config.yml: read error"));
    assert_int_equal(rmdir(dir), 0);

    /* CONFIG_FILE moves it */
    write_file("elsewhere.yml", "k: v\n");
    set_path_env("CONFIG_FILE", "elsewhere.yml");
    load_ok();
    assert_string_equal(json_string_value(json_object_get(g_cfg->file, "k")), "v");
}

static void test_mkdirs(void **state)
{
    char p[PATH_MAX];

    (void)state;
    path_in(p, sizeof(p), "m/n/o/");
    assert_int_equal(octo_mkdirs(p, 0755), 0);
    assert_true(is_dir(p));
    assert_int_equal(octo_mkdirs(p, 0755), 0); /* existing: fine */
    write_file("m/file", "x");
    path_in(p, sizeof(p), "m/file/sub");
    errno = 0;
    assert_int_equal(octo_mkdirs(p, 0755), -1);
    assert_int_equal(errno, ENOTDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_from_data_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_path_default_is_cwd_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths_made_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directories_created_recursively, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_token_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_path_cannot_be_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
