/* jqconv.h - jansson values to libjq 1.6 values and back (internal to
 * jqbridge.c; octo_jq_to_json in jqbridge.h is the tests' door).
 *
 * Direct conversion, no text round trip: integers are exact up to 2^53
 * (jq numbers are doubles), NaN becomes null and infinities the largest
 * double, as jq prints them. Nesting deeper than 1000 levels is refused.
 * Any thread (jv values are not shared between threads here).
 */
#ifndef OCTO_JQCONV_H
#define OCTO_JQCONV_H

#include <jansson.h>
#include <jq.h>

/* v borrowed; returns a new jv, invalid (with a message) when v nests too
 * deeply. */
jv octo__jq_from_json(json_t *v);

/* Consumes v; returns a new reference, NULL when v cannot be converted
 * (too deep, or not a JSON value). */
json_t *octo__jq_to_json(jv v);

#endif
