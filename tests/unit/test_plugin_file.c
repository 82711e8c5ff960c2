/* test_plugin_file.c - the file step's rule that a flow's data cannot
 * show: a rewritten file keeps its permissions (the atomic replace copies
 * them). Reading, writing and appending in every type, failed writes that
 * leave the old file, confinement and data_key are the file_* cases of
 * tests/flows/, run by test_flow_cases.c. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void assert_file(const char *rel, const char *expected)
{
    char *text = octo_test_read(rel);

    if (text == NULL) {
        fail_msg("%s was not written", rel);
    }
    assert_string_equal(text, expected);
    free(text);
}

static void test_write_keeps_mode(void **state)
{
    struct octo_run_result r;
    char path[1024];
    struct stat st;

    (void)state;
    /* an existing file keeps its permissions across a rewrite */
    octo_test_write("keep/k.yml", "old: content\n");
    snprintf(path, sizeof(path), "%s/keep/k.yml", octo_config()->data_path);
    assert_int_equal(chmod(path, 0600), 0);
    r = octo_test_run_text(
        "mode.yml",
        "name: mode\nsteps:\n- {name: v, type: jq, jq: {expression: '{new: 1}'}}\n"
        "- {name: w, type: file, file: {path: keep/k.yml, mode: write, data_key: v}}\n",
        NULL);
    assert_false(r.failed);
    assert_file("keep/k.yml", "new: 1\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    octo_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_keeps_mode),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
