/* test_paths.c - confinement of paths to their root (paths.h): absolute
 * paths, "..", symlinks leading out, a symlinked last component, the
 * secrets and config files, and the directories steps may not write. */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static char g_data[PATH_MAX]; /* canonical DATA_PATH */
static char g_outside[PATH_MAX];

static int setup(void **state)
{
    char tmpl[] = "/tmp/octo-outside-XXXXXX";

    (void)state;
    octo_test_setup_data();
    octo_test_core_init();
    snprintf(g_data, sizeof(g_data), "%s", octo_config()->data_path);
    assert_non_null(mkdtemp(tmpl));
    assert_non_null(realpath(tmpl, g_outside));
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];

    (void)state;
    octo_test_core_shutdown();
    octo_test_cleanup_data();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_outside);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void data_path(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", g_data, rel);
}

static void make_link(const char *target, const char *rel)
{
    char p[PATH_MAX];

    data_path(p, sizeof(p), rel);
    unlink(p);
    assert_int_equal(symlink(target, p), 0);
}

static void assert_ok(int root, const char *rel, unsigned flags, const char *expected_rel)
{
    char out[PATH_MAX];
    char want[PATH_MAX];
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_path_resolve(root, rel, flags, out, sizeof(out), &err) != OCTO_OK) {
        fail_msg("%s refused: %s", rel, err.msg);
    }
    snprintf(want, sizeof(want), "%s/%s", octo_root_dir(root), expected_rel);
    assert_string_equal(out, want);
}

/* The path is refused with a message containing expected, and the
 * message never shows an absolute path of ours. */
static void assert_refused(int root, const char *rel, unsigned flags, const char *expected)
{
    char out[PATH_MAX];
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_path_resolve(root, rel, flags, out, sizeof(out), &err) == OCTO_OK) {
        fail_msg("%s accepted as %s", rel, out);
    }
    assert_int_equal(err.code, OCTO_EPATH);
    if (strstr(err.msg, expected) == NULL) {
        fail_msg("message \"%s\" does not contain \"%s\"", err.msg, expected);
    }
    assert_null(strstr(err.msg, g_data));
    assert_null(strstr(err.msg, g_outside));
}

static void test_plain_paths(void **state)
{
    (void)state;
    assert_ok(OCTO_ROOT_DATA, "output/a.yml", 0, "output/a.yml");
    assert_ok(OCTO_ROOT_DATA, "./output//b.json", OCTO_PATH_WRITE, "output/b.json");
    assert_ok(OCTO_ROOT_DATA, "x.txt/", 0, "x.txt");
    assert_ok(OCTO_ROOT_DATA, "a b/\xc3\xa9.txt", OCTO_PATH_WRITE, "a b/\xc3\xa9.txt");
    /* names that only start like ".." or a protected directory */
    assert_ok(OCTO_ROOT_DATA, "..hidden/..x", OCTO_PATH_WRITE, "..hidden/..x");
    assert_ok(OCTO_ROOT_DATA, "flowsX/a.yml", OCTO_PATH_WRITE, "flowsX/a.yml");
    assert_ok(OCTO_ROOT_DATA, "secrets.yml.bak", OCTO_PATH_WRITE, "secrets.yml.bak");
    assert_ok(OCTO_ROOT_FLOWS, "sub/a.yml", 0, "sub/a.yml");
    assert_ok(OCTO_ROOT_TEMPLATES, "mail.j2", 0, "mail.j2");
}

