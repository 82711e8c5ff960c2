/* test_locks.c - a flow never runs twice at once (locks.h): O_EXCL lock
 * files, the in-process authority that survives a deleted lock file,
 * listing and removing lock files with and without ".yml". */
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void flow_abs(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", octo_config()->flows_path, name);
}

static int lock_exists(const char *file)
{
    char p[PATH_MAX];
    struct stat st;

    snprintf(p, sizeof(p), "%s/%s", octo_config()->lock_path, file);
    return stat(p, &st) == 0;
}

static void lock_unlink(const char *file)
{
    char p[PATH_MAX];

    snprintf(p, sizeof(p), "%s/%s", octo_config()->lock_path, file);
    assert_int_equal(unlink(p), 0);
}

static void test_acquire_release(void **state)
{
    char abs[PATH_MAX];
    char *stamp;
    octo_error err;

    (void)state;
    flow_abs(abs, sizeof(abs), "a.yml");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "a.yml", &err), OCTO_OK);
    assert_true(octo_lock_held(abs));
    assert_true(lock_exists("a.yml.lock"));
    /* the file holds the start time as the original wrote it */
    stamp = octo_test_read("locks/a.yml.lock");
    assert_non_null(stamp);
    assert_int_equal(strlen(stamp), 14);
    assert_int_equal(strspn(stamp, "0123456789"), 14);
    free(stamp);

    /* a second launch is refused */
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "a.yml", &err), OCTO_EACCES);
    assert_string_equal(err.msg, "Flow a.yml is already running.");

    octo_lock_release(abs, "a.yml");
    assert_false(octo_lock_held(abs));
    assert_false(lock_exists("a.yml.lock"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "a.yml", &err), OCTO_OK);
    octo_lock_release(abs, "a.yml");
    /* releasing what is not held does nothing */
    octo_lock_release(abs, "a.yml");
    assert_false(octo_lock_held(abs));
}

static void test_deleted_lock_file_keeps_authority(void **state)
{
    char abs[PATH_MAX];
    octo_error err;

    (void)state;
    flow_abs(abs, sizeof(abs), "b.yml");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "b.yml", &err), OCTO_OK);
    /* someone deletes the lock file (API, by hand) while the flow runs */
    lock_unlink("b.yml.lock");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "b.yml", &err), OCTO_EACCES);
    assert_string_equal(err.msg, "Flow b.yml is already running.");
    assert_false(lock_exists("b.yml.lock")); /* and no file was recreated */
    octo_lock_release(abs, "b.yml");
    assert_int_equal(octo_lock_acquire(abs, "b.yml", &err), OCTO_OK);
    octo_lock_release(abs, "b.yml");
}

static void test_file_of_another_process(void **state)
{
    char abs[PATH_MAX];
    octo_error err;

    (void)state;
    /* another process holds it: its O_EXCL file exists */
    octo_test_write("locks/c.yml.lock", "20240101000000");
    flow_abs(abs, sizeof(abs), "c.yml");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "c.yml", &err), OCTO_EACCES);
    assert_string_equal(err.msg, "Flow c.yml is already running.");
    assert_false(octo_lock_held(abs));
    /* its file is left alone */
    octo_lock_release(abs, "c.yml");
    assert_true(lock_exists("c.yml.lock"));
    lock_unlink("c.yml.lock");
    assert_int_equal(octo_lock_acquire(abs, "c.yml", &err), OCTO_OK);
    octo_lock_release(abs, "c.yml");
}

static void test_release_leaves_foreign_file(void **state)
{
    char abs[PATH_MAX];
    char *text;
    octo_error err;

    (void)state;
    flow_abs(abs, sizeof(abs), "d.yml");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "d.yml", &err), OCTO_OK);
    /* our file is deleted, then another process takes the lock */
    lock_unlink("d.yml.lock");
    octo_test_write("locks/d.yml.lock", "29990101000000");
    /* releasing ours must not remove the other process's file */
    octo_lock_release(abs, "d.yml");
    assert_false(octo_lock_held(abs));
    text = octo_test_read("locks/d.yml.lock");
    assert_non_null(text);
    assert_string_equal(text, "29990101000000");
    free(text);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire(abs, "d.yml", &err), OCTO_EACCES);
    lock_unlink("d.yml.lock");
    /* the same at shutdown */
    assert_int_equal(octo_lock_acquire(abs, "d.yml", &err), OCTO_OK);
    lock_unlink("d.yml.lock");
    octo_test_write("locks/d.yml.lock", "29990101000000");
    octo_locks_release_all_owned();
    assert_true(lock_exists("d.yml.lock"));
    lock_unlink("d.yml.lock");
}

/* ---- racing launches: exactly one wins ----------------------------------- */

static pthread_barrier_t g_bar;
static atomic_int g_wins;
static atomic_int g_refused;
static char g_race_abs[PATH_MAX];

static void *racer(void *arg)
{
    octo_error err;

    (void)arg;
    memset(&err, 0, sizeof(err));
    pthread_barrier_wait(&g_bar);
    if (octo_lock_acquire(g_race_abs, "race.yml", &err) == OCTO_OK) {
        atomic_fetch_add(&g_wins, 1);
    } else if (err.code == OCTO_EACCES) {
        atomic_fetch_add(&g_refused, 1);
    }
    return NULL;
}

