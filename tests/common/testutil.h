/* testutil.h - helpers shared by the cmocka tests.
 *
 * Each test executable works in a fresh temporary DATA_PATH (made by
 * octo_test_setup_data), with plugins from the build tree, and the core
 * initialised once (octo_test_core_init). Files are written with
 * octo_test_write; flows run with octo_test_run_flow.
 */
#ifndef OCTO_TESTUTIL_H
#define OCTO_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include <octoflow/core.h>

/* the tests reach the core's internals too */
#include "config.h"
#include "errors.h"
#include "flow.h"
#include "locks.h"
#include "log.h"
#include "plugins.h"
#include "pool.h"
#include "runner.h"
#include "timefmt.h"
#include "version.h"

/* Create a temporary directory with flows/ templates/ and set DATA_PATH
 * (and unset the other path variables). Returns its path (static). */
const char *octo_test_setup_data(void);
/* Initialise the core with the build's plugins (PLUGINS_PATH) and a
 * started pool; log level from OCTO_TEST_LOG_LEVEL or ERROR. */
void octo_test_core_init(void);
void octo_test_core_shutdown(void);
/* cmocka group fixtures doing both: a fresh DATA_PATH and an initialised
 * core before the tests, shut down and removed after them. */
int octo_test_group_setup(void **state);
int octo_test_group_teardown(void **state);

/* Remove the temporary directory. */
void octo_test_cleanup_data(void);

/* Write text to DATA_PATH/rel (parents created). */
void octo_test_write(const char *rel, const char *text);
/* Read DATA_PATH/rel into a malloc'd string (NULL when missing). */
char *octo_test_read(const char *rel);
/* 1 when DATA_PATH/rel exists. */
int octo_test_exists(const char *rel);

/* Load flows/<name> (written before) and run it with input (borrowed,
 * may be NULL). Returns the result; the caller frees it with
 * octo_run_result_free. Asserts the flow loads. */
struct octo_run_result octo_test_run_flow(const char *name, json_t *input);
/* Load flows/<name>; returns the load status and fills msg with the first
 * error (or ""), warnings with all warnings joined by "\n". */
int octo_test_load_flow(const char *name, unsigned flags, char *msg, size_t cap, char *warnings,
                        size_t wcap);

/* Write flows/<name> with text and run it (octo_test_run_flow). */
struct octo_run_result octo_test_run_text(const char *name, const char *text, json_t *input);

/* Capture the log: lines at INFO and above go to DATA_PATH/logs/capture.log
 * (not stderr) until octo_test_log_end, which returns the captured text
 * (malloc'd) and sets logging back to stderr at ERROR. */
void octo_test_log_start(void);
char *octo_test_log_end(void);     /* without the "[job xxxxxxxx] " tags */
char *octo_test_log_end_raw(void); /* as written */

/* Fail unless v (borrowed) equals the JSON text expected_json. */
void octo_test_assert_json(json_t *v, const char *expected_json);

/* Fail unless hay (may be NULL) contains needle. */
void octo_test_assert_contains(const char *hay, const char *needle);

/* The JSON value at a dotted path ("a.b.0.c") of v (borrowed), or NULL. */
json_t *octo_test_get(json_t *v, const char *path);

#endif
