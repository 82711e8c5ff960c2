/* test_abi.c - the plugin loader's ABI checks with fixture plugins
 * (tests/abi/fixtures/fixture.c): a plugin built against the frozen 1.0
 * header loads and runs; plugins needing a newer minor or another major,
 * without the entry symbol, with too small descriptors, with bad option
 * defaults, or providing a step type that is already registered are
 * refused with a message naming the file and the reason; and after each
 * refusal the other plugins keep working.
 *
 * The fixtures are copied (mode 0755) into the test's DATA_PATH first, so
 * the result does not depend on the umask the build ran with. The tests
 * share the process-wide registry and run in order. */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins.h"

static char g_dir[PATH_MAX]; /* copies of the fixtures */

static void copy_file(const char *from, const char *to, mode_t mode)
{
    FILE *in = fopen(from, "rb");
    FILE *out;
    char buf[65536];
    size_t n;

    if (in == NULL) {
        fail_msg("fixture %s is missing: %s", from, strerror(errno));
    }
    out = fopen(to, "wb");
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, out), n);
    }
    fclose(in);
    fclose(out);
    assert_int_equal(chmod(to, mode), 0);
}

/* Copy fixture <name>.so into dir (made if needed) as <as>; returns the path. */
static const char *fixture_in(const char *dir, const char *name, const char *as, mode_t mode)
{
    static char path[PATH_MAX];
    char from[PATH_MAX];

    assert_int_equal(octo_mkdirs(dir, 0755), 0);
    snprintf(from, sizeof(from), "%s/%s.so", OCTO_ABI_FIXTURE_DIR, name);
    snprintf(path, sizeof(path), "%s/%s", dir, as);
    copy_file(from, path, mode);
    return path;
}

static const char *fixture(const char *name)
{
    char as[256];

    snprintf(as, sizeof(as), "%s.so", name);
    return fixture_in(g_dir, name, as, 0755);
}

static int setup(void **state)
{
    (void)state;
    octo_test_setup_data();
    octo_test_core_init();
    snprintf(g_dir, sizeof(g_dir), "%s/abi", octo_config()->data_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    octo_test_core_shutdown();
    octo_test_cleanup_data();
    return 0;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        fail_msg("\"%s\" does not contain \"%s\"", hay != NULL ? hay : "(null)", needle);
    }
}

/* Run a flow that uses the build's plugins (and abi_old once loaded). */
static void assert_others_work(int with_fixture)
{
    struct octo_run_result r;
    static int n;
    char name[64];
    char rel[96];

    snprintf(name, sizeof(name), "others%d.yml", n++);
    snprintf(rel, sizeof(rel), "flows/%s", name);
    octo_test_write(rel, with_fixture
                             ? "name: others\nsteps:\n"
                               "- {name: j, type: jq, jq: {expression: '[1, 2] | add'}}\n"
                               "- {name: w, type: file, file: {path: o/x.json, mode: write, "
                               "type: json, data_key: j}}\n"
                               "- {name: r, type: file, file: {path: o/x.json, type: json}}\n"
                               "- {name: d, type: debug, debug: {data_key: r}}\n"
                               "- {name: f, type: abi_old, abi_old: {data_key: d}}\n"
                             : "name: others\nsteps:\n"
                               "- {name: j, type: jq, jq: {expression: '[1, 2] | add'}}\n"
                               "- {name: w, type: file, file: {path: o/x.json, mode: write, "
                               "type: json, data_key: j}}\n"
                               "- {name: r, type: file, file: {path: o/x.json, type: json}}\n"
                               "- {name: d, type: debug, debug: {data_key: r}}\n");
    r = octo_test_run_flow(name, NULL);
    assert_false(r.failed);
    assert_int_equal(json_integer_value(json_object_get(r.data, "d")), 3);
    if (with_fixture) {
        assert_int_equal(json_integer_value(octo_test_get(r.data, "f.input")), 3);
        assert_string_equal(json_string_value(octo_test_get(r.data, "f.greeting")), "hello");
    }
    octo_run_result_free(&r);
}

static void test_build_plugins_load_cleanly(void **state)
{
    (void)state;
    /* the build's own plugins: no refusal, the three of this issue present */
    assert_int_equal(octo_plugins_problem_count(), 0);
    assert_non_null(octo_plugins_find("file"));
    assert_non_null(octo_plugins_find("jq"));
    assert_non_null(octo_plugins_find("debug"));
    assert_null(octo_plugins_find("abi_old"));
    assert_others_work(0);
}

