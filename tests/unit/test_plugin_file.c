/* test_plugin_file.c - the file step through the real core: read, write
 * and append for yaml, json and text; atomic writes that leave the old
 * file on failure; parent directories; confinement; data_key "." and a
 * missing data_key. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------ */

static void assert_file(const char *rel, const char *expected)
{
    char *text = octo_test_read(rel);

    if (text == NULL) {
        fail_msg("%s was not written", rel);
    }
    assert_string_equal(text, expected);
    free(text);
}

/* The only error of a failed run: its step, type and message. */
static json_t *only_error(struct octo_run_result *r)
{
    json_t *errs = json_object_get(r->data, "__errors__");

    assert_true(r->failed);
    assert_int_equal(json_array_size(errs), 1);
    return json_array_get(errs, 0);
}

/* A jq step making the payload the writes use: key order b, a. */
#define PAYLOAD_STEP                                                                        \
    "- name: payload\n"                                                                      \
    "  type: jq\n"                                                                           \
    "  jq: {expression: '{b: [1, \"yes\", null, 1.5], a: \"x y\", \"c\\u00e9\": {\"k\": true}}'}\n"

/* ---- read --------------------------------------------------------------- */

static void test_read_types(void **state)
{
    struct octo_run_result r;

    (void)state;
    octo_test_write("in/a.yml", "a: [1, yes, ~, 0x10, '012']\nb: {c: 1.5}\n");
    octo_test_write("in/a.json", "{\"x\": 1.5, \"y\": [1, \"\\u00e9\"], \"z\": null}");
    octo_test_write("in/a.txt", "line one\nline two\n\n");
    r = octo_test_run_text("read.yml",
                 "name: read\n"
                 "steps:\n"
                 "- {name: y, type: file, file: {path: in/a.yml}}\n"          /* yaml default */
                 "- {name: j, type: file, file: {path: in/a.json, type: json}}\n"
                 "- {name: t, type: file, file: {path: in/a.txt, type: TEXT}}\n"
                 "- {name: y2, type: file, file: {path: ./in//a.yml, mode: read, type: yaml}}\n",
                 NULL);
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "y"), "{\"a\": [1, true, null, 16, \"012\"], \"b\": {\"c\": 1.5}}");
    octo_test_assert_json(json_object_get(r.data, "j"), "{\"x\": 1.5, \"y\": [1, \"\\u00e9\"], \"z\": null}");
    octo_test_assert_json(json_object_get(r.data, "t"), "\"line one\\nline two\\n\\n\"");
    octo_test_assert_json(json_object_get(r.data, "y2"), "{\"a\": [1, true, null, 16, \"012\"], \"b\": {\"c\": 1.5}}");
    octo_run_result_free(&r);
}

static void test_read_errors(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    r = octo_test_run_text("rmiss.yml",
                 "name: rmiss\nsteps:\n- {name: m, type: file, file: {path: nothere.yml}}\n"
                 "- {name: never, type: debug}\n",
                 NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(json_object_get(e, "step")), "m");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "io");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "cannot read nothere.yml: No such file or directory");
    assert_null(json_object_get(r.data, "m"));
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);

    octo_test_write("bad.json", "{\"a\": 1,,}");
    r = octo_test_run_text("rjson.yml",
                 "name: rjson\nsteps:\n- {name: j, type: file, file: {path: bad.json, type: json}}\n",
                 NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "io");
    octo_test_assert_contains(json_string_value(octo_test_get(e, "error.message")), "bad.json:1:");
    octo_test_assert_contains(json_string_value(octo_test_get(e, "error.message")), "invalid JSON");
    octo_run_result_free(&r);

    octo_test_write("bad.yml", "a: 1\n b: 2\n");
    r = octo_test_run_text("ryaml.yml",
                 "name: ryaml\nsteps:\n- {name: y, type: file, file: {path: bad.yml}}\n", NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "bad.yml:2:3: mapping values are not allowed in this context");
    octo_run_result_free(&r);

    octo_test_write("latin1.txt", "caf\xe9\n");
    r = octo_test_run_text("rtext.yml",
                 "name: rtext\nsteps:\n- {name: t, type: file, file: {path: latin1.txt, type: text}}\n",
                 NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "latin1.txt is not UTF-8 text");
    octo_run_result_free(&r);
}

