/* test_validate.c - flow validation through the C API: what a loaded
 * flow holds (steps, lines, defaults, compiled when/templates, schedule
 * fields), messages that depend on the plugins found at run time or on
 * libjq/libyaml wording, octo_flow_open_arg and octo_flow_load_text. The
 * messages a flow file alone gives (every message reads
 *   file:line: steps[i] ("name").block.field: what is wrong
 * unknown keys are warnings with a did-you-mean, errors under
 * OCTO_FLOW_STRICT) are the validate_* cases of tests/flows/, run by
 * test_flow_cases.c. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins.h"

/* Diagnostics of loading flows/<name> (written from text). */
struct result {
    int rc;
    char first[OCTO_ERROR_MSG_LEN];
    json_t *errors;   /* array of strings (owned) */
    json_t *warnings; /* array of strings (owned) */
    struct octo_flow *flow;
};

static struct result load_text(const char *name, const char *text, unsigned flags)
{
    char rel[256];
    char abs[1024];
    struct octo_diags d;
    struct result r;
    octo_error err;

    memset(&r, 0, sizeof(r));
    snprintf(rel, sizeof(rel), "flows/%s", name);
    octo_test_write(rel, text);
    snprintf(abs, sizeof(abs), "%s/%s", octo_config()->flows_path, name);
    octo_diags_init(&d);
    memset(&err, 0, sizeof(err));
    r.rc = octo_flow_load(abs, name, flags, &r.flow, &d, &err);
    snprintf(r.first, sizeof(r.first), "%s", r.rc == OCTO_OK ? "" : err.msg);
    r.errors = d.errors;
    r.warnings = d.warnings;
    return r;
}

static void result_free(struct result *r)
{
    json_decref(r->errors);
    json_decref(r->warnings);
    octo_flow_unref(r->flow);
}

static int has(json_t *list, const char *msg)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), msg) == 0) {
            return 1;
        }
    }
    return 0;
}

static void dump_list(const char *what, json_t *list)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
    {
        print_message("  %s: %s\n", what, json_string_value(v));
    }
}

/* The flow fails to load and its errors include msg (exactly). */
static void expect_error(const char *name, const char *text, unsigned flags, const char *msg)
{
    struct result r = load_text(name, text, flags);

    if (r.rc == OCTO_OK || !has(r.errors, msg)) {
        dump_list("error", r.errors);
        dump_list("warning", r.warnings);
        fail_msg("%s: expected error \"%s\"", name, msg);
    }
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_null(r.flow);
    result_free(&r);
}

static void test_valid_flow(void **state)
{
    struct result r;

    (void)state;
    r = load_text("ok.yml",
                  "name: fine\n"
                  "description: documented and ignored\n"
                  "steps:\n"
                  "- name: read\n"
                  "  type: file\n"
                  "  description: a step description is fine too\n"
                  "  file: {path: in.yml, mode: READ, type: Json}\n"
                  "  ignore_errors: '.*404.*'\n"
                  "- name: pick\n"
                  "  type: jq\n"
                  "  jq: {expression: '.read', data_key: '.'}\n"
                  "  jq_expression: '.a'\n"
                  "  result_key: out\n",
                  0);
    if (r.rc != OCTO_OK) {
        dump_list("error", r.errors);
        fail_msg("valid flow refused: %s", r.first);
    }
    assert_int_equal(json_array_size(r.errors), 0);
    assert_int_equal(json_array_size(r.warnings), 0);
    assert_string_equal(r.flow->name, "fine");
    assert_int_equal(r.flow->nsteps, 2);
    assert_int_equal(r.flow->steps[0].line, 4);
    assert_int_equal(r.flow->steps[1].line, 9);
    /* defaults applied, NOCASE enums stored lower-cased */
    assert_string_equal(json_string_value(json_object_get(r.flow->steps[0].options, "mode")),
                        "read");
    assert_string_equal(json_string_value(json_object_get(r.flow->steps[0].options, "type")),
                        "json");
    assert_string_equal(r.flow->steps[1].result_key, "out");
    assert_string_equal(r.flow->steps[1].data_key, ".");
    assert_int_equal(r.flow->steps[0].nignore, 1);
    assert_int_equal(r.flow->finally_index, -1);
    result_free(&r);
}