static void test_race(void **state)
{
    pthread_t th[8];
    int i;

    (void)state;
    flow_abs(g_race_abs, sizeof(g_race_abs), "race.yml");
    pthread_barrier_init(&g_bar, NULL, 8);
    for (i = 0; i < 8; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, racer, NULL), 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    pthread_barrier_destroy(&g_bar);
    assert_int_equal(atomic_load(&g_wins), 1);
    assert_int_equal(atomic_load(&g_refused), 7);
    octo_lock_release(g_race_abs, "race.yml");
}

static void test_list_and_remove(void **state)
{
    char abs[PATH_MAX];
    char removed[256];
    json_t *list;
    octo_error err;

    (void)state;
    flow_abs(abs, sizeof(abs), "held.yml");
    assert_int_equal(octo_lock_acquire(abs, "held.yml", &err), OCTO_OK);
    octo_test_write("locks/zeta.yml.lock", "20240102030405\n");
    octo_test_write("locks/alpha.lock", "20240101000000");
    octo_test_write("locks/sub/deep.yaml.lock", "20230101000000");
    octo_test_write("locks/not-a-lock.txt", "x");
    list = octo_locks_list();
    assert_int_equal(json_array_size(list), 4);
    /* sorted by file name; the timestamp without its newline */
    assert_string_equal(json_string_value(octo_test_get(list, "0.filename")), "alpha.lock");
    assert_string_equal(json_string_value(octo_test_get(list, "1.filename")), "deep.yaml.lock");
    assert_string_equal(json_string_value(octo_test_get(list, "2.filename")), "held.yml.lock");
    assert_string_equal(json_string_value(octo_test_get(list, "3.filename")), "zeta.yml.lock");
    assert_string_equal(json_string_value(octo_test_get(list, "3.timestamp")), "20240102030405");
    assert_string_equal(json_string_value(octo_test_get(list, "0.timestamp")), "20240101000000");
    assert_int_equal(strlen(json_string_value(octo_test_get(list, "2.timestamp"))), 14);
    json_decref(list);

    /* remove by flow name with ".yml", without it, or by lock file name */
    assert_int_equal(octo_locks_remove_file("zeta.yml", removed, sizeof(removed)), OCTO_OK);
    assert_string_equal(removed, "zeta.yml.lock");
    assert_false(lock_exists("zeta.yml.lock"));
    assert_int_equal(octo_locks_remove_file("held", removed, sizeof(removed)), OCTO_OK);
    assert_string_equal(removed, "held.yml.lock");
    assert_int_equal(octo_locks_remove_file("alpha.lock", removed, sizeof(removed)), OCTO_OK);
    assert_string_equal(removed, "alpha.lock");
    assert_int_equal(octo_locks_remove_file("zeta.yml", removed, sizeof(removed)), OCTO_ENOENT);
    assert_int_equal(octo_locks_remove_file("nothing", NULL, 0), OCTO_ENOENT);
    /* names that could reach outside LOCK_PATH are not files of ours */
    octo_test_write("outside.lock", "x");
    assert_int_equal(octo_locks_remove_file("../outside", NULL, 0), OCTO_ENOENT);
    assert_int_equal(octo_locks_remove_file("..", NULL, 0), OCTO_ENOENT);
    assert_int_equal(octo_locks_remove_file("", NULL, 0), OCTO_ENOENT);
    assert_true(octo_test_exists("outside.lock"));

    /* removing the file of a running flow does not free the flow */
    assert_true(octo_lock_held(abs));
    assert_int_equal(octo_lock_acquire(abs, "held.yml", &err), OCTO_EACCES);

    /* clear: every *.lock file, recursively */
    octo_test_write("locks/x.yml.lock", "1");
    assert_int_equal(octo_locks_clear_files(), 2); /* x.yml.lock, sub/deep.yaml.lock */
    assert_true(octo_test_exists("locks/not-a-lock.txt"));
    list = octo_locks_list();
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    octo_lock_release(abs, "held.yml");
}

static void test_release_all_owned(void **state)
{
    char a[PATH_MAX];
    char b[PATH_MAX];
    octo_error err;

    (void)state;
    flow_abs(a, sizeof(a), "one.yml");
    flow_abs(b, sizeof(b), "two.yml");
    assert_int_equal(octo_lock_acquire(a, "one.yml", &err), OCTO_OK);
    assert_int_equal(octo_lock_acquire(b, "two.yml", &err), OCTO_OK);
    octo_locks_release_all_owned();
    assert_false(octo_lock_held(a));
    assert_false(octo_lock_held(b));
    assert_false(lock_exists("one.yml.lock"));
    assert_false(lock_exists("two.yml.lock"));
    assert_int_equal(octo_lock_acquire(a, "one.yml", &err), OCTO_OK);
    octo_lock_release(a, "one.yml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_release),
        cmocka_unit_test(test_deleted_lock_file_keeps_authority),
        cmocka_unit_test(test_file_of_another_process),
        cmocka_unit_test(test_release_leaves_foreign_file),
        cmocka_unit_test(test_race),
        cmocka_unit_test(test_list_and_remove),
        cmocka_unit_test(test_release_all_owned),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
