/* test_validate.c - flow validation messages with real flow files and the
 * real plugins: every message reads
 *   file:line: steps[i] ("name").block.field: what is wrong
 * Unknown keys are warnings with a did-you-mean, errors under
 * OCTO_FLOW_STRICT. Template-dependent cases hold with and without the
 * template engine (they check which one this build has). */
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

    json_array_foreach(list, i, v) {
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

    json_array_foreach(list, i, v) {
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

/* The flow loads and its warnings include msg (exactly). */
static void expect_warning(const char *name, const char *text, const char *msg)
{
    struct result r = load_text(name, text, 0);

    if (r.rc != OCTO_OK || !has(r.warnings, msg)) {
        dump_list("error", r.errors);
        dump_list("warning", r.warnings);
        fail_msg("%s: expected to load with warning \"%s\" (rc %d: %s)", name, msg, r.rc, r.first);
    }
    assert_non_null(r.flow);
    /* the flow carries its warnings too */
    assert_true(has(r.flow->warnings, msg));
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
    assert_string_equal(json_string_value(json_object_get(r.flow->steps[0].options, "mode")), "read");
    assert_string_equal(json_string_value(json_object_get(r.flow->steps[0].options, "type")), "json");
    assert_string_equal(r.flow->steps[1].result_key, "out");
    assert_string_equal(r.flow->steps[1].data_key, ".");
    assert_int_equal(r.flow->steps[0].nignore, 1);
    assert_int_equal(r.flow->finally_index, -1);
    result_free(&r);
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
    expect_error("typo.yml", "name: t\nsteps:\n- {name: s, type: fiel, fiel: {path: x}}\n", 0,
                 msg);
    /* transposed letters count as one edit: tpye -> type, moed -> mode */
    expect_warning("block.yml",
                   "name: b\nsteps:\n- name: s\n  type: file\n  file:\n    path: x.json\n"
                   "    tpye: json\n",
                   "block.yml:7: steps[0] (\"s\").file: unknown key \"tpye\" is ignored (did you "
                   "mean \"type\"?)");
    expect_error("strict.yml",
                 "name: b\nsteps:\n- name: s\n  type: file\n  file:\n    path: x.json\n"
                 "    moed: read\n",
                 OCTO_FLOW_STRICT,
                 "strict.yml:7: steps[0] (\"s\").file: unknown key \"moed\" (did you mean "
                 "\"mode\"?)");
    /* `when` errors speak of the condition, not of the {{ }} around it */
    expect_error("when.yml", "name: w\nsteps:\n- name: s\n  type: jq\n  when: x ==\n"
                 "  jq: {expression: .}\n", 0,
                 "when.yml:5: steps[0] (\"s\").when: condition \"x ==\": unexpected end of the "
                 "condition");
    expect_error("when2.yml", "name: w\nsteps:\n- name: s\n  type: jq\n  when: [ok, x = 1]\n"
                 "  jq: {expression: .}\n", 0,
                 "when2.yml:5: steps[0] (\"s\").when: condition \"x = 1\": expected the end of "
                 "the condition, got '='");
    /* top-level keys too */
    expect_error("top.yml", "name: t\nstep:\n- {name: s, type: jq, jq: {expression: .}}\n", 0,
                 "top.yml:1: the flow has no steps (a flow needs a list of steps under "
                 "\"steps\")");
    expect_warning("top2.yml", "name: t\nstesp: 1\nsteps: []\n",
                   "top2.yml:2: unknown key \"stesp\" is ignored (did you mean \"steps\"?)");
}

static void test_option_types(void **state)
{
    (void)state;
    expect_error("type.yml",
                 "name: t\n"
                 "steps:\n"
                 "- name: w\n"
                 "  type: file\n"
                 "  file:\n"
                 "    path: [a, b]\n",
                 0, "type.yml:6: steps[0] (\"w\").file.path: must be a string, not a list");
    expect_error("type2.yml",
                 "name: t\n"
                 "steps:\n"
                 "- name: d\n"
                 "  type: debug\n"
                 "  debug:\n"
                 "    data_key: x\n"
                 "    type: 5\n",
                 0,
                 "type2.yml:7: steps[0] (\"d\").debug.type: must be one of the listed values, not "
                 "an integer");
    expect_error("type3.yml",
                 "name: t\n"
                 "steps:\n"
                 "- name: b\n"
                 "  type: jq\n"
                 "  jq: [1]\n",
                 0, "type3.yml:5: steps[0] (\"b\").jq: must be a mapping, not a list");
    /* YAML read 123 / yes for a string option: Python's str() of it */
    {
        struct result r = load_text("type4.yml",
                                    "name: t\nsteps:\n- {name: n, type: jq, jq: {expression: 1, "
                                    "data_key: yes}}\n",
                                    0);

        assert_int_equal(r.rc, OCTO_OK);
        assert_string_equal(json_string_value(json_object_get(r.flow->steps[0].options,
                                                              "expression")),
                            "1");
        assert_string_equal(r.flow->steps[0].data_key, "True");
        result_free(&r);
    }
}

static void test_required_and_enum(void **state)
{
    (void)state;
    expect_error("req.yml",
                 "name: r\n"
                 "steps:\n"
                 "- name: j\n"
                 "  type: jq\n"
                 "  jq:\n"
                 "    data_key: x\n",
                 0,
                 "req.yml:6: steps[0] (\"j\").jq.expression: is required (jq program applied to "
                 "the input)");
    /* no block at all: the step's line */
    expect_error("req2.yml",
                 "name: r\n"
                 "steps:\n"
                 "- name: f\n"
                 "  type: file\n",
                 0,
                 "req2.yml:3: steps[0] (\"f\").file.path: is required (file path relative to "
                 "DATA_PATH (templated))");
    expect_error("enum.yml",
                 "name: e\n"
                 "steps:\n"
                 "- name: f\n"
                 "  type: file\n"
                 "  file:\n"
                 "    path: x.yml\n"
                 "    mode: delete\n",
                 0, "enum.yml:7: steps[0] (\"f\").file.mode: \"delete\" is not one of: read, write, "
                    "append");
    /* the plugin's own check at prepare(): write needs data_key */
    expect_error("prep.yml",
                 "name: p\n"
                 "steps:\n"
                 "- name: w\n"
                 "  type: file\n"
                 "  file:\n"
                 "    path: out.yml\n"
                 "    mode: write\n",
                 0,
                 "prep.yml:6: steps[0] (\"w\").file.data_key: is required to write: the key of the "
                 "flow data to write (\".\" for all)");
    expect_error("notype.yml", "name: n\nsteps:\n- name: x\n  jq: {expression: '.'}\n", 0,
                 "notype.yml:3: steps[0] (\"x\"): type is required");
    expect_error("rk.yml",
                 "name: n\nsteps:\n- name: x\n  type: jq\n  result_key: [a]\n"
                 "  jq: {expression: '.'}\n",
                 0, "rk.yml:5: steps[0] (\"x\"): result_key must be text");
}

static void test_bad_regex_and_jq(void **state)
{
    (void)state;
    expect_error("re.yml",
                 "name: r\n"
                 "steps:\n"
                 "- name: x\n"
                 "  type: jq\n"
                 "  jq: {expression: '.'}\n"
                 "  ignore_errors:\n"
                 "  - '.*ok.*'\n"
                 "  - '(unclosed'\n",
                 0,
                 "re.yml:7: steps[0] (\"x\").ignore_errors: bad regular expression '(unclosed': "
                 "missing closing parenthesis at position 9");
    expect_error("re2.yml",
                 "name: r\nsteps:\n- name: x\n  type: jq\n  jq: {expression: '.'}\n"
                 "  ignore_errors: [{a: 1}]\n",
                 0, "re2.yml:6: steps[0] (\"x\").ignore_errors: pattern 1 must be text");
    expect_error("re3.yml",
                 "name: r\nsteps:\n- name: x\n  type: jq\n  jq: {expression: '.'}\n"
                 "  ignore_errors: {a: 1}\n",
                 0, "re3.yml:6: steps[0] (\"x\").ignore_errors: must be a list of regular "
                    "expressions");
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
    expect_error("jq3.yml",
                 "name: j\nsteps:\n- name: x\n  type: jq\n  jq: {expression: '.'}\n"
                 "  jq_expression: [1]\n",
                 0, "jq3.yml:6: steps[0] (\"x\").jq_expression: must be a jq expression (text)");
}

static void test_unknown_keys(void **state)
{
    static const char *text = "name: k\n"                   /* 1 */
                              "stepz: 1\n"                  /* 2 */
                              "zzzzzzzzz: 2\n"              /* 3 */
                              "steps:\n"                    /* 4 */
                              "- name: x\n"                 /* 5 */
                              "  type: jq\n"                /* 6 */
                              "  reslt_key: y\n"            /* 7 */
                              "  jq:\n"                     /* 8 */
                              "    expression: '.'\n"       /* 9 */
                              "    data_ky: a\n";           /* 10 */
    struct result r;

    (void)state;
    expect_warning("keys.yml", text, "keys.yml:2: unknown key \"stepz\" is ignored (did you mean "
                                     "\"steps\"?)");
    expect_warning("keys.yml", text, "keys.yml:3: unknown key \"zzzzzzzzz\" is ignored");
    expect_warning("keys.yml", text,
                   "keys.yml:7: steps[0] (\"x\"): unknown key \"reslt_key\" is ignored (did you "
                   "mean \"result_key\"?)");
    expect_warning("keys.yml", text,
                   "keys.yml:10: steps[0] (\"x\").jq: unknown key \"data_ky\" is ignored (did you "
                   "mean \"data_key\"?)");
    /* strict: the same keys are errors */
    r = load_text("keys.yml", text, OCTO_FLOW_STRICT);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_true(has(r.errors, "keys.yml:2: unknown key \"stepz\" (did you mean \"steps\"?)"));
    assert_true(has(r.errors, "keys.yml:3: unknown key \"zzzzzzzzz\""));
    assert_true(has(r.errors, "keys.yml:7: steps[0] (\"x\"): unknown key \"reslt_key\" (did you "
                              "mean \"result_key\"?)"));
    assert_true(has(r.errors, "keys.yml:10: steps[0] (\"x\").jq: unknown key \"data_ky\" (did you "
                              "mean \"data_key\"?)"));
    assert_int_equal(json_array_size(r.errors), 4);
    /* the first error is the load's message */
    assert_string_equal(r.first, "keys.yml:2: unknown key \"stepz\" (did you mean \"steps\"?)");
    result_free(&r);
    /* the step type's name as a key is its block, not an unknown key;
     * a misspelt block name gets a did-you-mean */
    expect_warning("keys2.yml",
                   "name: k\nsteps:\n- name: x\n  type: debug\n  debg: {type: json}\n",
                   "keys2.yml:5: steps[0] (\"x\"): unknown key \"debg\" is ignored (did you mean "
                   "\"debug\"?)");
}

static void test_shapes(void **state)
{
    struct result r;

    (void)state;
    expect_error("nonmap.yml", "name: n\nsteps:\n- just a string\n- {name: ok, type: debug}\n", 0,
                 "nonmap.yml:3: steps[0]: a step must be a mapping with name and type, not a "
                 "string");
    expect_error("empty.yml", "", 0, "empty.yml: the flow file is empty");
    expect_error("comments.yml", "# nothing here\n", 0, "comments.yml: the flow file is empty");
    expect_error("list.yml", "- a\n- b\n", 0,
                 "list.yml:1: a flow must be a mapping with \"name\" and \"steps\", not a list");
    expect_error("steps.yml", "name: s\nsteps: {a: 1}\n", 0,
                 "steps.yml:2: steps: must be a list of steps");
    expect_error("name.yml", "name: [x]\nsteps: []\n", 0, "name.yml:1: name: must be text");
    expect_error("every.yml", "name: e\nevery_seconds: soon\nsteps: []\n", 0,
                 "every.yml:2: every_seconds must be a whole number of seconds from 1 to "
                 "31536000 (one year), not text");
    expect_error("cron.yml", "name: c\ncron: [1]\nsteps: []\n", 0,
                 "cron.yml:2: cron: must be a cron expression (text)");
    /* YAML errors keep their line and column */
    r = load_text("syntax.yml", "name: s\nsteps:\n- name: [x\n  type: jq\n", 0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_non_null(strstr(r.first, "syntax.yml:"));
    assert_int_equal(json_array_size(r.errors), 1);
    result_free(&r);
    /* no steps: an error (`step:` for `steps:` loaded as an empty flow) */
    expect_error("nosteps.yml", "cron: ''\nstep:\n- name: x\n", 0,
                 "nosteps.yml:1: the flow has no steps (a flow needs a list of steps under "
                 "\"steps\")");
    /* an empty list is explicit: a warning; no name: the file name */
    r = load_text("empty.yml", "cron: ''\nsteps: []\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_true(has(r.warnings, "empty.yml:2: the flow has no steps: it does nothing"));
    assert_string_equal(r.flow->name, "empty.yml");
    result_free(&r);
    /* a step without a name */
    expect_warning("noname.yml", "name: n\nsteps:\n- type: debug\n",
                   "noname.yml:3: steps[0]: the step has no name; its result is stored under "
                   "\"steps[0]\"");
}

static void test_finally_step(void **state)
{
    struct result r;

    (void)state;
    expect_warning("fin.yml",
                   "name: f\nfinally_step: nope\nsteps:\n- {name: a, type: debug}\n",
                   "fin.yml:2: finally_step: no step is named \"nope\"; nothing runs when the flow "
                   "fails");
    r = load_text("fin2.yml", "name: f\nfinally_step: b\nsteps:\n- {name: a, type: debug}\n"
                              "- {name: b, type: debug}\n",
                  0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->finally_index, 1);
    result_free(&r);
    expect_error("fin3.yml", "name: f\nfinally_step: [b]\nsteps: []\n", 0,
                 "fin3.yml:2: finally_step: must be the name of a step");
}

static void test_static_paths_confined(void **state)
{
    (void)state;
    expect_error("p1.yml",
                 "name: p\nsteps:\n- name: r\n  type: file\n  file:\n    path: ../x.yml\n", 0,
                 "p1.yml:6: steps[0] (\"r\").file.path: path \"../x.yml\" contains \"..\": it must "
                 "stay inside DATA_PATH");
    expect_error("p2.yml",
                 "name: p\nsteps:\n- name: r\n  type: file\n  file:\n    path: /etc/passwd\n", 0,
                 "p2.yml:6: steps[0] (\"r\").file.path: path \"/etc/passwd\" is absolute: paths are "
                 "relative to DATA_PATH");
    expect_error("p3.yml",
                 "name: p\nsteps:\n- name: r\n  type: file\n  file:\n    path: secrets.yml\n", 0,
                 "p3.yml:6: steps[0] (\"r\").file.path: path \"secrets.yml\" is the secrets, "
                 "configuration or job store file, which steps and templates may not touch");
}

static void test_all_errors_collected(void **state)
{
    struct result r;

    (void)state;
    r = load_text("many.yml",
                  "name: m\n"
                  "steps:\n"
                  "- {name: a, type: nosuch}\n"
                  "- {name: b, type: jq, jq: {}}\n"
                  "- {name: c, type: file, file: {path: x, mode: zap}}\n",
                  0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_int_equal(json_array_size(r.errors), 3);
    assert_non_null(strstr(json_string_value(json_array_get(r.errors, 0)), "many.yml:3: steps[0]"));
    assert_non_null(strstr(json_string_value(json_array_get(r.errors, 1)), "many.yml:4: steps[1]"));
    assert_non_null(strstr(json_string_value(json_array_get(r.errors, 2)), "many.yml:5: steps[2]"));
    assert_string_equal(r.first, json_string_value(json_array_get(r.errors, 0)));
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
    /* template syntax errors are validation errors at the option's line */
    r = load_text("tbad.yml",
                  "name: p\nsteps:\n- name: y\n  type: file\n  file:\n    path: 'a{{ x ]}}'\n", 0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_non_null(strstr(r.first, "tbad.yml:6: "));
    assert_non_null(strstr(r.first, "file.path"));
    result_free(&r);
    r = load_text("wbad.yml", "name: w\nsteps:\n- name: x\n  type: debug\n  when: 'a ==='\n", 0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_non_null(strstr(r.first, "wbad.yml:5: "));
    assert_non_null(strstr(r.first, "when"));
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
    expect_error("wmap.yml", "name: w\nsteps:\n- name: a\n  type: debug\n  when: {a: 1}\n", 0,
                 "wmap.yml:5: steps[0] (\"a\").when: must be a condition or a list of conditions");
}

/* issue 9: a flow with a finally_step and a step entry that is not a
 * mapping crashed validate/run (octo_flow_step_index read the entry's
 * NULL name). Every such entry is an error with its line, whatever the
 * other keys, and the other entries are still checked. */
static void test_step_entry_not_a_mapping(void **state)
{
    struct result r;

    (void)state;
    r = load_text("finstr.yml",
                  "name: f\n"
                  "finally_step: cleanup\n"
                  "steps:\n"
                  "- just a string\n"
                  "- [a, list]\n"
                  "- 42\n"
                  "-\n"
                  "- {name: cleanup, type: debug}\n"
                  "- {name: bad, type: nosuchtype}\n",
                  0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_null(r.flow);
    assert_true(has(r.errors, "finstr.yml:4: steps[0]: a step must be a mapping with name and "
                              "type, not a string"));
    assert_true(has(r.errors, "finstr.yml:5: steps[1]: a step must be a mapping with name and "
                              "type, not a list"));
    assert_true(has(r.errors, "finstr.yml:6: steps[2]: a step must be a mapping with name and "
                              "type, not a scalar"));
    assert_true(has(r.errors, "finstr.yml:7: steps[3]: a step must be a mapping with name and "
                              "type, not an empty entry"));
    octo_test_assert_contains(json_string_value(json_array_get(r.errors, 4)),
                              "finstr.yml:9: steps[5] (\"bad\"): unknown step type \"nosuchtype\"");
    assert_int_equal(json_array_size(r.errors), 5);
    /* the finally_step was found among the real steps: no warning */
    assert_int_equal(json_array_size(r.warnings), 0);
    result_free(&r);
    /* the finally_step names a string entry: no step has that name */
    r = load_text("finstr2.yml",
                  "name: f\nfinally_step: cleanup\nsteps:\n- cleanup\n- {name: a, type: debug}\n",
                  0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    assert_true(has(r.errors, "finstr2.yml:4: steps[0]: a step must be a mapping with name and "
                              "type, not a string"));
    assert_true(has(r.warnings, "finstr2.yml:2: finally_step: no step is named \"cleanup\"; "
                                "nothing runs when the flow fails"));
    result_free(&r);
    /* the same through octo_flow_open_arg, as `validate` and `run` load */
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
    static const char *const bad[][2] = {
        {"9223372036854775807", "9223372036854775807"},
        {"31536001", "31536001"},
        {"-5", "-5"},
        {"1.5", "1.5"},
        {"1e19", "1e19"}, /* YAML 1.1: a string */
        {"1.0e+19", "1e+19"},
        {"true", "a boolean"},
        {"[60]", "a list"},
    };
    struct result r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        char msg[256];

        snprintf(text, sizeof(text), "name: e\nsteps: []\nevery_seconds: %s\n", bad[i][0]);
        snprintf(msg, sizeof(msg),
                 "every%zu.yml:3: every_seconds must be a whole number of seconds from 1 to "
                 "31536000 (one year), not %s",
                 i, strcmp(bad[i][0], "1e19") == 0 ? "text" : bad[i][1]);
        {
            char name[64];

            snprintf(name, sizeof(name), "every%zu.yml", i);
            expect_error(name, text, 0, msg);
        }
    }
    r = load_text("every_ok.yml", "name: e\nsteps: []\nevery_seconds: 31536000\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 31536000);
    result_free(&r);
    r = load_text("every_one.yml", "name: e\nsteps: []\nevery_seconds: 1\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 1);
    result_free(&r);
    expect_warning("every_zero.yml", "name: e\nsteps: []\nevery_seconds: 0\n",
                   "every_zero.yml:3: every_seconds: 0 means no schedule");
    r = load_text("every_null.yml", "name: e\nsteps: []\nevery_seconds:\n", 0);
    assert_int_equal(r.rc, OCTO_OK);
    assert_int_equal(r.flow->every_seconds, 0);
    result_free(&r);
    /* a cron must parse */
    r = load_text("badcron.yml", "name: c\nsteps: []\ncron: \"61 * * * *\"\n", 0);
    assert_int_equal(r.rc, OCTO_EINVAL);
    octo_test_assert_contains(r.first, "badcron.yml:3: cron: ");
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
        cmocka_unit_test(test_unknown_step_type),
        cmocka_unit_test(test_option_types),
        cmocka_unit_test(test_required_and_enum),
        cmocka_unit_test(test_bad_regex_and_jq),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_finally_step),
        cmocka_unit_test(test_static_paths_confined),
        cmocka_unit_test(test_all_errors_collected),
        cmocka_unit_test(test_when_and_templated_options),
        cmocka_unit_test(test_when_shapes),
        cmocka_unit_test(test_step_entry_not_a_mapping),
        cmocka_unit_test(test_every_seconds_range),
        cmocka_unit_test(test_load_text_matches_file),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
