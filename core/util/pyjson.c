/* pyjson.c - Python json.dumps compatible emitter (see pyjson.h). */
#include "pyjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

#include "pyfmt.h"
#include "xalloc.h"

void octo_pyjson_string(const char *s, size_t len, int ensure_ascii, struct octo_buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    size_t run = 0;

    octo_buf_putc(out, '"');
    while (i < len) {
        unsigned char c = u[i];
        const char *esc = NULL;

        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            run++;
            i++;
            continue;
        }
        if (!ensure_ascii && c >= 0x7F) {
            run++;
            i++;
            continue;
        }
        octo_buf_append(out, s + i - run, run);
        run = 0;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            break;
        }
        if (esc != NULL) {
            octo_buf_puts(out, esc);
            i++;
        } else if (c < 0x80) {
            octo_buf_printf(out, "\\u%04x", c);
            i++;
        } else {
            unsigned cp;
            size_t n = octo_utf8_decode(u + i, len - i, &cp);

            if (n == 0) {
                /* not UTF-8: Python would have failed earlier; keep the
                 * text valid by writing the replacement character */
                octo_buf_puts(out, "\\ufffd");
                i++;
            } else if (cp >= 0x10000) {
                cp -= 0x10000;
                octo_buf_printf(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
                i += n;
            } else {
                octo_buf_printf(out, "\\u%04x", cp);
                i += n;
            }
        }
    }
    octo_buf_append(out, s + i - run, run);
    octo_buf_putc(out, '"');
}

/* An object member; keys may hold NUL bytes (jansson allows them), so
 * they travel with their length and values are never looked up by key. */
struct member {
    const char *key;
    size_t len;
    json_t *value;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a;
    const struct member *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);

    if (c != 0) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

static void newline(struct octo_buf *out, unsigned indent, int level)
{
    octo_buf_putc(out, '\n');
    for (unsigned i = 0; i < indent * (unsigned)level; i++) {
        octo_buf_putc(out, ' ');
    }
}

static int dump(json_t *v, unsigned flags, int level, struct octo_buf *out)
{
    unsigned indent = (flags >> 8) & 0xffu;
    int ascii = !(flags & OCTO_JSON_UNICODE);
    const char *item_sep = indent ? "," : ((flags & OCTO_JSON_COMPACT) ? "," : ", ");
    const char *kv_sep = (flags & OCTO_JSON_COMPACT) ? ":" : ": ";
    char num[OCTO_PY_FLOAT_BUF];
    size_t i;
    int rc = 0;

    if (level > OCTO_JSON_MAX_DEPTH) {
        return -1;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        octo_pyjson_string(json_string_value(v), json_string_length(v), ascii, out);
        break;
    case JSON_INTEGER:
        octo_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        double d = json_real_value(v);

        if (isnan(d)) {
            octo_buf_puts(out, "NaN");
        } else if (isinf(d)) {
            octo_buf_puts(out, d < 0 ? "-Infinity" : "Infinity");
        } else {
            octo_buf_append(out, num, octo_py_float_repr(d, num));
        }
        break;
    }
    case JSON_TRUE:
        octo_buf_puts(out, "true");
        break;
    case JSON_FALSE:
        octo_buf_puts(out, "false");
        break;
    case JSON_NULL:
        octo_buf_puts(out, "null");
        break;
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            octo_buf_puts(out, "[]");
            break;
        }
        octo_buf_putc(out, '[');
        for (i = 0; i < json_array_size(v) && rc == 0; i++) {
            if (i > 0) {
                octo_buf_puts(out, item_sep);
            }
            if (indent) {
                newline(out, indent, level + 1);
            }
            rc = dump(json_array_get(v, i), flags, level + 1, out);
        }
        if (indent) {
            newline(out, indent, level);
        }
        octo_buf_putc(out, ']');
        break;
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        struct member *m;
        const char *key;
        size_t klen;
        json_t *item;

        if (n == 0) {
            octo_buf_puts(out, "{}");
            break;
        }
        m = octo_xmalloc(n * sizeof(*m));
        i = 0;
        json_object_keylen_foreach(v, key, klen, item)
        {
            m[i].key = key;
            m[i].len = klen;
            m[i].value = item;
            i++;
        }
        if (flags & OCTO_JSON_SORT_KEYS) {
            qsort(m, n, sizeof(*m), member_cmp);
        }
        octo_buf_putc(out, '{');
        for (i = 0; i < n && rc == 0; i++) {
            if (i > 0) {
                octo_buf_puts(out, item_sep);
            }
            if (indent) {
                newline(out, indent, level + 1);
            }
            octo_pyjson_string(m[i].key, m[i].len, ascii, out);
            octo_buf_puts(out, kv_sep);
            rc = dump(m[i].value, flags, level + 1, out);
        }
        free(m);
        if (indent) {
            newline(out, indent, level);
        }
        octo_buf_putc(out, '}');
        break;
    }
    }
    return rc;
}

int octo_pyjson_dump(json_t *value, unsigned flags, struct octo_buf *out)
{
    if (value == NULL) {
        octo_buf_puts(out, "null");
        return 0;
    }
    if (dump(value, flags, 0, out) != 0 || octo_buf_failed(out)) {
        return -1;
    }
    return 0;
}

int octo_json_text(json_t *value, unsigned flags, char **out, size_t *len)
{
    struct octo_buf b = OCTO_BUF_INIT;
    int rc = octo_pyjson_dump(value, flags, &b);

    if (rc != 0) {
        octo_buf_free(&b);
        *out = NULL;
        return -1;
    }
    *out = octo_buf_steal(&b, len);
    return *out != NULL ? 0 : -1;
}
