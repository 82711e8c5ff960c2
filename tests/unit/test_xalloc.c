/* test_xalloc.c - the out-of-memory policy (xalloc.h): an allocation that
 * fails prints "octoflow: out of memory (allocating N bytes)" on stderr
 * and aborts - for octo_x*, for an octo_buf that grows, and for jansson
 * once octo_core_init has pointed it at octo_xmalloc - while a size that
 * wraps size_t stays a soft failure of the buffer.
 *
 * The failure is real, not simulated: a request for 2^62 bytes, which
 * glibc refuses (and ASan too, told by __asan_default_options below to
 * return NULL as glibc does rather than report the request itself). Each
 * such call runs in a forked child whose stderr and fate are checked. */
#include "testutil.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

/* Read by ASan at start-up (an ASAN_OPTIONS from the environment still
 * wins for the options it names); unused in other builds. Exported: the
 * build hides symbols by default, and the runtime looks this one up. */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

#define HUGE ((size_t)1 << 62)

struct outcome {
    int signal; /* the signal that ended the child, 0 when it exited */
    int status; /* its exit status otherwise */
    char err[512];
};

/* Run fn(arg) in a child with stderr captured; the child exits 0 when fn
 * returns. */
static struct outcome in_child(void (*fn)(void *arg), void *arg)
{
    struct outcome o;
    int fds[2];
    pid_t pid;
    size_t got = 0;
    ssize_t r;
    int st = 0;

    memset(&o, 0, sizeof(o));
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        close(fds[0]);
        dup2(fds[1], 2);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    while ((r = read(fds[0], o.err + got, sizeof(o.err) - 1 - got)) > 0) {
        got += (size_t)r;
    }
    close(fds[0]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st)) {
        o.signal = WTERMSIG(st);
    } else {
        o.status = WEXITSTATUS(st);
    }
    return o;
}

/* The child died of SIGABRT and its stderr ends with the line (under
 * ASan a "failed to allocate" warning line comes first). */
static void assert_oom_abort(const struct outcome *o, size_t n)
{
    char want[128];
    size_t wl;
    size_t el = strlen(o->err);

    snprintf(want, sizeof(want), "octoflow: out of memory (allocating %zu bytes)\n", n);
    wl = strlen(want);
    assert_int_equal(o->signal, SIGABRT);
    assert_true(el >= wl);
    assert_string_equal(o->err + el - wl, want);
    assert_true(el == wl || o->err[el - wl - 1] == '\n'); /* a whole line */
}

static void do_xmalloc(void *arg)
{
    (void)arg;
    free(octo_xmalloc(HUGE));
}

static void do_xcalloc_overflow(void *arg)
{
    (void)arg;
    free(octo_xcalloc(SIZE_MAX / 2, 4)); /* the product does not fit size_t */
}

static void do_xrealloc(void *arg)
{
    char *p = octo_xstrdup("kept until the abort");

    (void)arg;
    free(octo_xrealloc(p, HUGE));
}

static void do_buf_grow(void *arg)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)arg;
    octo_buf_puts(&b, "x");
    octo_buf_reserve(&b, HUGE);
    octo_buf_free(&b);
}

static void do_json(void *arg)
{
    (void)arg;
    /* jansson copies the text into jsonp_malloc(len + 1) before reading
     * it: the allocation fails first */
    json_decref(json_stringn_nocheck("x", HUGE - 1));
}

static void test_xmalloc_aborts_with_the_line(void **state)
{
    struct outcome o = in_child(do_xmalloc, NULL);

    (void)state;
    assert_oom_abort(&o, HUGE);
}

static void test_xcalloc_reports_an_overflowing_product(void **state)
{
    struct outcome o = in_child(do_xcalloc_overflow, NULL);

    (void)state;
    assert_oom_abort(&o, SIZE_MAX);
}

static void test_xrealloc_aborts_with_the_line(void **state)
{
    struct outcome o = in_child(do_xrealloc, NULL);

    (void)state;
    assert_oom_abort(&o, HUGE);
}

/* The buffer doubles its capacity from 64: room for 2^62 more bytes
 * after one is a request for 2^63. */
static void test_buf_growth_aborts(void **state)
{
    struct outcome o = in_child(do_buf_grow, NULL);

    (void)state;
    assert_oom_abort(&o, (size_t)1 << 63);
}

/* A size that wraps size_t is no allocation at all: the buffer fails
 * softly (sticky), as a buffer past its limit does. */
static void test_buf_wrapping_size_is_soft(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    octo_buf_puts(&b, "abc");
    assert_int_equal(octo_buf_reserve(&b, SIZE_MAX - 1), -1);
    assert_true(octo_buf_failed(&b));
    octo_buf_puts(&b, "def"); /* a no-op from now on */
    assert_null(octo_buf_steal(&b, NULL));

    b.limit = 4;
    octo_buf_puts(&b, "abcd");
    assert_false(octo_buf_failed(&b));
    octo_buf_putc(&b, 'e');
    assert_true(b.over);
    assert_int_equal(b.oom, 0);
    octo_buf_free(&b);
}

static void test_successful_calls(void **state)
{
    char *p = octo_xmalloc(0);
    char *z = octo_xcalloc(8, 4);
    char *s = octo_xstrndup("abcdef", 3);
    char *f = octo_xasprintf("%s|%d|%s", "uri", 42, "");
    size_t i;

    (void)state;
    assert_non_null(p); /* 0 bytes is not a failure */
    for (i = 0; i < 32; i++) {
        assert_int_equal(z[i], 0);
    }
    assert_string_equal(s, "abc");
    assert_string_equal(f, "uri|42|");
    s = octo_xrealloc(s, 4096);
    assert_string_equal(s, "abc"); /* content kept */
    free(p);
    free(z);
    free(s);
    free(f);
}

/* octo_core_init sets jansson's allocator (once, before any thread): a
 * json_* call that cannot get memory aborts with the same line instead
 * of returning NULL. */
static void test_core_init_points_jansson_at_xmalloc(void **state)
{
    json_malloc_t m = NULL;
    json_free_t fr = NULL;
    struct outcome o;

    (void)state;
    json_get_alloc_funcs(&m, &fr);
    assert_ptr_not_equal(m, octo_xmalloc);
    octo_test_setup_data();
    octo_test_core_init();
    json_get_alloc_funcs(&m, &fr);
    assert_ptr_equal(m, octo_xmalloc);
    assert_ptr_equal(fr, free);
    o = in_child(do_json, NULL);
    assert_oom_abort(&o, HUGE);
    octo_test_core_shutdown();
    octo_test_cleanup_data();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xmalloc_aborts_with_the_line),
        cmocka_unit_test(test_xcalloc_reports_an_overflowing_product),
        cmocka_unit_test(test_xrealloc_aborts_with_the_line),
        cmocka_unit_test(test_buf_growth_aborts),
        cmocka_unit_test(test_buf_wrapping_size_is_soft),
        cmocka_unit_test(test_successful_calls),
        cmocka_unit_test(test_core_init_points_jansson_at_xmalloc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
