/* test_regex.c - Python re semantics on PCRE2 (pyregex.h): translation of
 * \Z, {,n}, \uXXXX, named groups, Unicode classes, search vs match,
 * finditer's empty-match rules, re.sub templates, errors and limits.
 * Expected results were checked with Python 3.11's re. */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyregex.h"

static struct octo_regex *compile(const char *pattern, unsigned flags)
{
    struct octo_regex *re = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_regex_compile(pattern, flags, &re, &err) != OCTO_OK) {
        fail_msg("pattern %s does not compile: %s", pattern, err.msg);
    }
    return re;
}

/* 1 when re.search(pattern, subject) finds something */
static int search(const char *pattern, unsigned flags, const char *subject)
{
    struct octo_regex *re = compile(pattern, flags);
    struct octo_match m;
    int rc = octo_regex_search(re, subject, strlen(subject), 0, &m, NULL);

    octo_regex_free(re);
    assert_true(rc == 0 || rc == 1);
    return rc;
}

static void test_search_vs_match(void **state)
{
    struct octo_regex *re = compile("b+", 0);
    struct octo_match m;

    (void)state;
    assert_int_equal(octo_regex_search(re, "abbc", 4, 0, &m, NULL), 1);
    assert_int_equal(m.start[0], 1);
    assert_int_equal(m.end[0], 3);
    assert_int_equal(octo_regex_match(re, "abbc", 4, &m, NULL), 0);
    assert_int_equal(octo_regex_match(re, "bbc", 3, &m, NULL), 1);
    assert_int_equal(m.end[0], 2);
    /* search from an offset */
    assert_int_equal(octo_regex_search(re, "abbcb", 5, 3, &m, NULL), 1);
    assert_int_equal(m.start[0], 4);
    octo_regex_free(re);
    /* the original's ignore_errors patterns are searched, not anchored */
    assert_int_equal(search(".*404.*", 0, "http: Not Found {'status_code': 404}"), 1);
    assert_int_equal(search(".*400*", 0, "http: bad {'status_code': 400, 'x': 1}"), 1);
    assert_int_equal(search(".*400*", 0, "http: bad {'status_code': 500}"), 0);
    assert_int_equal(search("timeout", OCTO_RE_IGNORECASE, "network: TimeOut"), 1);
    assert_int_equal(search("^b", 0, "a\nb"), 0);
    assert_int_equal(search("^b", OCTO_RE_MULTILINE, "a\nb"), 1);
    assert_int_equal(search("a.b", 0, "a\nb"), 0);
    assert_int_equal(search("a.b", OCTO_RE_DOTALL, "a\nb"), 1);
}

static void test_python_syntax(void **state)
{
    struct octo_regex *re;
    struct octo_match m;

    (void)state;
    /* \Z is the very end (PCRE2's \Z would also match before a final \n) */
    assert_int_equal(search("b\\Z", 0, "ab"), 1);
    assert_int_equal(search("b\\Z", 0, "ab\n"), 0);
    assert_int_equal(search("b$", 0, "ab\n"), 1);
    /* {,n} is {0,n} in Python (PCRE2 10.42 reads it as text) */
    assert_int_equal(search("^a{,2}$", 0, "aa"), 1);
    assert_int_equal(search("^a{,2}$", 0, "aaa"), 0);
    assert_int_equal(search("^a{,2}$", 0, "a{,2}"), 0);
    assert_int_equal(search("[{,2}]", 0, ","), 1); /* inside a class it stays text */
    /* \uXXXX and \UXXXXXXXX code point escapes */
    assert_int_equal(search("caf\\u00e9", 0, "caf\xc3\xa9"), 1);
    assert_int_equal(search("\\U0001F600", 0, "\xf0\x9f\x98\x80"), 1);
    /* named groups and back references */
    re = compile("(?P<word>\\w+) (?P=word)", 0);
    assert_int_equal(octo_regex_groups(re), 1);
    assert_int_equal(octo_regex_group_index(re, "word"), 1);
    assert_int_equal(octo_regex_group_index(re, "nope"), -1);
    assert_int_equal(octo_regex_search(re, "say hello hello", 15, 0, &m, NULL), 1);
    assert_int_equal(m.start[1], 4);
    assert_int_equal(m.end[1], 9);
    octo_regex_free(re);
    /* Unicode classes as Python 3 str patterns */
    assert_int_equal(search("^\\w+$", 0, "caf\xc3\xa9"), 1);
    assert_int_equal(search("^\\d$", 0, "\xd9\xa3"), 1); /* ARABIC-INDIC DIGIT THREE */
    assert_int_equal(search("\\bcaf\xc3\xa9\\b", 0, "un caf\xc3\xa9!"), 1);
    assert_int_equal(search("^\\s$", 0, "\xe2\x80\x83"), 1); /* EM SPACE */
    /* an unset optional group */
    re = compile("(a)?(b)", 0);
    assert_int_equal(octo_regex_search(re, "b", 1, 0, &m, NULL), 1);
    assert_true(m.start[1] == SIZE_MAX);
    assert_int_equal(m.start[2], 0);
    octo_regex_free(re);
}

