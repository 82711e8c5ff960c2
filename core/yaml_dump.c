/* yaml_dump.c - JSON to YAML, byte-identical to PyYAML's yaml.dump.
 *
 * DESIGN
 * ------
 * PyYAML's emitter is a port of libyaml's, so we drive libyaml's emitter
 * with the events PyYAML's representer and serializer would produce:
 *   - mappings with keys sorted (sort_keys=True) unless asked otherwise;
 *   - strings as scalars whose "plain implicit" flag is set only when the
 *     YAML 1.1 resolver would read the plain text back as a string (so
 *     "yes", "123", "1.0", "~", "2024-01-01" come out quoted), "quoted
 *     implicit" always set, no style forced: the emitter then picks plain,
 *     single or double quotes exactly as PyYAML does;
 *   - null, booleans, integers and floats as PyYAML represents them
 *     (null, true/false, str(int), repr(float) lower-cased with ".0"
 *     inserted before an exponent, .inf/-.inf/.nan);
 *   - block style everywhere (default_flow_style=False), or flow style for
 *     collections holding only scalars (default_flow_style=None);
 *   - width 80, indent 2 (configurable), ASCII output with escapes unless
 *     allow_unicode.
 */
#include "yaml_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pyfmt.h"
#include "yaml_resolve.h"

#define MAX_DEPTH 1000

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    octo_buf_append((struct octo_buf *)data, (const char *)buffer, size);
    return !octo_buf_failed((struct octo_buf *)data);
}

static int emit_scalar(yaml_emitter_t *em, const char *text, size_t len, int plain_implicit)
{
    yaml_event_t ev;

    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)len,
                                      plain_implicit, 1, YAML_ANY_SCALAR_STYLE)) {
        return -1;
    }
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_scalar(json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

static int all_scalars(json_t *v)
{
    size_t i;
    const char *k;
    json_t *item;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            if (!is_scalar(item)) {
                return 0;
            }
        }
    } else {
        json_object_foreach(v, k, item) {
            if (!is_scalar(item)) {
                return 0;
            }
        }
    }
    return 1;
}

static int emit_value(yaml_emitter_t *em, json_t *v, unsigned flags, int depth)
{
    yaml_event_t ev;
    char num[64];
    size_t n;
    size_t i;
    yaml_mapping_style_t mstyle;
    yaml_sequence_style_t sstyle;

    if (depth > MAX_DEPTH) {
        return -1;
    }
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);

        return emit_scalar(em, s, len, octo_yaml_resolve(s, len) == OCTO_YK_STR);
    }
    case JSON_INTEGER:
        n = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return emit_scalar(em, num, n, 1);
    case JSON_REAL: {
        double d = json_real_value(v);

        if (isnan(d)) {
            return emit_scalar(em, ".nan", 4, 1);
        }
        if (isinf(d)) {
            return d > 0 ? emit_scalar(em, ".inf", 4, 1) : emit_scalar(em, "-.inf", 5, 1);
        }
        n = octo_py_float_repr(d, num);
        for (i = 0; i < n; i++) {
            if (num[i] == 'E') {
                num[i] = 'e';
            }
        }
        if (memchr(num, '.', n) == NULL && memchr(num, 'e', n) != NULL) {
            char *e = memchr(num, 'e', n);
            size_t off = (size_t)(e - num);

            memmove(num + off + 2, num + off, n - off + 1);
            num[off] = '.';
            num[off + 1] = '0';
            n += 2;
        }
        return emit_scalar(em, num, n, 1);
    }
    case JSON_TRUE:
        return emit_scalar(em, "true", 4, 1);
    case JSON_FALSE:
        return emit_scalar(em, "false", 5, 1);
    case JSON_NULL:
        return emit_scalar(em, "null", 4, 1);
    case JSON_ARRAY:
        sstyle = ((flags & OCTO_YAML_FLOW_LEAVES) && all_scalars(v)) ? YAML_FLOW_SEQUENCE_STYLE
                                                                     : YAML_BLOCK_SEQUENCE_STYLE;
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, sstyle) ||
            !yaml_emitter_emit(em, &ev)) {
            return -1;
        }
        for (i = 0; i < json_array_size(v); i++) {
            if (emit_value(em, json_array_get(v, i), flags, depth + 1) != 0) {
                return -1;
            }
        }
        if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev)) {
            return -1;
        }
        return 0;
    case JSON_OBJECT: {
        size_t count = json_object_size(v);
        const char **keys = NULL;
        const char *k;
        json_t *item;
        int rc = 0;

        mstyle = ((flags & OCTO_YAML_FLOW_LEAVES) && all_scalars(v)) ? YAML_FLOW_MAPPING_STYLE
                                                                    : YAML_BLOCK_MAPPING_STYLE;
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, mstyle) ||
            !yaml_emitter_emit(em, &ev)) {
            return -1;
        }
        if (count > 0) {
            keys = malloc(count * sizeof(*keys));
            if (keys == NULL) {
                return -1;
            }
            i = 0;
            json_object_foreach(v, k, item) {
                keys[i++] = k;
            }
            if (!(flags & OCTO_YAML_NO_SORT)) {
                qsort(keys, count, sizeof(*keys), key_cmp);
            }
        }
        for (i = 0; i < count && rc == 0; i++) {
            size_t klen = strlen(keys[i]);

            rc = emit_scalar(em, keys[i], klen, octo_yaml_resolve(keys[i], klen) == OCTO_YK_STR);
            if (rc == 0) {
                rc = emit_value(em, json_object_get(v, keys[i]), flags, depth + 1);
            }
        }
        free(keys);
        if (rc != 0) {
            return -1;
        }
        if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev)) {
            return -1;
        }
        return 0;
    }
    }
    return -1;
}

int octo_yaml_dump(json_t *value, unsigned flags, struct octo_buf *out, octo_error *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    unsigned indent = (flags >> 8) & 0xfu;
    size_t start = out->len;
    int rc = -1;

    if (!yaml_emitter_initialize(&em)) {
        err->code = OCTO_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -1;
    }
    yaml_emitter_set_output(&em, write_handler, out);
    yaml_emitter_set_width(&em, 80);
    yaml_emitter_set_indent(&em, indent != 0 ? (int)indent : 2);
    yaml_emitter_set_unicode(&em, (flags & OCTO_YAML_UNICODE) != 0);
    yaml_emitter_set_break(&em, YAML_LN_BREAK);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(&em, &ev)) {
        goto out;
    }
    if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(&em, &ev)) {
        goto out;
    }
    if (emit_value(&em, value != NULL ? value : json_null(), flags, 0) != 0) {
        goto out;
    }
    if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&em, &ev)) {
        goto out;
    }
    if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&em, &ev)) {
        goto out;
    }
    /* PyYAML ends a document whose root is a plain scalar with "...":
     * the emitter marks it open-ended (libyaml 0.2.5 does not) */
    if (value != NULL && !json_is_object(value) && !json_is_array(value) && out->len > start &&
        out->data[start] != '\'' && out->data[start] != '"') {
        octo_buf_puts(out, "...\n");
    }
    rc = 0;
out:
    if (rc != 0) {
        err->code = OCTO_EINTERNAL;
        snprintf(err->msg, sizeof(err->msg), "YAML output failed: %s",
                 em.problem != NULL ? em.problem
                 : octo_buf_failed(out) ? "output too large or out of memory"
                                        : "value nests too deeply");
    }
    yaml_emitter_delete(&em);
    return rc;
}
