/* test_file_cache.c - core/util's file helpers, without the core:
 * file_cache.h (values cached by path and file identity, shared by the
 * flow cache and the template cache) and octo_buf_read_file (buf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file_cache.h"

/* A reference-counted value, as flows and templates are. */
struct val {
    int refs;
    int tag;
};

static pthread_mutex_t g_refs_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_live; /* values not yet freed */

static struct val *val_new(int tag)
{
    struct val *v = calloc(1, sizeof(*v));

    assert_non_null(v);
    v->refs = 1;
    v->tag = tag;
    pthread_mutex_lock(&g_refs_mu);
    g_live++;
    pthread_mutex_unlock(&g_refs_mu);
    return v;
}

static void *val_ref(void *p)
{
    struct val *v = p;

    pthread_mutex_lock(&g_refs_mu);
    v->refs++;
    pthread_mutex_unlock(&g_refs_mu);
    return v;
}

static void val_unref(void *p)
{
    struct val *v = p;
    int gone;

    if (v == NULL) {
        return;
    }
    pthread_mutex_lock(&g_refs_mu);
    gone = --v->refs == 0;
    g_live -= gone;
    pthread_mutex_unlock(&g_refs_mu);
    if (gone) {
        free(v);
    }
}

static struct octo_file_id id_of(long sec, long nsec, off_t size, ino_t ino)
{
    struct octo_file_id id;

    memset(&id, 0, sizeof(id));
    id.mtime.tv_sec = sec;
    id.mtime.tv_nsec = nsec;
    id.size = size;
    id.ino = ino;
    return id;
}

static void test_identity(void **state)
{
    struct octo_file_id a = id_of(100, 5, 10, 7);
    struct octo_file_id b = a;
    struct stat st;

    (void)state;
    assert_true(octo_file_id_same(&a, &b));
    b.mtime.tv_nsec = 6;
    assert_false(octo_file_id_same(&a, &b));
    b = a;
    b.size = 11;
    assert_false(octo_file_id_same(&a, &b));
    b = a;
    b.ino = 8;
    assert_false(octo_file_id_same(&a, &b));

    memset(&st, 0, sizeof(st));
    st.st_mtim.tv_sec = 100;
    st.st_mtim.tv_nsec = 5;
    st.st_size = 10;
    st.st_ino = 7;
    b = octo_file_id_of(&st);
    assert_true(octo_file_id_same(&a, &b));
}

static void test_get_put_replace_clear(void **state)
{
    static struct octo_file_cache c = OCTO_FILE_CACHE_INIT(val_ref, val_unref);
    struct octo_file_id id1 = id_of(1, 0, 10, 7);
    struct octo_file_id id2 = id_of(2, 0, 10, 7);
    struct val *v1 = val_new(1);
    struct val *v2 = val_new(2);
    struct val *got;

    (void)state;
    assert_null(octo_file_cache_get(&c, "/d/a.yml", &id1));

    octo_file_cache_put(&c, "/d/a.yml", &id1, v1);
    assert_int_equal(v1->refs, 2); /* the caller's and the cache's */
    got = octo_file_cache_get(&c, "/d/a.yml", &id1);
    assert_ptr_equal(got, v1);
    assert_int_equal(v1->refs, 3);
    val_unref(got);

    /* another identity (the file was edited): a miss, not the old value */
    assert_null(octo_file_cache_get(&c, "/d/a.yml", &id2));
    /* another path with the same identity: a miss too */
    assert_null(octo_file_cache_get(&c, "/d/b.yml", &id1));

    /* the new value replaces the old one, whose holder keeps it alive */
    octo_file_cache_put(&c, "/d/a.yml", &id2, v2);
    assert_int_equal(v1->refs, 1);
    assert_null(octo_file_cache_get(&c, "/d/a.yml", &id1));
    got = octo_file_cache_get(&c, "/d/a.yml", &id2);
    assert_ptr_equal(got, v2);
    assert_int_equal(got->tag, 2);
    val_unref(got);

    octo_file_cache_clear(&c);
    assert_int_equal(v2->refs, 1);
    assert_null(octo_file_cache_get(&c, "/d/a.yml", &id2));
    val_unref(v1);
    val_unref(v2);
    assert_int_equal(g_live, 0);
}