static void test_compile_errors(void **state)
{
    struct octo_regex *re = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_compile("(abc", 0, &re, &err), OCTO_EINVAL);
    assert_null(re);
    assert_int_equal(err.code, OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "bad regular expression '(abc'"));
    assert_non_null(strstr(err.msg, "missing closing parenthesis at position 4"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_compile("[a-", 0, &re, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "'[a-'"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_compile("*x", 0, &re, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "position 0"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_compile("(?P<1bad>x)", 0, &re, &err), OCTO_EINVAL);
    assert_null(re);
}

static void test_finditer_empty_matches(void **state)
{
    struct octo_regex *re = compile("x*", 0);
    struct octo_regex_iter it;
    struct octo_match m;
    size_t spans[16][2];
    size_t n = 0;
    int rc;

    (void)state;
    memset(&it, 0, sizeof(it));
    while ((rc = octo_regex_next(re, "abxd", 4, &it, &m, NULL)) == 1 && n < 16) {
        spans[n][0] = m.start[0];
        spans[n][1] = m.end[0];
        n++;
    }
    assert_int_equal(rc, 0);
    /* Python 3.7+: [(0, 0), (1, 1), (2, 3), (3, 3), (4, 4)] */
    assert_int_equal(n, 5);
    assert_int_equal(spans[0][0], 0);
    assert_int_equal(spans[0][1], 0);
    assert_int_equal(spans[1][0], 1);
    assert_int_equal(spans[2][0], 2);
    assert_int_equal(spans[2][1], 3);
    assert_int_equal(spans[3][0], 3);
    assert_int_equal(spans[3][1], 3);
    assert_int_equal(spans[4][0], 4);
    octo_regex_free(re);

    /* empty matches step over whole UTF-8 characters: "é|" on "aé" gives
     * (0,0), (1,3), (3,3) in bytes = Python's (0,0), (1,2), (2,2) */
    re = compile("\xc3\xa9|", 0);
    memset(&it, 0, sizeof(it));
    n = 0;
    while (octo_regex_next(re, "a\xc3\xa9", 3, &it, &m, NULL) == 1 && n < 16) {
        spans[n][0] = m.start[0];
        spans[n][1] = m.end[0];
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(spans[1][0], 1);
    assert_int_equal(spans[1][1], 3);
    assert_int_equal(spans[2][0], 3);
    octo_regex_free(re);
}

static void check_sub(const char *pattern, const char *repl, const char *subject, size_t count,
                      const char *expected)
{
    struct octo_regex *re = compile(pattern, 0);
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_regex_sub(re, repl, subject, strlen(subject), count, &b, &err) != OCTO_OK) {
        fail_msg("sub(%s, %s, %s) failed: %s", pattern, repl, subject, err.msg);
    }
    assert_string_equal(octo_buf_cstr(&b), expected);
    octo_buf_free(&b);
    octo_regex_free(re);
}

static void test_sub(void **state)
{
    struct octo_regex *re;
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;

    (void)state;
    check_sub("x*", "-", "abxd", 0, "-a-b--d-");
    check_sub("", "-", "a\xc3\xa9", 0, "-a-\xc3\xa9-");
    check_sub("(?P<w>\\w+)@(\\w+)", "\\g<2>:\\g<w>:\\1:\\g<0>", "joe@host x@y", 0,
              "host:joe:joe:joe@host y:x:x:x@y");
    check_sub("a", "\\n\\\\", "bab", 0, "b\n\\b");
    check_sub("o", "0", "foo boo", 2, "f00 boo");
    check_sub("(a)|b", "[\\1]", "ab", 0, "[a][]"); /* unmatched group: empty */
    check_sub("z", "y", "abc", 0, "abc");

    /* bad templates are errors, as in Python */
    re = compile("(a)", 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_sub(re, "\\2", "a", 1, 0, &b, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "invalid group reference 2"));
    octo_buf_reset(&b);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_sub(re, "\\g<nope>", "a", 1, 0, &b, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "unknown group name 'nope'"));
    octo_buf_reset(&b);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_regex_sub(re, "\\q", "a", 1, 0, &b, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "bad escape \\q"));
    octo_buf_free(&b);
    octo_regex_free(re);
}

static void test_match_limit(void **state)
{
    struct octo_regex *re = compile("^(a+)+$", 0);
    struct octo_match m;
    octo_error err;
    char subject[64];
    int rc;

    (void)state;
    memset(subject, 'a', 40);
    subject[40] = 'b';
    subject[41] = '\0';
    memset(&err, 0, sizeof(err));
    /* catastrophic backtracking fails with an error instead of hanging */
    rc = octo_regex_search(re, subject, strlen(subject), 0, &m, &err);
    assert_true(rc < 0);
    assert_int_equal(err.code, OCTO_EINVAL);
    assert_non_null(strstr(err.msg, "regular expression failed"));
    assert_non_null(strstr(err.msg, "limit"));
    octo_regex_free(re);
}

/* one compiled pattern used from several threads at once */
struct thr {
    const struct octo_regex *re;
    int hits;
};

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    struct octo_match m;
    int i;

    for (i = 0; i < 2000; i++) {
        const char *s = (i % 2) ? "error 404 here" : "fine";

        if (octo_regex_search(t->re, s, strlen(s), 0, &m, NULL) == 1) {
            t->hits++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct octo_regex *re = compile("\\b(\\d{3})\\b", 0);
    pthread_t th[4];
    struct thr t[4];
    int i;

    (void)state;
    for (i = 0; i < 4; i++) {
        t[i].re = re;
        t[i].hits = 0;
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].hits, 1000);
    }
    octo_regex_free(re);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_vs_match),
        cmocka_unit_test(test_python_syntax),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_finditer_empty_matches),
        cmocka_unit_test(test_sub),
        cmocka_unit_test(test_match_limit),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
