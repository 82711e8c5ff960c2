/* test_tempfiles.c - core/tempfiles.h (issue 9): the temporary-file name
 * pattern, and octo_tempfiles_clean removing the files of dead writers
 * only - including the file a real `octoflow run` leaves when it is
 * killed (kill -9) in the middle of a file step's write. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "tempfiles.h"

static void test_tempfile_parse(void **state)
{
    static const struct {
        const char *name;
        int ok;
        int pid;
    } cases[] = {
        {".out.yml.octo-tmp.1234.Ab3xYz", 1, 1234},
        {".a.octo-tmp.1.000000", 1, 1},
        {".x.octo-tmp.7.octo-tmp.42.abcdef", 1, 42}, /* the last marker counts */
        {".out.yml.octo-tmp.4194304.Ab3xYz", 1, 4194304},
        {".out.yml.octo-tmp.4194305.Ab3xYz", 0, 0}, /* above PID_MAX_LIMIT */
        {"out.yml.octo-tmp.1234.Ab3xYz", 0, 0},     /* not hidden */
        {"..octo-tmp.1234.Ab3xYz", 0, 0},           /* no target name */
        {".out.yml.octo-tmp.0123.Ab3xYz", 0, 0},    /* leading zero */
        {".out.yml.octo-tmp..Ab3xYz", 0, 0},
        {".out.yml.octo-tmp.12x4.Ab3xYz", 0, 0},
        {".out.yml.octo-tmp.1234.Ab3xY", 0, 0},   /* 5 characters */
        {".out.yml.octo-tmp.1234.Ab3xYz1", 0, 0}, /* 7 characters */
        {".out.yml.octo-tmp.1234.Ab-xYz", 0, 0},
        {".out.yml.tmp.ABCDEF", 0, 0}, /* the old anonymous name */
        {"", 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pid_t pid = -1;

        if (octo_tempfile_parse(cases[i].name, &pid) != cases[i].ok) {
            fail_msg("%s: expected %d", cases[i].name, cases[i].ok);
        }
        if (cases[i].ok) {
            assert_int_equal(pid, cases[i].pid);
        }
    }
}

/* A pid no process has: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();

    assert_true(p >= 0);
    if (p == 0) {
        _exit(0);
    }
    assert_int_equal(waitpid(p, NULL, 0), p);
    return p;
}

static void touch(const char *rel, int pid, time_t mtime)
{
    char path[4096];
    char name[256];
    const char *slash = strrchr(rel, '/');

    snprintf(name, sizeof(name), "%.*s%s", slash != NULL ? (int)(slash - rel + 1) : 0, rel,
             slash != NULL ? slash + 1 : rel);
    if (pid > 0) {
        snprintf(path, sizeof(path), "%s.octo-tmp.%d.Zz9yY8", name, pid);
    } else {
        snprintf(path, sizeof(path), "%s", name);
    }
    octo_test_write(path, "partial content");
    if (mtime != 0) {
        struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
        char abs[4096];

        snprintf(abs, sizeof(abs), "%s/%s", octo_config()->data_path, path);
        assert_int_equal(utimensat(AT_FDCWD, abs, ts, 0), 0);
    }
}

static int exists_tmp(const char *rel, int pid)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s.octo-tmp.%d.Zz9yY8", rel, pid);
    return octo_test_exists(path);
}

static void test_tempfiles_clean_dead_writers_only(void **state)
{
    pid_t dead = dead_pid();
    pid_t me = getpid();
    pid_t young;
    size_t removed = 99;
    octo_error err;
    char outside[] = "/tmp/octo-tempfiles-outside.XXXXXX";
    char link[4096];
    char stale_outside[4096];

    (void)state;
    /* a process started after its "file" was written: the pid was reused */
    young = fork();
    assert_true(young >= 0);
    if (young == 0) {
        pause();
        _exit(0);
    }
    touch("out/.a.yml", dead, 0);               /* dead writer: removed */
    touch("out/deep/er/.b.json", dead, 0);      /* in a subdirectory: removed */
    touch("out/.c.yml", me, 0);                 /* alive (this process): kept */
    touch("out/.d.yml", young, 946684800);      /* written in 2000 by a pid that started now */
    touch("out/.e.yml", 1, 0);                  /* init, alive since boot, file newer: kept */
    touch("out/e.yml.octo-tmp.1.Zz9yY8", 0, 0); /* not hidden: not the pattern */
    touch("out/.f.yml.tmp.Zz9yY8", 0, 0);       /* not the pattern */
    touch("out/plain.yml", 0, 0);
    /* a directory named like a temp file is not a file */
    touch("out/.g.octo-tmp.5.Zz9yY8/inner.txt", 0, 0);
    /* a symbolic link to a directory outside is not followed */
    assert_non_null(mkdtemp(outside));
    snprintf(stale_outside, sizeof(stale_outside), "%s/.h.yml.octo-tmp.%d.Zz9yY8", outside,
             (int)dead);
    {
        FILE *fp = fopen(stale_outside, "w");

        assert_non_null(fp);
        fclose(fp);
    }
    snprintf(link, sizeof(link), "%s/out/outside", octo_config()->data_path);
    assert_int_equal(symlink(outside, link), 0);

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tempfiles_clean(octo_config()->data_path, &removed, &err), OCTO_OK);
    assert_int_equal(removed, 3);
    assert_false(exists_tmp("out/.a.yml", dead));
    assert_false(exists_tmp("out/deep/er/.b.json", dead));
    assert_true(exists_tmp("out/.c.yml", me));
    assert_false(exists_tmp("out/.d.yml", young));
    assert_true(exists_tmp("out/.e.yml", 1));
    assert_true(octo_test_exists("out/e.yml.octo-tmp.1.Zz9yY8"));
    assert_true(octo_test_exists("out/.f.yml.tmp.Zz9yY8"));
    assert_true(octo_test_exists("out/plain.yml"));
    assert_true(octo_test_exists("out/.g.octo-tmp.5.Zz9yY8/inner.txt"));
    assert_int_equal(access(stale_outside, F_OK), 0);
    /* nothing more to do the second time */
    assert_int_equal(octo_tempfiles_clean(octo_config()->data_path, &removed, &err), OCTO_OK);
    assert_int_equal(removed, 0);
    kill(young, SIGKILL);
    waitpid(young, NULL, 0);
    unlink(stale_outside);
    rmdir(outside);
    unlink(link);
    /* a root that cannot be read */
    assert_int_equal(octo_tempfiles_clean("/nonexistent/octo", &removed, &err), OCTO_EIO);
    octo_test_assert_contains(err.msg, "cannot read");
}

