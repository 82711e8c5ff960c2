/* jsonbig.c - integers beyond int64 in JSON contexts (see template.h). */
#include <stdlib.h>
#include <string.h>

#include "tpl.h"

static void *heap_alloc(void *ud, size_t n)
{
    struct octo_buf *b = ud;
    size_t off = (b->len + 15u) & ~(size_t)15u;
    if (octo_buf_reserve(b, off - b->len + n) != 0) {
        return NULL;
    }
    b->len = off + n;
    return b->data + off;
}

json_t *octo_tpl_json_bigint(const char *digits, size_t len)
{
    struct octo_buf tmp = OCTO_BUF_INIT;
    struct bigalloc ba = {heap_alloc, &tmp};
    struct bigint *b;
    struct bigint *copy;
    int neg = 0;
    size_t sz;
    char *raw;
    json_t *j;
    if (len > 0 && digits[0] == '-') {
        neg = 1;
        digits++;
        len--;
    }
    if (len == 0 || len > 100000 || octo_buf_reserve(&tmp, len * 2 + 256) != 0) {
        octo_buf_free(&tmp);
        return NULL;
    }
    b = tpl_bigint_parse(&ba, digits, len, 10);
    if (b == NULL) {
        octo_buf_free(&tmp);
        return NULL;
    }
    sz = sizeof(*b) + (b->n ? b->n : 1) * sizeof(uint32_t);
    raw = malloc(BIGINT_MARK_LEN + sz);
    if (raw == NULL) {
        octo_buf_free(&tmp);
        return NULL;
    }
    memcpy(raw, BIGINT_MARK, BIGINT_MARK_LEN);
    copy = (struct bigint *)(void *)(raw + BIGINT_MARK_LEN);
    memcpy(copy, b, sz);
    if (neg && copy->sign) {
        copy->sign = -1;
    }
    j = json_stringn_nocheck(raw, BIGINT_MARK_LEN + sz);
    free(raw);
    octo_buf_free(&tmp);
    return j;
}

/* does the integer literal s[0..n) fit in int64? */
static int fits_i64(const char *s, size_t n)
{
    int neg = n > 0 && s[0] == '-';
    const char *lim = neg ? "9223372036854775808" : "9223372036854775807";
    size_t d = n - (size_t)neg;
    if (d < 19) {
        return 1;
    }
    if (d > 19) {
        return 0;
    }
    return memcmp(s + neg, lim, 19) <= 0;
}

static void fix_tree(json_t *j, int depth)
{
    if (depth > 2000) {
        return;
    }
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(j, tmp, k, v)
        {
            if (json_is_string(v) && json_string_length(v) > 10 &&
                memcmp(json_string_value(v), "\0OCTBIGINT", 10) == 0) {
                json_t *b =
                    octo_tpl_json_bigint(json_string_value(v) + 10, json_string_length(v) - 10);
                if (b) {
                    json_object_set_new(j, k, b);
                }
            } else {
                fix_tree(v, depth + 1);
            }
        }
    } else if (json_is_array(j)) {
        size_t i;
        for (i = 0; i < json_array_size(j); i++) {
            json_t *v = json_array_get(j, i);
            if (json_is_string(v) && json_string_length(v) > 10 &&
                memcmp(json_string_value(v), "\0OCTBIGINT", 10) == 0) {
                json_t *b =
                    octo_tpl_json_bigint(json_string_value(v) + 10, json_string_length(v) - 10);
                if (b) {
                    json_array_set_new(j, i, b);
                }
            } else {
                fix_tree(v, depth + 1);
            }
        }
    }
}

json_t *octo_tpl_json_loads(const char *text, size_t len, size_t flags, json_error_t *error)
{
    struct octo_buf b = OCTO_BUF_INIT;
    size_t i = 0;
    int changed = 0;
    json_t *j = json_loadb(text, len, flags, error);
    if (j != NULL) {
        return j;
    }
    /* rewrite out-of-range integer literals as marked strings */
    while (i < len) {
        char c = text[i];
        if (c == '"') {
            size_t k = i + 1;
            while (k < len && text[k] != '"') {
                k += text[k] == '\\' ? 2 : 1;
            }
            k = k < len ? k + 1 : len;
            tpl_tbuf_append(&b, text + i, k - i);
            i = k;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t k = i + (c == '-');
            size_t e;
            while (k < len && text[k] >= '0' && text[k] <= '9') {
                k++;
            }
            e = k;
            if ((k < len && (text[k] == '.' || text[k] == 'e' || text[k] == 'E')) ||
                fits_i64(text + i, e - i)) {
                while (k < len && strchr("0123456789.eE+-", text[k])) {
                    k++;
                }
                tpl_tbuf_append(&b, text + i, k - i);
            } else {
                tpl_tbuf_puts(&b, "\"\\u0000OCTBIGINT");
                tpl_tbuf_append(&b, text + i, e - i);
                tpl_tbuf_putc(&b, '"');
                changed = 1;
            }
            i = k;
            continue;
        }
        tpl_tbuf_putc(&b, c);
        i++;
    }
    if (changed && !octo_buf_failed(&b)) {
        j = json_loadb(b.data, b.len, flags | JSON_ALLOW_NUL, error);
        if (j != NULL) {
            fix_tree(j, 0);
        }
    }
    octo_buf_free(&b);
    if (j == NULL) {
        j = json_loadb(text, len, flags | JSON_DECODE_INT_AS_REAL, error);
    }
    return j;
}