static void test_frozen_1_0_plugin_loads_and_runs(void **state)
{
    const char *path = fixture("abi_old");
    char saved[PATH_MAX];
    size_t before = octo_plugins_count();
    const struct octo_steptype *t;
    const struct octo_plugin_info *info;
    struct octo_run_result r;
    octo_error err;
    char known[1024];

    (void)state;
    snprintf(saved, sizeof(saved), "%s", path);
    memset(&err, 0, sizeof(err));
    if (octo_plugins_load_file(saved, &err) != OCTO_OK) {
        fail_msg("the 1.0 plugin is refused: %s", err.msg);
    }
    assert_int_equal(octo_plugins_count(), before + 1);
    t = octo_plugins_find("abi_old");
    assert_non_null(t);
    assert_int_equal(t->nopts, 4);
    assert_int_equal(t->data_key_opt, 3);
    info = octo_plugins_at(t->plugin);
    assert_string_equal(info->file, saved);
    assert_string_equal(info->name, "octo-abi-fixture-abi_old");
    assert_string_equal(info->version, "0.0.1");
    assert_int_equal(info->abi_major, 1);
    assert_int_equal(info->abi_minor, 0);
    octo_plugins_known(known, sizeof(known));
    assert_contains(known, "abi_old");

    octo_test_write("flows/abi.yml",
                    "name: abi\n"
                    "steps:\n"
                    "- {name: v, type: jq, jq: {expression: '{k: \"v\", n: [1]}'}}\n"
                    "- name: old\n"
                    "  type: abi_old\n"
                    "  abi_old: {data_key: v, greeting: hi, mode: slow}\n");
    r = octo_test_run_flow("abi.yml", NULL);
    assert_false(r.failed);
    assert_string_equal(json_string_value(octo_test_get(r.data, "old.greeting")), "hi");
    assert_string_equal(json_string_value(octo_test_get(r.data, "old.abi")), "1.0");
    assert_string_equal(json_string_value(octo_test_get(r.data, "old.yaml")), "k: v\nn:\n- 1\n");
    assert_int_equal(json_integer_value(octo_test_get(r.data, "old.times")), 2); /* default */
    assert_string_equal(json_string_value(octo_test_get(r.data, "old.input.k")), "v");
    octo_run_result_free(&r);
    assert_others_work(1);
}

struct refusal {
    const char *fixture;
    const char *type;   /* the step type it would provide */
    const char *reason; /* expected after "<path>: " */
};

static void test_refusals(void **state)
{
    char plugins_jq[PATH_MAX];
    char reason_dup[PATH_MAX + 128];
    const struct refusal cases[] = {
        {"abi_newer_minor", "abi_newer",
         "refused to load: plugin needs step ABI 1.2 or a later 1.x, core has 1.1"},
        {"abi_newer_minor_desc", "abi_newer_desc", "built for step ABI 1.2, core provides 1.1"},
        {"abi_major2", "abi_major2", "built for step ABI 2.1, core provides 1.1"},
        {"abi_no_entry", "abi_no_entry", "not an Octoflow plugin (no octo_plugin_entry)"},
        {"abi_small_plugin", "abi_small_plugin",
         "plugin descriptor too small (struct_size 8, need at least 32)"},
        {"abi_small_step", "abi_small_step",
         "step type descriptor too small (struct_size 24, need at least 72)"},
        {"abi_bad_default", "abi_bad_default",
         "step type \"abi_bad_default\" option \"times\": default \"abc\" does not match the "
         "option's type"},
        {"abi_bad_default_json", "abi_bad_default_json",
         "step type \"abi_bad_default_json\" option \"times\": default {oops is not JSON"},
        {"abi_bad_default_enum", "abi_bad_default_enum",
         "step type \"abi_bad_default_enum\" option \"mode\": default \"medium\" does not match "
         "the option's type"},
        {"abi_entry_fails", "abi_entry_fails",
         "refused to load: fixture refuses to start: no licence"},
        {"abi_dup_core", "jq", reason_dup},
    };
    size_t i;

    (void)state;
    snprintf(plugins_jq, sizeof(plugins_jq), "%s/jq.so", OCTO_TEST_PLUGIN_DIR);
    snprintf(reason_dup, sizeof(reason_dup), "step type \"jq\" is already provided by %s",
             plugins_jq);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct refusal *c = &cases[i];
        size_t nplugins = octo_plugins_count();
        size_t ntypes = octo_plugins_type_count();
        const struct octo_steptype *jq_before = octo_plugins_find("jq");
        char path[PATH_MAX];
        char expected[PATH_MAX + 512];
        octo_error err;

        snprintf(path, sizeof(path), "%s", fixture(c->fixture));
        snprintf(expected, sizeof(expected), "%s: %s", path, c->reason);
        memset(&err, 0, sizeof(err));
        assert_int_not_equal(octo_plugins_load_file(path, &err), OCTO_OK);
        assert_int_equal(err.code, OCTO_EABI);
        if (strcmp(err.msg, expected) != 0) {
            fail_msg("%s:\n  got      %s\n  expected %s", c->fixture, err.msg, expected);
        }
        /* nothing of it was registered, nothing else changed */
        assert_int_equal(octo_plugins_count(), nplugins);
        assert_int_equal(octo_plugins_type_count(), ntypes);
        if (strcmp(c->type, "jq") == 0) {
            assert_true(octo_plugins_find("jq") == jq_before);
            assert_string_equal(octo_plugins_at(jq_before->plugin)->file, plugins_jq);
        } else {
            assert_null(octo_plugins_find(c->type));
        }
        assert_others_work(1);
    }
}