/* A `when` decided at load: a fixed false condition with only fixed true
 * ones before it. A condition rendered at run time that comes first keeps
 * its turn (it may fail), so the step is not decided then. */
static void test_when_decided_at_load(void **state)
{
    static const struct {
        const char *when;
        int decided_false;
    } cases[] = {
        {"false", 1},          {"'1 > 2'", 1},         {"[true, '\"no\"']", 1},
        {"[false, 'x.y']", 1}, {"['x.y', false]", 0},  {"'x > 1'", 0},
        {"true", 0},           {"[true, '2 > 1']", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        struct result r;

        snprintf(text, sizeof(text),
                 "steps:\n- name: s\n  type: jq\n  when: %s\n  jq: {expression: '1'}\n",
                 cases[i].when);
        r = load_text("when.yml", text, 0);
        if (r.rc != OCTO_OK) {
            fail_msg("when: %s refused: %s", cases[i].when, r.first);
        }
        if (r.flow->steps[0].when_false != cases[i].decided_false) {
            fail_msg("when: %s: when_false %d", cases[i].when, r.flow->steps[0].when_false);
        }
        result_free(&r);
    }
}

static void test_unknown_step_type(void **state)
{
    char known[1024];
    char msg[2048];

    (void)state;
    octo_plugins_known(known, sizeof(known));
    /* the known list is the sorted registry: file, jq and debug at least */
    assert_non_null(strstr(known, "debug"));
    assert_non_null(strstr(known, "file"));
    assert_non_null(strstr(known, "jq"));
    /* no directory in the message (it reaches API clients) */
    snprintf(msg, sizeof(msg),
             "unknown.yml:5: steps[1] (\"second\"): unknown step type \"nosuch\" (known: %s; "
             "`octoflow plugins` lists the plugins and where they are loaded from)",
             known);
    expect_error("unknown.yml",
                 "name: u\n"
                 "steps:\n"
                 "- {name: first, type: jq, jq: {expression: '.'}}\n"
                 "- name: second\n"
                 "  type: nosuch\n"
                 "  nosuch: {}\n",
                 0, msg);
    assert_non_null(strstr(octo_plugins_searched(), OCTO_TEST_PLUGIN_DIR));
    /* a near miss: did you mean */
    snprintf(msg, sizeof(msg),
             "typo.yml:3: steps[0] (\"s\"): unknown step type \"fiel\" (did you mean \"file\"? "
             "known: %s)",
             known);
    expect_error("typo.yml", "name: t\nsteps:\n- {name: s, type: fiel, fiel: {path: x}}\n", 0, msg);
}

static void test_option_types(void **state)
{
    (void)state;
    /* YAML read 123 / yes for a string option: Python's str() of it */
    {
        struct result r = load_text("type4.yml",
                                    "name: t\nsteps:\n- {name: n, type: jq, jq: {expression: 1, "
                                    "data_key: yes}}\n",
                                    0);

        assert_int_equal(r.rc, OCTO_OK);
        assert_string_equal(
            json_string_value(json_object_get(r.flow->steps[0].options, "expression")), "1");
        assert_string_equal(r.flow->steps[0].data_key, "True");
        result_free(&r);
    }
}

static void test_bad_regex_and_jq(void **state)
{
    (void)state;
    {
        /* jq's own message follows (libjq 1.6 sees the sandbox wrapper's
         * closing parenthesis where the program ends) */
        struct result r = load_text("jq1.yml",
                                    "name: j\n"
                                    "steps:\n"
                                    "- name: x\n"
                                    "  type: jq\n"
                                    "  jq: {expression: '.'}\n"
                                    "  jq_expression: '.a |'\n",
                                    0);

        assert_int_equal(r.rc, OCTO_EINVAL);
        assert_non_null(strstr(r.first, "jq1.yml:6: steps[0] (\"x\").jq_expression: jq "
                                        "expression \".a |\" does not compile: syntax error"));
        assert_null(strstr(r.first, "$ENV"));
        result_free(&r);
    }
    {
        /* the jq step's own expression, reported by its prepare() */
        struct result r = load_text("jq2.yml",
                                    "name: j\n"
                                    "steps:\n"
                                    "- name: y\n"
                                    "  type: jq\n"
                                    "  jq:\n"
                                    "    expression: 'map(.x'\n",
                                    0);

        assert_int_equal(r.rc, OCTO_EINVAL);
        assert_non_null(strstr(r.first, "jq2.yml:6: steps[0] (\"y\").jq.expression: jq "
                                        "expression \"map(.x\" does not compile: "));
        result_free(&r);
    }
}

static void test_shapes(void **state)
{
    struct result r;

    (void)state;
    /* YAML errors keep their line and column */
    r = load_text("syntax.yml", "name: s\nsteps:\n- name: [x\n  type: jq\n", 0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_non_null(strstr(r.first, "syntax.yml:"));
    assert_int_equal(json_array_size(r.errors), 1);
    result_free(&r);
    /* an empty list is explicit: a warning; no name: the file name */
    r = load_text("empty.yml", "cron: ''\nsteps: []\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_true(has(r.warnings, "empty.yml:2: the flow has no steps: it does nothing"));
    assert_string_equal(r.flow->name, "empty.yml");
    result_free(&r);
}

static void test_finally_step(void **state)
{
    struct result r;

    (void)state;
    r = load_text("fin2.yml",
                  "name: f\nfinally_step: b\nsteps:\n- {name: a, type: debug}\n"
                  "- {name: b, type: debug}\n",
                  0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->finally_index, 1);
    result_free(&r);
}

/* ---- templates -------------------------------------------------------------- */

static void test_when_and_templated_options(void **state)
{
    static const char *when_flow = "name: w\n"
                                   "steps:\n"
                                   "- name: x\n"
                                   "  type: debug\n"
                                   "  when: \"1 == 1\"\n";
    static const char *path_flow = "name: p\n"
                                   "steps:\n"
                                   "- name: y\n"
                                   "  type: file\n"
                                   "  file:\n"
                                   "    path: out/{{ __timestamp__ }}.yml\n";
    struct result r;

    (void)state;
    r = load_text("when.yml", when_flow, 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->steps[0].nwhen, 1);
    result_free(&r);
    r = load_text("tpath.yml", path_flow, 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->steps[0].ntmpl, 1);
    result_free(&r);
}

static void test_when_shapes(void **state)
{
    struct result r;

    (void)state;
    /* null, "" and [] mean "run": nothing to compile, with or without the engine */
    r = load_text("wnull.yml",
                  "name: w\nsteps:\n- {name: a, type: debug, when: null}\n"
                  "- {name: b, type: debug, when: ''}\n- {name: c, type: debug, when: []}\n",
                  0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->steps[0].nwhen, 0);
    assert_int_equal(r.flow->steps[1].nwhen, 0);
    assert_int_equal(r.flow->steps[2].nwhen, 0);
    result_free(&r);
}

/* issue 9: a flow with a finally_step and a step entry that is not a
 * mapping crashed validate/run (octo_flow_step_index read the entry's
 * NULL name). Every such entry is an error with its line, whatever the
 * other keys, and the other entries are still checked. */
static void test_step_entry_not_a_mapping(void **state)
{
    (void)state;
    /* what loading this file reports is the validate_step_entries_not_mappings
     * case of tests/flows/ */
    octo_test_write("flows/finstr.yml", "name: f\n"
                                        "finally_step: cleanup\n"
                                        "steps:\n"
                                        "- just a string\n"
                                        "- [a, list]\n"
                                        "- 42\n"
                                        "-\n"
                                        "- {name: cleanup, type: debug}\n"
                                        "- {name: bad, type: nosuchtype}\n");
    /* through octo_flow_open_arg, as `validate` and `run` load */
    {
        struct octo_flow *f = NULL;
        struct octo_diags d;
        octo_error err;

        octo_diags_init(&d);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_flow_open_arg("finstr.yml", 0, &f, &d, &err), OCTO_EINVAL);
        assert_null(f);
        octo_test_assert_contains(err.msg, "finstr.yml:4: steps[0]: a step must be a mapping");
        octo_diags_free(&d);
    }
}

/* issue 9: every_seconds is a whole number of seconds from 1 to one year
 * (9223372036854775807 was accepted and overflowed the scheduler's
 * arithmetic); 0 keeps the original's meaning, no schedule; a cron must
 * parse. */
static void test_every_seconds_range(void **state)
{
    struct result r;

    (void)state;
    /* the values refused, 0 (a warning) and a cron that does not parse are
     * the validate_every_seconds_* and validate_cron_must_parse cases of
     * tests/flows/ */
    r = load_text("every_ok.yml", "name: e\nsteps: []\nevery_seconds: 31536000\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 31536000);
    result_free(&r);
    r = load_text("every_one.yml", "name: e\nsteps: []\nevery_seconds: 1\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 1);
    result_free(&r);
    r = load_text("every_null.yml", "name: e\nsteps: []\nevery_seconds:\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 0);
    result_free(&r);
    r = load_text("goodcron.yml", "name: c\nsteps: []\ncron: \"*/5 * * * *\"\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_string_equal(r.flow->cron, "*/5 * * * *");
    result_free(&r);
}

/* octo_flow_load_text (the fuzzer's door) gives what loading the file
 * gives: the same messages (with the display name and lines), the same
 * compiled flow. */
static void test_load_text_matches_file(void **state)
{
    static const char *const texts[] = {
        "name: t\nsteps:\n- {name: a, type: jq, jq: {expression: '.x'}}\n"
        "- {name: b, type: debug, when: 'a == 1'}\nfinally_step: b\nevery_seconds: 60\n",
        "name: t\nsteps:\n- just text\n- {name: a, type: nosuch}\n",
        "name: [t\n",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct result r = load_text("lt.yml", texts[i], 0);
        struct octo_flow *f = NULL;
        struct octo_diags d;
        octo_error err;
        int rc;

        octo_diags_init(&d);
        memset(&err, 0, sizeof(err));
        rc = octo_flow_load_text(texts[i], strlen(texts[i]), "lt.yml", 0, &f, &d, &err);
        assert_int_equal(rc, r.rc);
        assert_true(json_equal(d.errors, r.errors));
        assert_true(json_equal(d.warnings, r.warnings));
        if (rc == OCTO_OK) {
            assert_int_equal(f->nsteps, r.flow->nsteps);
            assert_int_equal(f->finally_index, r.flow->finally_index);
            assert_int_equal(f->every_seconds, r.flow->every_seconds);
            assert_string_equal(f->path, "lt.yml");
            assert_true(json_equal(f->steps[0].options, r.flow->steps[0].options));
        } else {
            assert_null(f);
            assert_string_equal(err.msg, r.first);
        }
        octo_flow_unref(f);
        octo_diags_free(&d);
        result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_flow),
        cmocka_unit_test(test_when_decided_at_load),
        cmocka_unit_test(test_unknown_step_type),
        cmocka_unit_test(test_option_types),
        cmocka_unit_test(test_bad_regex_and_jq),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_finally_step),
        cmocka_unit_test(test_when_and_templated_options),
        cmocka_unit_test(test_when_shapes),
        cmocka_unit_test(test_step_entry_not_a_mapping),
        cmocka_unit_test(test_every_seconds_range),
        cmocka_unit_test(test_load_text_matches_file),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