static void test_absolute_and_dotdot(void **state)
{
    (void)state;
    assert_refused(OCTO_ROOT_DATA, "/etc/passwd", 0,
                   "path \"/etc/passwd\" is absolute: paths are relative to DATA_PATH");
    assert_refused(OCTO_ROOT_DATA, "", 0, "empty path");
    assert_refused(OCTO_ROOT_DATA, "../x", 0,
                   "path \"../x\" contains \"..\": it must stay inside DATA_PATH");
    assert_refused(OCTO_ROOT_DATA, "a/../b", 0, "contains \"..\"");
    assert_refused(OCTO_ROOT_DATA, "a/..", OCTO_PATH_WRITE, "contains \"..\"");
    assert_refused(OCTO_ROOT_DATA, "a/b/../../../etc", 0, "contains \"..\"");
    assert_refused(OCTO_ROOT_DATA, ".", 0, "path \".\" names DATA_PATH itself");
    assert_refused(OCTO_ROOT_DATA, "./", 0, "names DATA_PATH itself");
    assert_refused(OCTO_ROOT_FLOWS, "../secrets.yml", 0, "it must stay inside FLOWS_PATH");
    assert_refused(OCTO_ROOT_TEMPLATES, "/tmp/x.j2", 0, "relative to TEMPLATES_PATH");
}

static void test_symlinks(void **state)
{
    char p[PATH_MAX];

    (void)state;
    /* a directory link leading out */
    make_link(g_outside, "out");
    assert_refused(OCTO_ROOT_DATA, "out/file.txt", 0,
                   "path \"out/file.txt\" leads outside DATA_PATH (through a symbolic link)");
    assert_refused(OCTO_ROOT_DATA, "out/new/dir/file.txt", OCTO_PATH_WRITE, "leads outside");
    assert_refused(OCTO_ROOT_DATA, "out", 0, "out");
    /* a file link leading out (last component) */
    snprintf(p, sizeof(p), "%s/secret.txt", g_outside);
    fclose(fopen(p, "w"));
    make_link(p, "leak.txt");
    assert_refused(OCTO_ROOT_DATA, "leak.txt", 0, "leak.txt");
    /* a dangling link */
    make_link("/nonexistent/octo/dir", "dangling");
    assert_refused(OCTO_ROOT_DATA, "dangling/x", OCTO_PATH_WRITE, "leads outside DATA_PATH");

    /* a directory link that stays inside is followed; the result is canonical */
    data_path(p, sizeof(p), "real");
    assert_int_equal(mkdir(p, 0755), 0);
    make_link(p, "alias");
    assert_ok(OCTO_ROOT_DATA, "alias/f.txt", OCTO_PATH_WRITE, "real/f.txt");
    make_link("real", "relalias");
    assert_ok(OCTO_ROOT_DATA, "relalias/sub/g.txt", 0, "real/sub/g.txt");

    /* a symlink as the last component is refused even when it stays inside */
    octo_test_write("target.txt", "x");
    make_link("target.txt", "link.txt");
    assert_refused(OCTO_ROOT_DATA, "link.txt", 0, "path \"link.txt\" is a symbolic link");
    assert_refused(OCTO_ROOT_DATA, "alias/../link.txt", 0, "contains \"..\"");
}

static void test_secrets_and_config(void **state)
{
    char p[PATH_MAX];

    (void)state;
    octo_test_write("secrets.yml", "s: {type: token, token: abc}\n");
    assert_refused(OCTO_ROOT_DATA, "secrets.yml", 0,
                   "path \"secrets.yml\" is the secrets, configuration or job store file, which "
                   "steps and templates may not touch");
    assert_refused(OCTO_ROOT_DATA, "secrets.yml", OCTO_PATH_WRITE,
                   "secrets, configuration or job store");
    assert_refused(OCTO_ROOT_DATA, "./secrets.yml", 0, "secrets, configuration or job store");
    assert_refused(OCTO_ROOT_DATA, "config.yml", 0, "secrets, configuration or job store");
    /* even when they do not exist yet */
    assert_refused(OCTO_ROOT_DATA, "config.yml", OCTO_PATH_WRITE,
                   "secrets, configuration or job store");
    /* and through a directory link back to the root */
    data_path(p, sizeof(p), "");
    make_link(g_data, "root");
    assert_refused(OCTO_ROOT_DATA, "root/secrets.yml", 0, "secrets, configuration or job store");
    assert_refused(OCTO_ROOT_DATA, "root/config.yml", OCTO_PATH_WRITE,
                   "secrets, configuration or job store");
}