/* ---- write and append --------------------------------------------------- */

static void test_write_types(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("write.yml",
                 "name: write\n"
                 "steps:\n" PAYLOAD_STEP
                 "- {name: wy, type: file, file: {path: out/p.yml, mode: write, data_key: payload}}\n"
                 "- {name: wj, type: file, file: {path: out/p.json, mode: Write, type: json, "
                 "data_key: payload}}\n"
                 "- {name: wt, type: file, file: {path: out/p.txt, mode: write, type: text, "
                 "data_key: payload}}\n"
                 "- name: s\n"
                 "  type: jq\n"
                 "  jq: {expression: '\"plain text\\n\"'}\n"
                 "- {name: ws, type: file, file: {path: out/s.txt, mode: write, type: text, "
                 "data_key: s}}\n"
                 "- {name: wsy, type: file, file: {path: out/s.yml, mode: write, data_key: s}}\n",
                 NULL);
    assert_false(r.failed);
    /* yaml.dump(v, default_flow_style=False): sorted keys, ASCII escapes */
    assert_file("out/p.yml", "a: x y\nb:\n- 1\n- 'yes'\n- null\n- 1.5\n\"c\\xE9\":\n  k: true\n");
    /* json.dump: the dict's order, ", " and ": ", ASCII escapes */
    assert_file("out/p.json", "{\"b\": [1, \"yes\", null, 1.5], \"a\": \"x y\", \"c\\u00e9\": {\"k\": true}}");
    /* text: Python's str() */
    assert_file("out/p.txt", "{'b': [1, 'yes', None, 1.5], 'a': 'x y', 'c\xc3\xa9': {'k': True}}");
    assert_file("out/s.txt", "plain text\n");
    assert_file("out/s.yml", "'plain text\n\n  '\n");
    /* a write returns {} */
    octo_test_assert_json(json_object_get(r.data, "wy"), "{}");
    octo_test_assert_json(json_object_get(r.data, "wj"), "{}");
    octo_run_result_free(&r);
}

/* sync: false writes the same bytes, still by replace (the fsyncs are
 * what it skips); a value that is not a boolean is refused at load. */
static void test_write_without_sync(void **state)
{
    struct octo_run_result r;
    char msg[1024];

    (void)state;
    octo_test_write("out/ns.json", "old");
    r = octo_test_run_text("nosync.yml",
                 "name: nosync\n"
                 "steps:\n" PAYLOAD_STEP
                 "- {name: w, type: file, file: {path: out/ns.json, mode: write, type: json, "
                 "data_key: payload, sync: false}}\n"
                 "- {name: a, type: file, file: {path: out/ns.json, mode: append, type: text, "
                 "data_key: payload, sync: false}}\n",
                 NULL);
    assert_false(r.failed);
    assert_file("out/ns.json", "{\"b\": [1, \"yes\", null, 1.5], \"a\": \"x y\", \"c\\u00e9\": {\"k\": true}}"
                               "{'b': [1, 'yes', None, 1.5], 'a': 'x y', 'c\xc3\xa9': {'k': True}}");
    octo_run_result_free(&r);
    octo_test_write("flows/badsync.yml",
                    "name: badsync\nsteps:\n- {name: w, type: file, file: {path: out/x.json, "
                    "mode: write, data_key: a, sync: maybe}}\n");
    assert_int_not_equal(octo_test_load_flow("badsync.yml", 0, msg, sizeof(msg), NULL, 0), 0);
    octo_test_assert_contains(msg, "sync");
}

static void test_append(void **state)
{
    struct octo_run_result r;

    (void)state;
    octo_test_write("app/log.txt", "start|");
    r = octo_test_run_text("append.yml",
                 "name: append\n"
                 "steps:\n"
                 "- {name: s, type: jq, jq: {expression: '\"line\"'}}\n"
                 "- {name: a1, type: file, file: {path: app/log.txt, mode: append, type: text, "
                 "data_key: s}}\n"
                 "- {name: a2, type: file, file: {path: app/log.txt, mode: append, type: text, "
                 "data_key: s}}\n"
                 "- {name: o, type: jq, jq: {expression: '{k: 1}'}}\n"
                 "- {name: a3, type: file, file: {path: app/new/data.yml, mode: append, "
                 "data_key: o}}\n"
                 "- {name: a4, type: file, file: {path: app/new/data.yml, mode: append, "
                 "data_key: o}}\n"
                 "- {name: a5, type: file, file: {path: app/d.json, mode: append, type: json, "
                 "data_key: o}}\n"
                 "- {name: a6, type: file, file: {path: app/d.json, mode: append, type: json, "
                 "data_key: o}}\n",
                 NULL);
    assert_false(r.failed);
    /* no separator between appended documents, as the original */
    assert_file("app/log.txt", "start|lineline");
    assert_file("app/new/data.yml", "k: 1\nk: 1\n");
    assert_file("app/d.json", "{\"k\": 1}{\"k\": 1}");
    octo_test_assert_json(json_object_get(r.data, "a1"), "{}");
    octo_run_result_free(&r);
}