static void test_duplicate_type_in_dir(void **state)
{
    char dir[PATH_MAX];
    char a[PATH_MAX];
    char b[PATH_MAX];
    char expected[3 * PATH_MAX];
    size_t problems = octo_plugins_problem_count();
    const struct octo_steptype *t;
    struct octo_run_result r;
    octo_error err;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/dup", g_dir);
    snprintf(a, sizeof(a), "%s", fixture_in(dir, "abi_dup_a", "abi_dup_a.so", 0755));
    snprintf(b, sizeof(b), "%s", fixture_in(dir, "abi_dup_b", "abi_dup_b.so", 0755));
    octo_test_write("abi/dup/README.txt", "not a plugin: ignored\n");
    memset(&err, 0, sizeof(err));
    /* a directory load keeps going: refusals are collected as problems */
    assert_int_equal(octo_plugins_load_dir(dir, &err), OCTO_OK);
    assert_int_equal(octo_plugins_problem_count(), problems + 1);
    /* files load in sorted order: the second one is refused, naming both */
    snprintf(expected, sizeof(expected), "%s: step type \"abi_dup\" is already provided by %s", b,
             a);
    assert_string_equal(octo_plugins_problem(problems), expected);
    t = octo_plugins_find("abi_dup");
    assert_non_null(t);
    assert_string_equal(octo_plugins_at(t->plugin)->file, a);
    octo_test_write("flows/dup.yml",
                    "name: dup\nsteps:\n- {name: d, type: abi_dup, abi_dup: {greeting: dup}}\n");
    r = octo_test_run_flow("dup.yml", NULL);
    assert_false(r.failed);
    assert_string_equal(json_string_value(octo_test_get(r.data, "d.greeting")), "dup");
    octo_run_result_free(&r);
    assert_others_work(1);
}

static void test_mixed_dir(void **state)
{
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char expected[PATH_MAX + 256];
    size_t problems = octo_plugins_problem_count();
    size_t nplugins = octo_plugins_count();
    octo_error err;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/mixed", g_dir);
    fixture_in(dir, "abi_major2", "a_major2.so", 0755);
    fixture_in(dir, "abi_no_entry", "b_noentry.so", 0755);
    fixture_in(dir, "abi_small_step", "c_small.so", 0755);
    /* not a shared object at all */
    octo_test_write("abi/mixed/d_text.so", "this is text\n");
    assert_int_equal(chmod(strcat(strcpy(path, dir), "/d_text.so"), 0755), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_plugins_load_dir(dir, &err), OCTO_OK);
    assert_int_equal(octo_plugins_count(), nplugins);
    assert_int_equal(octo_plugins_problem_count(), problems + 4);
    snprintf(expected, sizeof(expected),
             "%s/a_major2.so: built for step ABI 2.1, core provides 1.1", dir);
    assert_string_equal(octo_plugins_problem(problems), expected);
    snprintf(expected, sizeof(expected),
             "%s/b_noentry.so: not an Octoflow plugin (no octo_plugin_entry)", dir);
    assert_string_equal(octo_plugins_problem(problems + 1), expected);
    snprintf(expected, sizeof(expected), "%s/c_small.so: step type descriptor too small", dir);
    assert_contains(octo_plugins_problem(problems + 2), expected);
    snprintf(expected, sizeof(expected), "%s/d_text.so: cannot be loaded: ", dir);
    assert_contains(octo_plugins_problem(problems + 3), expected);
    assert_others_work(1);
}

