/* mock_internal.h - what the mock host's files share (not installed). */
#ifndef OCTO_MOCK_INTERNAL_H
#define OCTO_MOCK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "octoflow/octo_mock_host.h"

struct octo_ctx {
    octo_mock *m;
};

struct nested_call {
    char *option;
    size_t index;
};

struct octo_mock {
    octo_host host; /* first: the table handed to plugins */
    struct octo_ctx ctx;
    pthread_mutex_t mu;
    json_t *data;
    json_t *secrets; /* name -> object */
    char *roots[4];  /* by octo_root */
    atomic_int cancelled;
    /* records (under mu) */
    char **lines;
    int *levels;
    size_t nlines;
    size_t caplines;
    int control_what;
    char control_arg[OCTO_ERROR_MSG_LEN];
    size_t control_calls;
    size_t sleeps;
    double slept;
    struct nested_call *nested;
    size_t nnested;
    int nested_rc;
    json_t *nested_result;
    char nested_msg[OCTO_ERROR_MSG_LEN];
};

/* Members of the table that the step helpers call directly. */
int octo_mock_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
    OCTO_PRINTF(4, 5);
json_t *octo_mock_data_get(octo_ctx *ctx, const char *key);
int octo_mock_path_resolve(int root, const char *rel, unsigned flags, char **abs, octo_error *err);

/* Make m the mock of this thread's calls without a ctx. */
void octo_mock_make_current(octo_mock *m);
/* Non-zero when the test gave root a directory. */
int octo_mock_root_set(octo_mock *m, int root);

#endif
