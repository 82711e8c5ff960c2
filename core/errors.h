/* errors.h - status codes, error types and the octo_error helpers.
 *
 * The status codes and their error "types" are declared once, in the SDK
 * (OCTO_ERRNO_MAP). This module turns them into text and fills octo_error
 * structs safely (truncating, redacting known secrets). Thread-safe.
 */
#ifndef OCTO_ERRORS_H
#define OCTO_ERRORS_H

#include <stdarg.h>

#include <octoflow/core.h>
#include <octoflow/octo_step.h>

/* Static text for a code ("template error"); "unknown error" otherwise. */
const char *octo_strerror(int code);
/* The __errors__ type of a code ("template", "http", ...). */
const char *octo_error_type(int code);

/* octo_error_set: octoflow/core.h */
int octo_error_vset(octo_error *err, int code, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Prefix err->msg with "prefix: " (truncating). */
void octo_error_prefix(octo_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Zero an error struct. */
void octo_error_clear(octo_error *err);

#endif
