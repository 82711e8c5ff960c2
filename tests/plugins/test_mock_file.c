/* test_mock_file.c - the file step through the mock host: write, read and
 * append in the three formats with the bytes the original wrote, the
 * errors (data_key required to write, missing input, missing file, a path
 * the host refuses), and what it logs. */
#include "mock_test.h"

#include <sys/stat.h>
#include <unistd.h>

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/octo-mock-file-XXXXXX");
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *rel)
{
    char path[256];
    FILE *fp;
    char *buf = calloc(1, 65536);
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", g_dir, rel);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static octo_mock *new_mock(const char *data)
{
    octo_mock *m = octo_mock_new();
    json_t *d = J(data);

    octo_mock_set_data(m, d);
    json_decref(d);
    octo_mock_set_root(m, OCTO_ROOT_DATA, g_dir);
    return m;
}

static void test_write_read_json(void **state)
{
    octo_mock *m = new_mock("{\"rec\": {\"a\": 1, \"u\": \"\\u00e9\", \"f\": 2.0}}");
    const octo_step_type *t = load_type(m, "file");
    json_t *out = NULL;
    octo_error err;
    char *text;

    (void)state;
    assert_int_equal(run_json(m, t,
                              "{\"path\": \"out/sub/x.json\", \"mode\": \"write\","
                              " \"type\": \"json\", \"data_key\": \"rec\"}",
                              &out, &err),
                     OCTO_OK);
    assert_json(out, "{}"); /* a write returns {} (the original) */
    json_decref(out);
    text = slurp("out/sub/x.json");                                          /* parents created */
    assert_string_equal(text, "{\"a\": 1, \"u\": \"\\u00e9\", \"f\": 2.0}"); /* json.dump */
    free(text);
    assert_true(octo_mock_log_find(m, "-> write out/sub/x.json") >= 0);
    assert_int_equal(
        run_json(m, t, "{\"path\": \"out/sub/x.json\", \"type\": \"json\"}", &out, &err), OCTO_OK);
    assert_json(out, "{\"a\": 1, \"u\": \"\\u00e9\", \"f\": 2.0}");
    json_decref(out);
    assert_true(octo_mock_log_find(m, "-> read out/sub/x.json") >= 0);
    octo_mock_free(m);
}

static void test_yaml_default_and_text_append(void **state)
{
    octo_mock *m = new_mock("{\"doc\": {\"b\": [1, 2], \"a\": \"x\"}, \"n\": 1, \"none\": null}");
    const octo_step_type *t = load_type(m, "file");
    json_t *out = NULL;
    octo_error err;
    char *text;

    (void)state;
    /* type and mode default to yaml and read; "." writes everything */
    assert_int_equal(run_json(m, t,
                              "{\"path\": \"d.yml\", \"mode\": \"write\", \"data_key\":"
                              " \"doc\"}",
                              &out, &err),
                     OCTO_OK);
    json_decref(out);
    text = slurp("d.yml");
    assert_string_equal(text, "a: x\nb:\n- 1\n- 2\n"); /* yaml.dump(default_flow_style=False) */
    free(text);
    assert_int_equal(run_json(m, t, "{\"path\": \"d.yml\"}", &out, &err), OCTO_OK);
    assert_json(out, "{\"a\": \"x\", \"b\": [1, 2]}");
    json_decref(out);
    /* text appends Python's str(), with no separator (as the original) */
    assert_int_equal(run_json(m, t,
                              "{\"path\": \"t.txt\", \"mode\": \"append\", \"type\":"
                              " \"text\", \"data_key\": \"n\"}",
                              &out, &err),
                     OCTO_OK);
    json_decref(out);
    assert_int_equal(run_json(m, t,
                              "{\"path\": \"t.txt\", \"mode\": \"append\", \"type\":"
                              " \"text\", \"data_key\": \"none\"}",
                              &out, &err),
                     OCTO_OK);
    json_decref(out);
    text = slurp("t.txt");
    assert_string_equal(text, "1None");
    free(text);
    assert_true(octo_mock_log_find(m, "-> append t.txt") >= 0);
    octo_mock_free(m);
}

static void test_errors(void **state)
{
    octo_mock *m = new_mock("{\"v\": 1}");
    const octo_step_type *t = load_type(m, "file");
    json_t *out = NULL;
    octo_error err;
    char *text;

    (void)state;
    /* writing needs a data_key: refused at prepare */
    assert_int_equal(run_json(m, t, "{\"path\": \"a.yml\", \"mode\": \"write\"}", &out, &err),
                     OCTO_EINVAL);
    assert_string_equal(err.field, "data_key");
    assert_has(err.msg, "is required to write");
    /* a data_key missing from the data */
    assert_int_equal(run_json(m, t,
                              "{\"path\": \"a.yml\", \"mode\": \"write\", \"data_key\":"
                              " \"nope\"}",
                              &out, &err),
                     OCTO_EINVAL);
    assert_string_equal(err.msg, "data_key \"nope\" is not in the flow data");
    assert_null(slurp("a.yml"));
    /* a missing file names itself, relative */
    assert_int_equal(run_json(m, t, "{\"path\": \"missing.yml\"}", &out, &err), OCTO_ENOENT);
    assert_string_equal(err.field, "path");
    assert_has(err.msg, "missing.yml");
    assert_null(strstr(err.msg, g_dir));
    /* invalid JSON names file, line and column */
    text = malloc(strlen(g_dir) + 16);
    sprintf(text, "%s/bad.json", g_dir);
    {
        FILE *fp = fopen(text, "w");

        fputs("{\"a\": }", fp);
        fclose(fp);
    }
    free(text);
    assert_int_equal(run_json(m, t, "{\"path\": \"bad.json\", \"type\": \"json\"}", &out, &err),
                     OCTO_EIO);
    assert_has(err.msg, "bad.json:1:");
    /* the host refuses the path: the step reports it on the path field */
    assert_int_equal(run_json(m, t, "{\"path\": \"../escape.yml\"}", &out, &err), OCTO_EPATH);
    assert_string_equal(err.field, "path");
    assert_null(out);
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_json),
        cmocka_unit_test(test_yaml_default_and_text_append),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