static void test_protected_directories(void **state)
{
    (void)state;
    /* steps may read flows and templates, but never write them */
    octo_test_write("flows/a.yml", "name: a\n");
    assert_ok(OCTO_ROOT_DATA, "flows/a.yml", 0, "flows/a.yml");
    assert_refused(OCTO_ROOT_DATA, "flows/a.yml", OCTO_PATH_WRITE,
                   "path \"flows/a.yml\" is inside the flows, templates, locks or logs "
                   "directory, which steps may not write");
    assert_refused(OCTO_ROOT_DATA, "flows/new/b.yml", OCTO_PATH_WRITE, "may not write");
    assert_refused(OCTO_ROOT_DATA, "flows", OCTO_PATH_WRITE, "may not write");
    assert_refused(OCTO_ROOT_DATA, "templates/t.j2", OCTO_PATH_WRITE, "may not write");
    assert_refused(OCTO_ROOT_DATA, "locks/a.yml.lock", OCTO_PATH_WRITE, "may not write");
    assert_refused(OCTO_ROOT_DATA, "logs/spooler_service.log", OCTO_PATH_WRITE, "may not write");
    /* through a link to a protected directory too */
    make_link("flows", "fl");
    assert_refused(OCTO_ROOT_DATA, "fl/x.yml", OCTO_PATH_WRITE, "may not write");
}

static void test_resolve_in_and_relative(void **state)
{
    char out[PATH_MAX];
    char small[16];
    char rel[PATH_MAX];
    char longp[PATH_MAX + 64];
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_path_resolve_in(g_outside, "MYROOT", "a/b", out, sizeof(out), &err),
                     OCTO_OK);
    snprintf(rel, sizeof(rel), "%s/a/b", g_outside);
    assert_string_equal(out, rel);
    assert_int_equal(
        octo_path_resolve_in("/nonexistent/octo", "MYROOT", "a", out, sizeof(out), &err),
        OCTO_EPATH);
    assert_string_equal(err.msg, "MYROOT does not exist");
    /* output capacity and overlong input */
    assert_int_equal(octo_path_resolve(OCTO_ROOT_DATA, "abc", 0, small, sizeof(small), &err),
                     OCTO_EPATH);
    assert_non_null(strstr(err.msg, "is too long"));
    memset(longp, 'x', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(octo_path_resolve(OCTO_ROOT_DATA, longp, 0, out, sizeof(out), &err),
                     OCTO_EPATH);
    assert_non_null(strstr(err.msg, "is too long"));
    assert_int_equal(octo_path_resolve(99, "a", 0, out, sizeof(out), &err), OCTO_EINTERNAL);

    assert_string_equal(octo_root_name(OCTO_ROOT_DATA), "DATA_PATH");
    assert_string_equal(octo_root_name(OCTO_ROOT_FLOWS), "FLOWS_PATH");
    assert_string_equal(octo_root_name(OCTO_ROOT_TEMPLATES), "TEMPLATES_PATH");
    assert_string_equal(octo_root_dir(OCTO_ROOT_DATA), g_data);

    snprintf(out, sizeof(out), "%s/output/x.yml", g_data);
    octo_path_relative(g_data, out, rel, sizeof(rel));
    assert_string_equal(rel, "output/x.yml");
    octo_path_relative(g_data, "/etc/passwd", rel, sizeof(rel));
    assert_string_equal(rel, "passwd");
    /* a sibling directory sharing the prefix is not "under" the root */
    snprintf(out, sizeof(out), "%sX/y.yml", g_data);
    octo_path_relative(g_data, out, rel, sizeof(rel));
    assert_string_equal(rel, "y.yml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paths),
        cmocka_unit_test(test_absolute_and_dotdot),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_secrets_and_config),
        cmocka_unit_test(test_protected_directories),
        cmocka_unit_test(test_resolve_in_and_relative),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
