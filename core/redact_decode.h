/* redact_decode.h - undo one layer of text encoding, remembering where
 * each byte came from (internal to redact.c).
 *
 * A secret reaches a log line encoded by whoever echoed it: JSON
 * (\u00e4, \", \\, \/), Python repr/str and YAML double quotes (\xE4,
 * \\, \', \u20AC, \U0001F600, \N \_ \L \P), percent-encoding (%C3%A4),
 * HTML entities (&quot; &#228;), YAML single quotes ('') and YAML line
 * folding (a line break plus indentation is one space; an escaped line
 * break is nothing). One decoding pass undoes one layer of all of them at
 * once; the redactor runs passes until nothing changes (a JSON string
 * inside YAML is two layers: \\u00e4). Every decoded byte carries the
 * span of original bytes it came from, so a secret found in decoded text
 * is replaced where it stands in the original.
 *
 * Two readings of \xHH runs exist: a code point (Python 3, YAML: \xE4 is
 * U+00E4) and a byte of UTF-8 (bytes repr: \xc3\xa4 is U+00E4). A run
 * that forms valid UTF-8 is read as bytes, anything else as code points;
 * the redactor registers, for secrets whose Latin-1 characters happen to
 * form UTF-8, the form this reading gives (octo__redact_utf8_fold).
 * Pure functions: any thread.
 */
#ifndef OCTO_REDACT_DECODE_H
#define OCTO_REDACT_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* A view of the original text: data[i] came from the original bytes
 * starting at from[i]; from[len] is where the view's last source ends.
 * Bytes decoded from one escape share their from. Offsets are 32-bit:
 * texts of 4 GiB or more are not decoded. data and from may point to a
 * caller's buffers of cap (and cap + 1) entries; decoding then grows
 * into the heap only when they are too small (owned). */
struct octo_rdview {
    char *data;
    uint32_t *from;
    size_t len;
    size_t cap;
    int owned;
};

/* Where in the original the view's bytes [i, i + n) end: the start of the
 * first later byte from another escape (or the end of the view). */
size_t octo__redact_view_end(const struct octo_rdview *v, size_t i, size_t n);

/* Flags of octo__redact_decode, and bits of octo__redact_decodable. */
#define OCTO_RD_BACKSLASH 1u /* backslash escapes */
#define OCTO_RD_OTHER     2u /* %XX, entities, '', line folds */

/* What s holds that a pass could decode: OCTO_RD_BACKSLASH for a
 * backslash, OCTO_RD_OTHER for %XX, an entity, '' or a line break; 0 and
 * the fast path skips decoding. */
unsigned octo__redact_decodable(const char *s, size_t len);

/* Decode one layer of in (len bytes; from maps it to the original, with
 * from[len] its end; NULL for the original itself) into out, grown as
 * needed; what is decoded: OCTO_RD_BACKSLASH and/or OCTO_RD_OTHER. Text
 * whose backslashes are literal (HTML, YAML plain or single-quoted, a
 * query string) needs a pass without backslash escapes: "quo\ted" would
 * read as a tab. Returns 1 when something was decoded, 0 when out equals
 * in, -1 when in is too long (UINT32_MAX / 2 bytes or more). */
int octo__redact_decode(const char *in, const uint32_t *from, size_t len, unsigned what,
                        struct octo_rdview *out);

void octo__redact_view_free(struct octo_rdview *v);

/* s with each run of characters U+0080..U+00FF whose values form valid
 * UTF-8 replaced by the characters that UTF-8 encodes (how a \x-escaped
 * form of s decodes); malloc'd, or NULL when that changes nothing. */
char *octo__redact_utf8_fold(const char *s);

/* s's UTF-8 bytes read as Latin-1 and written as UTF-8 again ("Ã¼" for
 * "ü"): how a server that decodes bytes as Latin-1 (Python's http.server
 * does for headers) echoes s; malloc'd, or NULL when s is ASCII. */
char *octo__redact_latin1_mojibake(const char *s);

#endif