static void test_many_entries(void **state)
{
    static struct octo_file_cache c = OCTO_FILE_CACHE_INIT(val_ref, val_unref);
    char path[64];
    int i;

    (void)state;
    for (i = 0; i < 100; i++) { /* past the first allocation of 16 */
        struct octo_file_id id = id_of(i, 0, i, i);
        struct val *v = val_new(i);

        snprintf(path, sizeof(path), "/d/f%d.yml", i);
        octo_file_cache_put(&c, path, &id, v);
        val_unref(v);
    }
    assert_int_equal(g_live, 100);
    for (i = 0; i < 100; i++) {
        struct octo_file_id id = id_of(i, 0, i, i);
        struct val *v;

        snprintf(path, sizeof(path), "/d/f%d.yml", i);
        v = octo_file_cache_get(&c, path, &id);
        assert_non_null(v);
        assert_int_equal(v->tag, i);
        val_unref(v);
    }
    octo_file_cache_clear(&c);
    assert_int_equal(g_live, 0);
}

/* Threads looking up and replacing the same entries: each value must
 * stay valid while held (checked by its tag) and none may leak. */
static struct octo_file_cache g_shared = OCTO_FILE_CACHE_INIT(val_ref, val_unref);

static void *hammer(void *arg)
{
    int base = *(int *)arg;
    int i;

    for (i = 0; i < 2000; i++) {
        struct octo_file_id id = id_of(i % 3, 0, 1, 1);
        const char *path = (i & 1) ? "/d/x.yml" : "/d/y.yml";
        struct val *v = octo_file_cache_get(&g_shared, path, &id);

        if (v == NULL) {
            v = val_new(base + (int)(i % 3));
            octo_file_cache_put(&g_shared, path, &id, v);
        }
        if (v->tag % 1000 != i % 3) {
            return (void *)1;
        }
        val_unref(v);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[4];
    int base[4] = {0, 1000, 2000, 3000};
    void *rc;
    int i;

    (void)state;
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &base[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_null(rc);
    }
    octo_file_cache_clear(&g_shared);
    assert_int_equal(g_live, 0);
}

static void test_buf_read_file(void **state)
{
    char dir[] = "/tmp/octo-test-fc.XXXXXX";
    char path[64];
    struct octo_buf b = OCTO_BUF_INIT;
    FILE *fp;
    size_t i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/big", dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    for (i = 0; i < 20000; i++) { /* more than one read chunk, with NULs */
        fputc((int)(i % 251), fp);
    }
    fclose(fp);

    assert_int_equal(octo_buf_read_file(&b, path), 0);
    assert_int_equal(b.len, 20000);
    for (i = 0; i < 20000; i++) {
        assert_int_equal((unsigned char)b.data[i], i % 251);
    }
    octo_buf_free(&b);

    /* appends to what the buffer holds */
    octo_buf_puts(&b, "x");
    assert_int_equal(octo_buf_read_file(&b, path), 0);
    assert_int_equal(b.len, 20001);
    octo_buf_free(&b);

    /* over the buffer's limit: a read failure, EFBIG */
    b.limit = 1000;
    errno = 0;
    assert_int_equal(octo_buf_read_file(&b, path), -2);
    assert_int_equal(errno, EFBIG);
    octo_buf_free(&b);

    /* missing: cannot be opened, ENOENT */
    snprintf(path, sizeof(path), "%s/missing", dir);
    errno = 0;
    assert_int_equal(octo_buf_read_file(&b, path), -1);
    assert_int_equal(errno, ENOENT);
    octo_buf_free(&b);

    /* a directory opens but cannot be read: EISDIR */
    errno = 0;
    assert_int_equal(octo_buf_read_file(&b, dir), -2);
    assert_int_equal(errno, EISDIR);
    octo_buf_free(&b);

    /* empty file: success, nothing appended */
    snprintf(path, sizeof(path), "%s/empty", dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(octo_buf_read_file(&b, path), 0);
    assert_int_equal(b.len, 0);
    octo_buf_free(&b);

    unlink(path);
    snprintf(path, sizeof(path), "%s/big", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),      cmocka_unit_test(test_get_put_replace_clear),
        cmocka_unit_test(test_many_entries),  cmocka_unit_test(test_threads),
        cmocka_unit_test(test_buf_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
