/* redact.h - keep secret values out of every line we write.
 *
 * The secrets module registers each secret value it hands out (and the
 * Basic-auth base64 of credentials); logging, error formatting, API
 * responses and __errors__ pass their text through octo_redact. A value
 * is found as it is and in the encoded forms servers and dumps give it
 * back (JSON, Python and YAML escapes, folded YAML lines, %XX, HTML
 * entities; see redact.c), and the bytes of whatever form it took are
 * replaced. Values shorter than 4 characters are not registered (they
 * would mangle ordinary text). Thread-safe: a read-write lock guards the
 * registry.
 */
#ifndef OCTO_REDACT_H
#define OCTO_REDACT_H

#include <stddef.h>

#include <jansson.h>
#include <octoflow/core.h>

#include "buf.h"

#define OCTO_REDACTED "***"

/* octo_redact_add (register a value) and octo_redact_json: octoflow/core.h */
/* Forget every registered value (tests, secrets file reload). */
void octo_redact_clear(void);
/* Number of registered values. */
size_t octo_redact_count(void);

/* Replace registered values in s (NUL-terminated, buffer of cap bytes)
 * with "***", in place. */
void octo_redact_inplace(char *s, size_t cap);
/* Replace registered values in b's content, in place. */
void octo_redact_buf(struct octo_buf *b);

#endif
