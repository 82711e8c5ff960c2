/* http_guard.h - refuse the requests civetweb 1.15 would misread.
 *
 * civetweb (Debian's shared library: not ours to patch) takes the first of
 * two Content-Length headers and parses the rest of the body as a second
 * request, lets chunked win over a Content-Length, accepts "5, 5" as 5,
 * and keeps 64 header fields, dropping the rest silently. Behind a proxy
 * that reads such a request differently that is request smuggling. Each
 * shape is answered 400 (431 for the header count) with a JSON body, and
 * the connection is closed: what follows the head cannot be trusted.
 *
 * Request bodies are also checked for nesting before they are parsed: a
 * body is refused when it nests deeper than a response can carry back.
 */
#ifndef OCTO_HTTP_GUARD_H
#define OCTO_HTTP_GUARD_H

#include <stddef.h>

#include "http.h"

/* Values in a request body nest at most this deep (the body's object is
 * level 0). The launch response carries the body's "data" one level deeper
 * than the body does ({"data": {"__input__": data}}), and the JSON writer
 * stops at OCTO_JSON_MAX_DEPTH (1000): a body it accepts can always be
 * written back. */
#define OCTO_HTTP_MAX_BODY_DEPTH 999

/* Check the request head. Returns 0 when it is fine, 1 after answering it
 * (400 or 431; req->close set). Call first thing for every request. */
int octo_guard_request(struct octo_req *req);

/* Does the response with status end the connection? Refused requests do
 * (401, 413, the refusals above, bodies sent with GET/HEAD/OPTIONS): the
 * rest of their body is not read, so civetweb must not wait for it. */
int octo_guard_must_close(const struct octo_req *req, int status);

/* in, cut to cap - 1 bytes, with each byte outside printable ASCII
 * written '?', into out: client text quoted in an error message (the JSON
 * writer cannot carry bytes that are not UTF-8). Returns out. */
const char *octo_guard_printable(const char *in, char *out, size_t cap);

/* The nesting depth of the JSON text s[0..len) (deepest value's level, the
 * top-level value being 0), counted without parsing; stops counting past
 * limit + 1. The text need not be valid JSON. */
int octo_guard_json_depth(const char *s, size_t len, int limit);

#endif