/* A real `octoflow run` whose file step writes a large document, killed
 * with SIGKILL once its temporary file holds data: the file left behind
 * follows the pattern (with the run's pid), the target is untouched, and
 * octo_tempfiles_clean removes it. */
static void test_tempfiles_clean_after_killed_writer(void **state)
{
    const char *bin = OCTO_TEST_BINARY_DIR;
    char exe[4096];
    char plugins[4096];
    char data_file[4096];
    char out_dir[4096];
    char name[256] = "";
    size_t removed = 0;
    octo_error err;
    pid_t child;
    FILE *fp;
    int i;
    int found = 0;

    (void)state;
    snprintf(exe, sizeof(exe), "%s/octoflow", bin);
    snprintf(plugins, sizeof(plugins), "%s/plugins", bin);
    octo_test_write("flows/big.yml", "name: big\nsteps:\n- name: put\n  type: file\n"
                                     "  file: {path: out2/doc.txt, mode: write, type: text, "
                                     "data_key: __input__}\n");
    octo_test_write("out2/doc.txt", "previous\n");
    snprintf(data_file, sizeof(data_file), "%s/big.json", octo_config()->data_path);
    fp = fopen(data_file, "w");
    assert_non_null(fp);
    fputc('"', fp);
    for (i = 0; i < (64 << 20) / 64; i++) {
        fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", fp);
    }
    fputc('"', fp);
    fclose(fp);
    snprintf(out_dir, sizeof(out_dir), "%s/out2", octo_config()->data_path);

    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char arg[4200];
        int devnull = open("/dev/null", O_WRONLY);

        dup2(devnull, 1);
        dup2(devnull, 2);
        setenv("PLUGINS_PATH", plugins, 1);
        snprintf(arg, sizeof(arg), "@%s", data_file);
        execl(exe, exe, "run", "big.yml", "--data", arg, (char *)NULL);
        _exit(127);
    }
    /* wait (without a time limit of our own: ctest's applies) until the
     * temporary file holds data, then kill the writer */
    while (!found) {
        DIR *d = opendir(out_dir);
        struct dirent *de;
        int status;

        assert_non_null(d);
        while ((de = readdir(d)) != NULL) {
            pid_t pid;
            struct stat st;
            char p[4400];

            snprintf(p, sizeof(p), "%s/%s", out_dir, de->d_name);
            if (octo_tempfile_parse(de->d_name, &pid) && stat(p, &st) == 0 && st.st_size > 0) {
                assert_int_equal(pid, child);
                snprintf(name, sizeof(name), "%s", de->d_name);
                found = 1;
            }
        }
        closedir(d);
        if (!found && waitpid(child, &status, WNOHANG) == child) {
            fail_msg("the run ended before it could be killed (status %d)", status);
        }
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    {
        char *doc = octo_test_read("out2/doc.txt");
        char rel[300];

        assert_string_equal(doc, "previous\n");
        free(doc);
        snprintf(rel, sizeof(rel), "out2/%s", name);
        assert_true(octo_test_exists(rel));
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tempfiles_clean(octo_config()->data_path, &removed, &err), OCTO_OK);
        assert_int_equal(removed, 1);
        assert_false(octo_test_exists(rel));
    }
    unlink(data_file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tempfile_parse),
        cmocka_unit_test(test_tempfiles_clean_dead_writers_only),
        cmocka_unit_test(test_tempfiles_clean_after_killed_writer),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
