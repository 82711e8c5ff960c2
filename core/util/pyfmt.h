/* pyfmt.h - Python's text forms of values.
 *
 * The original service was Python: wherever it turned a value into text
 * (Jinja output, urlencode of query values, regex subjects of
 * ignore_errors, messages) users saw Python's str()/repr(). These
 * functions reproduce them for JSON values and for the pieces (floats,
 * strings) other emitters need. Pure functions, thread-safe.
 */
#ifndef OCTO_PYFMT_H
#define OCTO_PYFMT_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

#define OCTO_PY_FLOAT_BUF 32

/* repr(float) of Python 3: shortest text that reads back as v
 * ("1.0", "0.1", "1e+16", "1.5e-05", "inf", "-inf", "nan"). Writes into
 * buf (at least OCTO_PY_FLOAT_BUF bytes) and returns the length. */
size_t octo_py_float_repr(double v, char *buf);

/* repr(str): quoted with ' (or " when the text holds ' and no "),
 * escapes as Python does; non-ASCII printable characters stay as they
 * are. s is UTF-8 (invalid bytes are written as \x escapes). */
void octo_py_str_repr(const char *s, size_t len, struct octo_buf *out);

/* str(value) / repr(value) for a JSON value (borrowed): strings bare for
 * str and quoted for repr; True/False/None; ints; floats by repr;
 * {'k': v} and [a, b] with repr() of their members. */
void octo_py_value_str(json_t *value, struct octo_buf *out);
void octo_py_value_repr(json_t *value, struct octo_buf *out);

/* Non-zero when the Unicode code point is printable for str.isprintable()
 * (approximation: control, format, separator other than space, surrogate
 * and private-use characters are not). */
int octo_py_isprintable(unsigned cp);

/* Decode one UTF-8 sequence at s (len bytes available). Returns its length
 * (1..4) and the code point in *cp, or 0 for an invalid sequence. */
size_t octo_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);
/* Encode cp as UTF-8 into out (4 bytes); returns the length. */
size_t octo_utf8_encode(unsigned cp, char *out);

#endif
