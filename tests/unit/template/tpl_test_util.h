/* tpl_test_util.h - helpers shared by the template engine's unit tests. */
#ifndef TPL_TEST_UTIL_H
#define TPL_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"

/* Render tpl with the JSON context ctx_json (NULL: empty) through env (may be
 * NULL). Returns a malloc'd string: the output, or "ERR:" + the message. */
static inline char *tpl_render_env(const char *tpl, const char *ctx_json,
                                   const struct octo_tpl_env *env)
{
    struct octo_tpl *t = NULL;
    struct octo_buf out = OCTO_BUF_INIT;
    octo_error err;
    json_t *ctx = NULL;
    char *res;
    int rc;
    memset(&err, 0, sizeof(err));
    if (ctx_json != NULL) {
        json_error_t je;
        ctx = octo_tpl_json_loads(ctx_json, strlen(ctx_json), 0, &je);
        if (ctx == NULL) {
            fprintf(stderr, "bad test context: %s\n", je.text);
            abort();
        }
    }
    rc = octo_tpl_compile(tpl, strlen(tpl), "t", env, &t, &err);
    if (rc == OCTO_OK) {
        rc = octo_tpl_render(t, ctx, &out, &err);
        octo_tpl_unref(t);
    }
    json_decref(ctx);
    if (rc != OCTO_OK) {
        size_t n = strlen(err.msg) + 5;
        res = malloc(n);
        snprintf(res, n, "ERR:%s", err.msg);
        octo_buf_free(&out);
        return res;
    }
    res = strdup(out.data ? out.data : "");
    octo_buf_free(&out);
    return res;
}

static inline char *tpl_render(const char *tpl, const char *ctx_json)
{
    return tpl_render_env(tpl, ctx_json, NULL);
}

/* assert that tpl renders to expect */
#define RENDER_EQ(tpl, ctx, expect)                                                                \
    do {                                                                                           \
        char *got_ = tpl_render((tpl), (ctx));                                                     \
        if (strcmp(got_, (expect)) != 0) {                                                         \
            print_error("template %s\n  expected [%s]\n  got      [%s]\n", (tpl), (expect), got_); \
            free(got_);                                                                            \
            fail();                                                                                \
        }                                                                                          \
        free(got_);                                                                                \
    } while (0)

/* assert that tpl fails with a message containing needle */
#define RENDER_ERR(tpl, ctx, needle)                                                               \
    do {                                                                                           \
        char *got_ = tpl_render((tpl), (ctx));                                                     \
        if (strncmp(got_, "ERR:", 4) != 0 || strstr(got_, (needle)) == NULL) {                     \
            print_error("template %s\n  expected an error with [%s]\n  got [%s]\n", (tpl),         \
                        (needle), got_);                                                           \
            free(got_);                                                                            \
            fail();                                                                                \
        }                                                                                          \
        free(got_);                                                                                \
    } while (0)

#endif
