/* test_protected_paths.c - the files no step and no template may reach
 * (issue 9), decided in one place (paths.c): secrets.yml, config.yml and
 * the job store (JOBS_DB and its -wal, -shm and -journal companions).
 * The layout is the flat one that exposed the defect, TEMPLATES_PATH =
 * DATA_PATH, where a jinja step or {% include %} could read secrets.yml;
 * the job store is checked at its default place and moved elsewhere.
 * Real flows reaching for those files (the jinja step, {% include %},
 * the file step, literal and templated paths) are the protected_* cases
 * of tests/flows/, run by test_flow_cases.c in the same layout. */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "paths.h"
#include "tplcache.h"

#define REFUSED                                                                                    \
    "is the secrets, configuration or job store file, which steps and templates "                  \
    "may not touch"

static int setup(void **state)
{
    const char *data = octo_test_setup_data();
    char jobs[PATH_MAX];

    (void)state;
    setenv("TEMPLATES_PATH", data, 1); /* the flat layout */
    snprintf(jobs, sizeof(jobs), "%s/state/jobs.sqlite", data);
    setenv("JOBS_DB", jobs, 1);
    octo_test_core_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    octo_test_core_shutdown();
    octo_test_cleanup_data();
    unsetenv("TEMPLATES_PATH");
    unsetenv("JOBS_DB");
    return 0;
}

static void expect_refused(int root, const char *rel, unsigned flags)
{
    char out[PATH_MAX];
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_path_resolve(root, rel, flags, out, sizeof(out), &err) == OCTO_OK) {
        fail_msg("%s (root %d) accepted as %s", rel, root, out);
    }
    assert_int_equal(err.code, OCTO_EPATH);
    octo_test_assert_contains(err.msg, REFUSED);
    assert_null(strstr(err.msg, octo_config()->data_path));
}

static void expect_template_refused(const char *rel)
{
    struct octo_tpl *t = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tplcache_get(rel, &t, &err), OCTO_EPATH);
    assert_null(t);
    octo_test_assert_contains(err.msg, REFUSED);
}

static const char *const PROTECTED[] = {
    "secrets.yml",
    "config.yml",
    "state/jobs.sqlite",
    "state/jobs.sqlite-wal",
    "state/jobs.sqlite-shm",
    "state/jobs.sqlite-journal",
    NULL,
};

static void test_template_loads_refuse_protected_files(void **state)
{
    size_t i;

    (void)state;
    assert_string_equal(octo_config()->templates_path, octo_config()->data_path);
    octo_test_write("secrets.yml", "- {name: tok, type: token, token: Tpl-Secret-9911}\n");
    octo_test_write("config.yml", "api_token: Cfg-Secret-4422\n");
    octo_test_write("state/jobs.sqlite", "SQLite format 3");
    octo_test_write("state/jobs.sqlite-wal", "wal");
    octo_test_write("ok.j2", "fine {{ 1 + 1 }}");
    for (i = 0; PROTECTED[i] != NULL; i++) {
        char dotted[PATH_MAX];

        expect_template_refused(PROTECTED[i]);
        snprintf(dotted, sizeof(dotted), "./%s", PROTECTED[i]);
        expect_template_refused(dotted);
        expect_refused(OCTO_ROOT_TEMPLATES, PROTECTED[i], 0);
    }
    {
        struct octo_tpl *t = NULL;
        octo_error err;

        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tplcache_get("ok.j2", &t, &err), OCTO_OK);
        octo_tpl_unref(t);
    }
}

static void test_file_step_refuses_job_store(void **state)
{
    size_t i;
    char def[PATH_MAX];

    (void)state;
    for (i = 0; PROTECTED[i] != NULL; i++) {
        expect_refused(OCTO_ROOT_DATA, PROTECTED[i], 0);
        expect_refused(OCTO_ROOT_DATA, PROTECTED[i], OCTO_PATH_WRITE);
    }
    /* a hard link to a protected file is that file */
    snprintf(def, sizeof(def), "%s/secrets.yml", octo_config()->data_path);
    {
        char link_path[PATH_MAX];

        snprintf(link_path, sizeof(link_path), "%s/innocent.txt", octo_config()->data_path);
        unlink(link_path);
        assert_int_equal(link(def, link_path), 0);
        expect_refused(OCTO_ROOT_DATA, "innocent.txt", 0);
        expect_template_refused("innocent.txt");
        unlink(link_path);
    }
    /* the default job store name is ordinary data when JOBS_DB is elsewhere,
     * and names that only start like a protected one are too (read: in
     * this flat layout DATA_PATH is the templates directory, which steps
     * never write) */
    octo_test_write("octoflow.db", "x");
    {
        char out[PATH_MAX];
        octo_error err;

        memset(&err, 0, sizeof(err));
        assert_int_equal(
            octo_path_resolve(OCTO_ROOT_DATA, "octoflow.db", 0, out, sizeof(out), &err), OCTO_OK);
        assert_int_equal(
            octo_path_resolve(OCTO_ROOT_DATA, "state/jobs.sqlite-walx", 0, out, sizeof(out), &err),
            OCTO_OK);
        assert_int_equal(
            octo_path_resolve(OCTO_ROOT_DATA, "other/jobs.sqlite", 0, out, sizeof(out), &err),
            OCTO_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_loads_refuse_protected_files),
        cmocka_unit_test(test_file_step_refuses_job_store),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
