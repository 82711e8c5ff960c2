/* octoflow/octo_mock_host.h - a host table for unit tests of step plugins.
 *
 * Test a step through its octo_plugin_entry, without the core:
 *
 *   octo_mock *m = octo_mock_new();
 *   const octo_step_type *t;
 *   json_t *out = NULL;
 *   octo_error err = {0};
 *
 *   octo_mock_load(m, octo_plugin_entry, "hello", &t, &err);
 *   octo_mock_set_data(m, data);                          // what data_get sees
 *   rc = octo_mock_run_step(m, t, options, &out, &err);   // prepare, run, destroy
 *   ... check rc, out, err, octo_mock_log_find(m, "..."), octo_mock_control(m, ...)
 *   octo_mock_free(m);
 *
 * Link with libocto_sdk_mock (pkg-config octoflow-sdk-mock, CMake
 * Octoflow::mock_host). A plugin under test is usually compiled into the
 * test executable (its octo_plugin_entry is then a plain function);
 * one test executable tests one plugin.
 *
 * THE TABLE (octo_mock_host): an ordinary octo_host of this SDK's minor.
 * Members that work:
 *   log            captured (octo_mock_log_*), NOT redacted (so a test can
 *                  assert that a secret never reaches a line)
 *   error_set, strerror, alloc, free, error_detail   as the core
 *   json_dump, value_text, yaml_load, yaml_dump      the core's own code
 *                  (Python json.dumps / str(), PyYAML), byte for byte
 *   regex_compile, regex_match, regex_free           the core's Python-re
 *   data_get       from octo_mock_set_data
 *   secret_get     from octo_mock_set_secret (a copy of the object)
 *   path_resolve   under the directories of octo_mock_set_root: absolute
 *                  paths, "..", NUL and empty paths refused; symlinks and
 *                  protected files are NOT checked (the core does)
 *   cancelled      octo_mock_cancel
 *   control        recorded (octo_mock_control); the last call wins
 *   sleep          recorded (octo_mock_slept), returns at once;
 *                  OCTO_ECANCELED once octo_mock_cancel was called
 *   run_nested     recorded (octo_mock_nested_calls); returns the result
 *                  set with octo_mock_set_nested_result (default: OK, null)
 * Stubs that fail with OCTO_ENOTSUP and a message naming the member:
 *   template_*, jq_*, flow_run, flow_run_each, flow_run2.
 * Every member is an ordinary function pointer: a test replaces one by
 * writing to the table (octo_mock_host returns it writable), e.g. a fake
 * template_render, and it stays replaced until octo_mock_free.
 *
 * octo_mock_run_step is what the core does around run(), minus the
 * schema validation: it copies the options, applies the schema's
 * defaults, refuses a missing REQUIRED option (EINVAL, field named),
 * renders nothing (TEMPLATE options arrive as written), takes the input
 * from the DATA_KEY option's key in the mock's data ("." = all of it),
 * resolves PATH_* options into args->paths (as a 1.1 core does), and
 * calls prepare, run and destroy. It does not apply when, jq_expression,
 * result_key or retries.
 *
 * THREADS: a mock may be used from several threads at once (the captured
 * log and the records are locked), like the core's table. Lines logged
 * with a NULL ctx (from prepare) go to the mock most recently created on
 * the calling thread; so does a sleep or control with a NULL ctx.
 */
#ifndef OCTO_MOCK_HOST_H
#define OCTO_MOCK_HOST_H

#include <octoflow/octo_step.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct octo_mock octo_mock;

/* A new mock (never NULL: aborts when out of memory); free it with
 * octo_mock_free. */
octo_mock *octo_mock_new(void);
void octo_mock_free(octo_mock *m);

/* The host table (writable, owned by the mock) and the ctx to pass to
 * run(). */
octo_host *octo_mock_host(octo_mock *m);
octo_ctx *octo_mock_ctx(octo_mock *m);

/* What the plugin sees. data: the flow data for data_get and DATA_KEY
 * inputs (borrowed: the mock keeps a reference; NULL: none). */
void octo_mock_set_data(octo_mock *m, json_t *data);
/* A secret for secret_get (value borrowed: the mock keeps a copy). */
void octo_mock_set_secret(octo_mock *m, const char *name, json_t *value);
/* The directory a root (OCTO_ROOT_DATA, ...) stands for. */
void octo_mock_set_root(octo_mock *m, int root, const char *dir);
/* From now on cancelled() is 1 and sleep() returns OCTO_ECANCELED. */
void octo_mock_cancel(octo_mock *m);
/* What run_nested returns from now on: rc, and for OCTO_OK *out = a new
 * reference to result (borrowed here; NULL means null); for an error,
 * err gets code rc and message msg. */
void octo_mock_set_nested_result(octo_mock *m, int rc, json_t *result, const char *msg);

/* Load: call entry with the mock's table and find step type `type` (a
 * name or an alias). OCTO_OK, or an error in err (the entry's own, or
 * "no step type x"). */
int octo_mock_load(octo_mock *m, octo_plugin_entry_fn entry, const char *type,
                   const octo_step_type **out, octo_error *err);

/* prepare with options (borrowed; copied, defaults applied); *inst for
 * octo_mock_run_prepared and octo_mock_destroy. The copy of the options
 * lives until octo_mock_destroy. */
int octo_mock_prepare(octo_mock *m, const octo_step_type *t, json_t *options, void **inst,
                      octo_error *err);
/* run() once on a prepared instance: *out new on success. */
int octo_mock_run_prepared(octo_mock *m, const octo_step_type *t, void *inst, json_t **out,
                           octo_error *err);
void octo_mock_destroy(octo_mock *m, const octo_step_type *t, void *inst);
/* All three. */
int octo_mock_run_step(octo_mock *m, const octo_step_type *t, json_t *options, json_t **out,
                       octo_error *err);

/* The captured log: number of lines, line i (NULL past the end; *level
 * filled when level is not NULL), the index of the first line containing
 * needle (-1: none), and every line joined with "\n" (new: free()). */
size_t octo_mock_log_count(octo_mock *m);
const char *octo_mock_log_line(octo_mock *m, size_t i, int *level);
long octo_mock_log_find(octo_mock *m, const char *needle);
char *octo_mock_log_text(octo_mock *m);
void octo_mock_log_clear(octo_mock *m);

/* The last control result (0 when none; arg is then ""), and how many
 * control calls there were. octo_mock_control_reset forgets them. */
int octo_mock_control(octo_mock *m, const char **arg);
size_t octo_mock_control_calls(octo_mock *m);
void octo_mock_control_reset(octo_mock *m);

/* Sleeps: how many, and their total in seconds. */
size_t octo_mock_sleeps(octo_mock *m);
double octo_mock_slept(octo_mock *m);

/* run_nested calls: how many; call i's option and index (NULL past the
 * end). */
size_t octo_mock_nested_calls(octo_mock *m);
const char *octo_mock_nested_call(octo_mock *m, size_t i, size_t *index);

/* err->detail as the object error_detail attached (new), or NULL. */
json_t *octo_mock_error_detail(const octo_error *err);

#ifdef __cplusplus
}
#endif
#endif /* OCTO_MOCK_HOST_H */