static void test_write_whole_data_and_parents(void **state)
{
    struct octo_run_result r;
    json_t *written;
    json_t *expected;
    json_t *input = json_pack("{s:s}", "in", "put");
    char *text;
    char *dumped = NULL;
    octo_error err;

    (void)state;
    r = octo_test_run_text("whole.yml",
                 "name: whole\n"
                 "steps:\n"
                 "- {name: v, type: jq, jq: {expression: '[1, 2]'}}\n"
                 "- {name: w, type: file, file: {path: a/b/c/d/whole.json, mode: write, type: json, "
                 "data_key: '.'}}\n",
                 input);
    json_decref(input);
    assert_false(r.failed);
    text = octo_test_read("a/b/c/d/whole.json");
    assert_non_null(text);
    written = json_loads(text, 0, NULL);
    assert_non_null(written);
    /* the flow data as it was when the step ran: without the step's own result */
    expected = json_deep_copy(r.data);
    json_object_del(expected, "w");
    assert_true(json_equal(written, expected));
    assert_string_equal(json_string_value(octo_test_get(written, "__input__.in")), "put");
    json_decref(written);
    json_decref(expected);
    free(text);
    /* the bytes are Python's json.dumps of that data */
    {
        json_t *copy = json_deep_copy(r.data);

        json_object_del(copy, "w");
        text = octo_test_read("a/b/c/d/whole.json");
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_host_table()->json_dump(copy, 0, &dumped, &err), OCTO_OK);
        assert_string_equal(text, dumped);
        free(dumped);
        free(text);
        json_decref(copy);
    }
    octo_run_result_free(&r);
}

static void test_write_keeps_mode_and_is_atomic(void **state)
{
    struct octo_run_result r;
    char path[1024];
    struct stat st;
    DIR *d;
    struct dirent *de;
    json_t *e;
    FILE *fp;
    int i;

    (void)state;
    /* an existing file keeps its permissions across a rewrite */
    octo_test_write("keep/k.yml", "old: content\n");
    snprintf(path, sizeof(path), "%s/keep/k.yml", octo_config()->data_path);
    assert_int_equal(chmod(path, 0600), 0);
    r = octo_test_run_text("mode.yml",
                 "name: mode\nsteps:\n- {name: v, type: jq, jq: {expression: '{new: 1}'}}\n"
                 "- {name: w, type: file, file: {path: keep/k.yml, mode: write, data_key: v}}\n",
                 NULL);
    assert_false(r.failed);
    assert_file("keep/k.yml", "new: 1\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    octo_run_result_free(&r);

    /* a value that cannot be serialised (too deep for the emitters) */
    snprintf(path, sizeof(path), "%s/deep.json", octo_config()->data_path);
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (i = 0; i < 1100; i++) {
        fputc('[', fp);
    }
    for (i = 0; i < 1100; i++) {
        fputc(']', fp);
    }
    fclose(fp);
    octo_test_write("keep/old.yml", "old: content\n");
    octo_test_write("keep/old.json", "{\"old\": 1}");
    r = octo_test_run_text("atomic.yml",
                 "name: atomic\nsteps:\n"
                 "- {name: deep, type: file, file: {path: deep.json, type: json}}\n"
                 "- name: wy\n"
                 "  type: file\n"
                 "  ignore_errors: ['.*']\n"
                 "  file: {path: keep/old.yml, mode: write, data_key: deep}\n"
                 "- {name: wj, type: file, file: {path: keep/old.json, mode: write, type: json, "
                 "data_key: deep}}\n",
                 NULL);
    assert_true(r.failed);
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "wy");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "YAML output failed: value nests too deeply");
    e = octo_test_get(r.data, "__errors__.1");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "wj");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "value cannot be written as JSON");
    /* the old files are intact and no temporary file is left behind */
    assert_file("keep/old.yml", "old: content\n");
    assert_file("keep/old.json", "{\"old\": 1}");
    snprintf(path, sizeof(path), "%s/keep", octo_config()->data_path);
    d = opendir(path);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".tmp.") != NULL) {
            fail_msg("temporary file %s left behind", de->d_name);
        }
    }
    closedir(d);
    octo_run_result_free(&r);
}