static void test_files_writable_by_others(void **state)
{
    char path[PATH_MAX];
    char expected[PATH_MAX + 128];
    octo_error err;
    size_t n = octo_plugins_count();

    (void)state;
    /* refused before it is even opened (it would otherwise load) */
    snprintf(path, sizeof(path), "%s", fixture_in(g_dir, "abi_dup_b", "gw.so", 0775));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_plugins_load_file(path, &err), OCTO_EACCES);
    snprintf(expected, sizeof(expected), "%s: refused: the file is writable by group or others",
             path);
    assert_string_equal(err.msg, expected);
    assert_int_equal(chmod(path, 0757), 0);
    assert_int_equal(octo_plugins_load_file(path, &err), OCTO_EACCES);
    assert_int_equal(octo_plugins_count(), n);
}

static void test_missing(void **state)
{
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_plugins_load_file("/nonexistent/octo/x.so", &err), OCTO_ENOENT);
    assert_string_equal(err.msg, "/nonexistent/octo/x.so: No such file or directory");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_plugins_load_dir("/nonexistent/octo", &err), OCTO_ENOENT);
    assert_string_equal(err.msg, "plugin directory /nonexistent/octo: No such file or directory");
    assert_others_work(1);
}

/* A plugin built against the 1.1 header, using each member and flag 1.1
 * added (tests/abi/fixtures/fixture11.c), through real flows. */
