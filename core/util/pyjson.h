/* pyjson.h - JSON text exactly as Python's json.dumps writes it.
 *
 * jansson's own dumper differs from Python's (17-digit floats, upper-case
 * \u escapes, no space after separators). Output users compare with the
 * original (file step json, tojson, API bodies) goes through this emitter.
 * Pure, thread-safe.
 */
#ifndef OCTO_PYJSON_H
#define OCTO_PYJSON_H

#include <jansson.h>

#include <octoflow/core.h> /* OCTO_JSON_MAX_DEPTH */

#include "buf.h"

/* Values nest at most this deep in a written text (the top-level value is
 * level 0, its members level 1...): octo_pyjson_dump fails beyond it. */

/* flags: OCTO_JSON_SORT_KEYS, OCTO_JSON_UNICODE (ensure_ascii=False),
 * OCTO_JSON_COMPACT (separators ",", ":"), OCTO_JSON_INDENT(n) from
 * octoflow/octo_step.h. With an indent the item separator is "," as in
 * Python. value is borrowed. Returns 0, or -1 when the value nests deeper
 * than OCTO_JSON_MAX_DEPTH levels or memory ran out (out then holds a partial text). */
int octo_pyjson_dump(json_t *value, unsigned flags, struct octo_buf *out);

/* One JSON string literal (quotes included), escaped as json.dumps does. */
void octo_pyjson_string(const char *s, size_t len, int ensure_ascii, struct octo_buf *out);

#endif