static void test_data_key_missing(void **state)
{
    struct octo_run_result r;
    json_t *e;
    char *log;

    (void)state;
    octo_test_log_start();
    r = octo_test_run_text("dkmiss.yml",
                 "name: dkmiss\nsteps:\n"
                 "- {name: w, type: file, file: {path: out/never.yml, mode: write, data_key: nothere}}\n",
                 NULL);
    log = octo_test_log_end();
    e = only_error(&r);
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "validation");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "data_key \"nothere\" is not in the flow data");
    assert_false(octo_test_exists("out/never.yml"));
    /* the runner warned first */
    octo_test_assert_contains(log, "WARNING - [dkmiss][w // file] data_key \"nothere\" is not in the flow data");
    free(log);
    octo_run_result_free(&r);
}

static void test_confinement_at_run(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    octo_test_write("flows/target.yml", "name: target\nsteps: []\n");
    /* reading a flow file is fine; writing into FLOWS_PATH is not */
    r = octo_test_run_text("conf.yml",
                 "name: conf\nsteps:\n"
                 "- {name: rd, type: file, file: {path: flows/target.yml}}\n"
                 "- {name: wr, type: file, file: {path: flows/target.yml, mode: write, "
                 "data_key: rd}}\n",
                 NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(json_object_get(e, "step")), "wr");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "path");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "path \"flows/target.yml\" is inside the flows, templates, locks or logs "
                        "directory, which steps may not write");
    assert_string_equal(json_string_value(octo_test_get(r.data, "rd.name")), "target");
    assert_file("flows/target.yml", "name: target\nsteps: []\n");
    octo_run_result_free(&r);

    r = octo_test_run_text("conf2.yml",
                 "name: conf2\nsteps:\n"
                 "- {name: wr, type: file, file: {path: logs/x.log, mode: append, type: text, "
                 "data_key: __flow_path__}}\n",
                 NULL);
    e = only_error(&r);
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "path");
    assert_false(octo_test_exists("logs/x.log"));
    octo_run_result_free(&r);
}

static void test_templated_path(void **state)
{
    const octo_host *h = octo_host_table();
    octo_template *t = NULL;
    struct octo_run_result r;
    json_t *e;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    if (h->template_compile("{{ 1 }}", "probe", &t, &err) != OCTO_OK) {
        /* no template engine in this build: test_validate.c checks the refusal */
        assert_int_equal(err.code, OCTO_ENOTSUP);
        return;
    }
    h->template_free(t);
    /* rendered paths are confined when the step runs */
    r = octo_test_run_text("tpl.yml",
                 "name: tpl\nsteps:\n"
                 "- {name: v, type: jq, jq: {expression: '{n: \"ok\", bad: \"../escape\"}'}}\n"
                 "- {name: w1, type: file, file: {path: 'out/{{ v.n }}.yml', mode: write, "
                 "data_key: v}}\n"
                 "- {name: w2, type: file, file: {path: '{{ v.bad }}.yml', mode: write, "
                 "data_key: v}}\n",
                 NULL);
    assert_file("out/ok.yml", "bad: ../escape\nn: ok\n");
    e = only_error(&r);
    assert_string_equal(json_string_value(json_object_get(e, "step")), "w2");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "path");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "path \"../escape.yml\" contains \"..\": it must stay inside DATA_PATH");
    octo_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_types),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_write_types),
        cmocka_unit_test(test_write_without_sync),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_write_whole_data_and_parents),
        cmocka_unit_test(test_write_keeps_mode_and_is_atomic),
        cmocka_unit_test(test_data_key_missing),
        cmocka_unit_test(test_confinement_at_run),
        cmocka_unit_test(test_templated_path),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