static void test_v11_plugin_uses_every_member(void **state)
{
    const char *path = fixture("abi_v11");
    char saved[PATH_MAX];
    struct octo_run_result r;
    json_t *e;
    char *log;
    char msg[1024];
    char warnings[1024];
    octo_error err;

    (void)state;
    snprintf(saved, sizeof(saved), "%s", path);
    memset(&err, 0, sizeof(err));
    if (octo_plugins_load_file(saved, &err) != OCTO_OK) {
        fail_msg("the 1.1 plugin is refused: %s", err.msg);
    }
    assert_int_equal(octo_plugins_at(octo_plugins_find("abi_v11")->plugin)->abi_minor, 1);
    octo_test_write("flows/v11sub_ok.yml", "name: ok\nsteps: []\n");
    octo_test_write(
        "flows/v11sub_bad.yml",
        "name: bad\nsteps:\n- {name: b, type: jq, jq: {expression: 'error(\"no\")'}}\n");
    octo_test_write(
        "flows/v11.yml",
        "name: v11\n"
        "steps:\n"
        "- {name: has, type: abi_v11, abi_v11: {mode: has}}\n"
        /* a detail object merged into the record, any code; its
         * status_code joins the text ignore_errors searches */
        "- name: detail\n"
        "  type: abi_v11\n"
        "  ignore_errors: [\"^io: fixture failed with details \\\\{'status_code': 418, "
        "'response_content': 'teapot'\\\\}$\"]\n"
        "  abi_v11: {mode: detail}\n"
        /* retry_after_ms replaces the delay (capped by max_delay) */
        "- name: again\n"
        "  type: abi_v11\n"
        "  retry: {attempts: 2, delay: 30, max_delay: 0.25}\n"
        "  abi_v11: {mode: retry_after}\n"
        "- {name: slept, type: abi_v11, abi_v11: {mode: sleep}}\n"
        "- {name: sub_ok, type: abi_v11, abi_v11: {mode: subflow, flow: v11sub_ok.yml}}\n"
        "- {name: sub_bad, type: abi_v11, abi_v11: {mode: subflow, flow: v11sub_bad.yml}}\n"
        "- {name: paths, type: abi_v11, abi_v11: {mode: paths, path: o/x.json, "
        "flow: v11sub_ok.yml}}\n"
        "- {name: re, type: abi_v11, abi_v11: {mode: regex, pattern: 'b\\d\\Z', "
        "subject: ab1}}\n"
        /* a control step: its nested step runs, its output (a
         * mapping with a goto key) is neither stored nor a jump;
         * its own goto is */
        "- name: ctl\n"
        "  type: abi_v11_ctl\n"
        "  abi_v11_ctl:\n"
        "    target: last\n"
        "    cases: [{step: {name: inner, type: jq, jq: {expression: '41 + 1'}}}]\n"
        "- {name: skipped, type: jq, jq: {expression: '1'}}\n"
        "- name: last\n"
        "  type: abi_v11_ctl\n"
        "  abi_v11_ctl: {exit: done here}\n"
        "- {name: never, type: jq, jq: {expression: '1'}}\n");
    octo_test_log_start();
    r = octo_test_run_flow("v11.yml", NULL);
    log = octo_test_log_end();
    assert_int_equal(r.status, OCTO_RUN_EXIT);
    assert_false(r.failed);
    assert_string_equal(r.message, "Flow exited with message: done here");
    octo_test_assert_json(json_object_get(r.data, "has"),
                          "{\"error_detail\": true, \"control\": true, \"sleep\": true, "
                          "\"flow_run2\": true, \"run_nested\": true, \"regex_compile\": true, "
                          "\"regex_match\": true, \"regex_free\": true, \"minor\": 1}");
    e = json_array_get(json_object_get(r.data, "__errors__"), 0);
    octo_test_assert_json(json_object_get(e, "error"),
                          "{\"type\": \"io\", \"message\": \"fixture failed with details\", "
                          "\"status_code\": 418, \"response_content\": \"teapot\", "
                          "\"extra\": {\"k\": 1}}");
    assert_non_null(json_object_get(e, "ignored"));
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 1);
    octo_test_assert_json(json_object_get(r.data, "again"), "{\"ok\": true}");
    octo_test_assert_contains(log, "attempt 1 of 2 failed (network: fixture: try again later); "
                                   "retrying in 0.2 s");
    octo_test_assert_json(json_object_get(r.data, "slept"), "{\"slept\": true}");
    octo_test_assert_json(json_object_get(r.data, "sub_ok"),
                          "{\"rc\": 0, \"has_out\": true, \"msg\": \"\"}");
    assert_int_equal(json_integer_value(octo_test_get(r.data, "sub_bad.rc")), OCTO_ESUBFLOW);
    assert_true(json_is_true(octo_test_get(r.data, "sub_bad.has_out")));
    octo_test_assert_contains(json_string_value(octo_test_get(r.data, "sub_bad.msg")),
                              "sub-flow v11sub_bad.yml failed: b: ");
    assert_true(json_is_true(octo_test_get(r.data, "paths.has")));
    snprintf(msg, sizeof(msg), "%s/o/x.json", octo_config()->data_path);
    assert_string_equal(json_string_value(octo_test_get(r.data, "paths.paths.path")), msg);
    snprintf(msg, sizeof(msg), "%s/v11sub_ok.yml", octo_config()->flows_path);
    assert_string_equal(json_string_value(octo_test_get(r.data, "paths.paths.flow")), msg);
    octo_test_assert_json(json_object_get(r.data, "re"), "{\"match\": 0, \"search\": 1}");
    assert_int_equal(json_integer_value(json_object_get(r.data, "inner")), 42);
    assert_null(json_object_get(r.data, "ctl"));     /* NO_RESULT */
    assert_null(json_object_get(r.data, "skipped")); /* jumped over */
    assert_null(json_object_get(r.data, "last"));
    assert_null(json_object_get(r.data, "never")); /* exited before */
    octo_run_result_free(&r);
    free(log);

    /* OCTO_OPT_STEP_NAME: a literal name no step has is a load error */
    octo_test_write("flows/v11bad.yml",
                    "name: v11bad\nsteps:\n"
                    "- {name: c, type: abi_v11_ctl, abi_v11_ctl: {target: nowhere}}\n");
    assert_int_not_equal(
        octo_test_load_flow("v11bad.yml", 0, msg, sizeof(msg), warnings, sizeof(warnings)),
        OCTO_OK);
    octo_test_assert_contains(msg, "v11bad.yml:3: steps[0] (\"c\"): target: no step is named "
                                   "\"nowhere\"");
    assert_others_work(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_plugins_load_cleanly),
        cmocka_unit_test(test_frozen_1_0_plugin_loads_and_runs),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_duplicate_type_in_dir),
        cmocka_unit_test(test_mixed_dir),
        cmocka_unit_test(test_files_writable_by_others),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_v11_plugin_uses_every_member),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
