/* test_locks.c - a flow never runs twice at once (locks.h): kernel-held
 * OFD locks, across threads and processes; a lock dies with its holder;
 * stale files are taken over, never listed, always removable; a held
 * lock is never "released" by deleting its file. */
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "locks.h"

static void lock_file(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.lock", octo_config()->lock_path, name);
}

static int exists(const char *name)
{
    char p[PATH_MAX];
    struct stat st;

    lock_file(name, p, sizeof(p));
    return stat(p, &st) == 0;
}

static void test_acquire_release(void **state)
{
    struct octo_lock *l = NULL;
    struct octo_lock *l2 = NULL;
    octo_error err;
    char path[PATH_MAX];
    char *text;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire("a.yml", "job-1", &l, &err), OCTO_OK);
    assert_non_null(l);
    assert_true(exists("a.yml"));
    lock_file("a.yml", path, sizeof(path));
    text = octo_test_read("locks/a.yml.lock");
    assert_non_null(text);
    /* the original's timestamp first, then who holds it */
    assert_int_equal((int)strcspn(text, "\n"), 14);
    octo_test_assert_contains(text, "job=job-1");
    free(text);
    /* a second taker in the same process is refused: OFD locks exclude
     * open file descriptions, not processes */
    assert_int_equal(octo_lock_acquire("a.yml", "job-2", &l2, &err), OCTO_EACCES);
    assert_null(l2);
    octo_test_assert_contains(err.msg, "already running");
    octo_lock_release(l);
    assert_false(exists("a.yml"));
    assert_int_equal(octo_lock_acquire("a.yml", "job-3", &l2, &err), OCTO_OK);
    octo_lock_release(l2);
}

static void test_nested_flow_names(void **state)
{
    struct octo_lock *a = NULL;
    struct octo_lock *b = NULL;
    octo_error err;
    char name[256];

    (void)state;
    memset(&err, 0, sizeof(err));
    /* two flows with the same file name in different folders are two locks */
    octo_lock_name("sub/x.yml", name, sizeof(name));
    assert_string_equal(name, "sub/x.yml");
    assert_int_equal(octo_lock_acquire("sub/x.yml", NULL, &a, &err), OCTO_OK);
    assert_int_equal(octo_lock_acquire("x.yml", NULL, &b, &err), OCTO_OK);
    assert_true(exists("sub/x.yml"));
    octo_lock_release(a);
    octo_lock_release(b);
    assert_int_equal(octo_lock_acquire("../x.yml", NULL, &a, &err), OCTO_EINVAL);
    /* names with ".." inside a component are fine */
    assert_int_equal(octo_lock_acquire("a..b.yml", NULL, &a, &err), OCTO_OK);
    octo_lock_release(a);
}

/* A child process takes the lock and waits; returns its pid once it
 * holds it (it writes a byte to the pipe). */
static pid_t child_holding(const char *name)
{
    int p[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct octo_lock *l = NULL;
        octo_error err;

        memset(&err, 0, sizeof(err));
        close(p[0]);
        if (octo_lock_acquire(name, "child-job", &l, &err) != OCTO_OK) {
            _exit(1);
        }
        if (write(p[1], "x", 1) != 1) {
            _exit(1);
        }
        pause();
        _exit(0);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static void test_other_process_and_death(void **state)
{
    struct octo_lock *l = NULL;
    octo_error err;
    json_t *list;
    int status;
    pid_t pid = child_holding("b.yml");

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_acquire("b.yml", NULL, &l, &err), OCTO_EACCES);
    octo_test_assert_contains(err.msg, "already running (process");
    list = octo_locks_list();
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "filename")),
                        "b.yml.lock");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "pid")), pid);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "job_id")),
                        "child-job");
    json_decref(list);
    /* kill -9: the kernel releases the lock; the file stays behind */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_true(exists("b.yml"));
    usleep(600 * 1000); /* the listing cache lives 0.5 s */
    list = octo_locks_list();
    assert_int_equal(json_array_size(list), 0); /* a file nobody holds is not a lock */
    json_decref(list);
    assert_int_equal(octo_lock_acquire("b.yml", NULL, &l, &err), OCTO_OK);
    octo_lock_release(l);
}

static void test_remove_held_refused(void **state)
{
    char removed[256];
    json_t *holder = NULL;
    struct octo_lock *l = NULL;
    octo_error err;
    int status;
    pid_t pid = child_holding("c.yml");

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_lock_remove("c", removed, sizeof(removed), &holder), OCTO_EACCES);
    assert_non_null(holder);
    assert_int_equal(json_integer_value(json_object_get(holder, "pid")), pid);
    json_decref(holder);
    assert_true(exists("c.yml"));
    /* still held: nobody else can take it */
    assert_int_equal(octo_lock_acquire("c.yml", NULL, &l, &err), OCTO_EACCES);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    /* now stale: removable, with or without the extension */
    assert_int_equal(octo_lock_remove("c", removed, sizeof(removed), NULL), OCTO_OK);
    assert_string_equal(removed, "c.yml.lock");
    assert_false(exists("c.yml"));
    assert_int_equal(octo_lock_remove("c", removed, sizeof(removed), NULL), OCTO_ENOENT);
    assert_int_equal(octo_lock_remove("../x", removed, sizeof(removed), NULL), OCTO_ENOENT);
}

static void test_remove_stale_keeps_held(void **state)
{
    struct octo_lock *mine = NULL;
    json_t *held = json_array();
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    octo_test_write("locks/stale1.yml.lock", "20200101000000\npid=1 host=x job=\n");
    octo_test_write("locks/deep/stale2.yml.lock", "20200101000000\n");
    assert_int_equal(octo_lock_acquire("live.yml", "j", &mine, &err), OCTO_OK);
    assert_int_equal(octo_locks_remove_stale(held), 2);
    assert_int_equal(json_array_size(held), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(held, 0), "filename")),
                        "live.yml.lock");
    assert_true(exists("live.yml"));
    json_decref(held);
    octo_lock_release(mine);
}

/* The unlink race: the path replaced under a taker must not give two
 * holders. Many threads take and release one name; a counter says how
 * many hold it at once. */
static atomic_int g_inside;
static atomic_int g_max;
static atomic_int g_taken;

static void *race_thread(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 300; i++) {
        struct octo_lock *l = NULL;
        octo_error err;

        memset(&err, 0, sizeof(err));
        if (octo_lock_acquire("race.yml", NULL, &l, &err) == OCTO_OK) {
            int now = atomic_fetch_add(&g_inside, 1) + 1;
            int max = atomic_load(&g_max);

            while (now > max && !atomic_compare_exchange_weak(&g_max, &max, now)) {
            }
            atomic_fetch_add(&g_taken, 1);
            atomic_fetch_sub(&g_inside, 1);
            octo_lock_release(l);
        }
    }
    return NULL;
}

static void test_race(void **state)
{
    pthread_t t[8];
    int i;

    (void)state;
    for (i = 0; i < 8; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, NULL), 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(atomic_load(&g_max), 1);
    assert_true(atomic_load(&g_taken) > 0);
    assert_false(exists("race.yml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_release),         cmocka_unit_test(test_nested_flow_names),
        cmocka_unit_test(test_other_process_and_death), cmocka_unit_test(test_remove_held_refused),
        cmocka_unit_test(test_remove_stale_keeps_held), cmocka_unit_test(test_race),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
