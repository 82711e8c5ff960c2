/* mock_test.h - helpers of the mock-host plugin tests (tests/plugins). */
#ifndef OCTO_MOCK_TEST_H
#define OCTO_MOCK_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <octoflow/octo_mock_host.h>

/* The plugin under test, compiled into this executable. */
int octo_plugin_entry(const octo_host *host, const octo_plugin **out, octo_error *err);

/* JSON text -> value (new); fails the test on a syntax error. */
static inline json_t *J(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

    if (v == NULL) {
        fail_msg("bad JSON in the test: %s: %s", text, je.text);
    }
    return v;
}

/* The step type `type` of the plugin under test, loaded on m. */
static inline const octo_step_type *load_type(octo_mock *m, const char *type)
{
    const octo_step_type *t = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_mock_load(m, octo_plugin_entry, type, &t, &err) != OCTO_OK) {
        fail_msg("loading %s: %s", type, err.msg);
    }
    return t;
}

/* Run the step with options given as JSON text: prepare, run, destroy.
 * err is zeroed first. */
static inline int run_json(octo_mock *m, const octo_step_type *t, const char *options, json_t **out,
                           octo_error *err)
{
    json_t *o = J(options);
    int rc;

    memset(err, 0, sizeof(*err));
    rc = octo_mock_run_step(m, t, o, out, err);
    json_decref(o);
    return rc;
}

/* Fail unless v (borrowed) equals the JSON text want. */
static inline void assert_json(json_t *v, const char *want)
{
    json_t *w = J(want);

    if (!json_equal(v, w)) {
        char *got = v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

        print_error("got  %s\nwant %s\n", got != NULL ? got : "(NULL)", want);
        free(got);
        json_decref(w);
        fail();
    }
    json_decref(w);
}

/* Fail unless hay contains needle. */
static inline void assert_has(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        fail_msg("\"%s\" does not contain \"%s\"", hay != NULL ? hay : "(null)", needle);
    }
}

#endif
