/* yaml_dump.c - JSON to YAML, byte-identical to PyYAML's yaml.dump.
 *
 * DESIGN
 * ------
 * This is a port of PyYAML 6.0's pure-Python Emitter (emitter.py, the one
 * yaml.dump uses), restricted to what a JSON value produces: one implicit
 * document, block or flow mappings and sequences, scalars without anchors
 * or explicit tags. The function and variable names follow emitter.py so
 * the two can be read side by side; the event state machine becomes a
 * recursive walk of the value, which needs no lookahead (emptiness of a
 * collection is known).
 *
 * Why not libyaml's emitter (the first implementation drove it with
 * PyYAML's events): PyYAML's emitter is a port of libyaml's but they
 * differ in corners that show in real files, found by
 * tests/e2e/test_yaml_json_diff.py:
 *   - double-quoted scalars longer than the width: PyYAML breaks them with
 *     an escaped line break ("\" at the end of the line), also right after
 *     an escape sequence; libyaml folds at spaces only;
 *   - simple keys: PyYAML counts the key's length in characters plus the
 *     5 characters of its "!!str" tag (so keys of 123+ characters, or of
 *     100 non-ASCII characters, are written "? key"), and writes an empty
 *     key as "? ''"; libyaml counts bytes and accepts the empty key;
 *   - "\r" is a line break for libyaml, not for PyYAML's analysis;
 *   - with allow_unicode, PyYAML still escapes characters outside the BMP
 *     in double-quoted scalars.
 *
 * Values are what the representer makes of them: null, true/false,
 * str(int), repr(float) lower-cased with ".0" inserted before an exponent
 * without a dot, .inf/-.inf/.nan; strings are tagged str and may be plain
 * only when the YAML 1.1 resolver reads the plain text back as a string.
 * Mappings are sorted by key unless OCTO_YAML_NO_SORT. With
 * OCTO_YAML_FLOW_LEAVES (default_flow_style=None) collections holding only
 * scalars are written in flow style; otherwise only empty ones are.
 */
#include "yaml_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfmt.h"
#include "xalloc.h"
#include "yaml_emit.h"
#include "yaml_resolve.h"

/* ---- nodes --------------------------------------------------------------- */

static int emit_node(struct emitter *e, json_t *v, int root, int sequence, int mapping,
                     int simple_key, int depth);

/* A scalar whose text is s (n bytes). is_str: a string (tag str), whose
 * plain form must read back as a string; other scalars are always plain
 * (their text resolves to their own type). */
static void emit_scalar(struct emitter *e, const char *s, size_t n, int is_str)
{
    struct text t;
    struct analysis a;
    int implicit_plain = is_str ? octo_yaml_resolve(s, n) == OCTO_YK_STR : 1;
    int split = !e->simple_key_context;

    octo__yaml_text_init(&t, s, n);
    octo__yaml_analyze_scalar(e, &t, &a);
    octo__yaml_increase_indent(e, 1, 0); /* expect_scalar */
    if (implicit_plain && !(e->simple_key_context && (a.empty || a.multiline)) &&
        ((e->flow_level && a.allow_flow_plain) || (!e->flow_level && a.allow_block_plain))) {
        octo__yaml_write_plain(e, &t, split);
    } else if (a.allow_single_quoted && !(e->simple_key_context && a.multiline)) {
        octo__yaml_write_single_quoted(e, &t, split);
    } else {
        octo__yaml_write_double_quoted(e, &t, split);
    }
    octo__yaml_pop_indent(e);
    free(t.cp);
}

/* emitter.py check_simple_key for a string key: its length in characters
 * plus the 5 of the prepared "!!str" tag must stay under 128, and it may
 * be neither empty nor multi-line. */
static int check_simple_key(const struct emitter *e, const char *key)
{
    struct text t;
    struct analysis a;
    int ok;

    octo__yaml_text_init(&t, key, strlen(key));
    octo__yaml_analyze_scalar(e, &t, &a);
    ok = 5 + t.len < 128 && !a.empty && !a.multiline;
    free(t.cp);
    return ok;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_scalar(json_t *v)
{
    return !json_is_object(v) && !json_is_array(v);
}

/* default_flow_style=None: a collection of scalars only */
static int best_flow_style(json_t *v)
{
    size_t i;
    const char *k;
    json_t *item;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            if (!is_scalar(item)) {
                return 0;
            }
        }
    } else {
        json_object_foreach(v, k, item)
        {
            if (!is_scalar(item)) {
                return 0;
            }
        }
    }
    return 1;
}

/* The keys of an object, sorted unless NO_SORT (malloc'd; NULL when empty). */
static const char **object_keys(struct emitter *e, json_t *v, size_t *n)
{
    const char **keys;
    const char *k;
    json_t *item;
    size_t i = 0;

    *n = json_object_size(v);
    if (*n == 0) {
        return NULL;
    }
    keys = octo_xmalloc(*n * sizeof(*keys));
    json_object_foreach(v, k, item)
    {
        keys[i++] = k;
    }
    if (!(e->flags & OCTO_YAML_NO_SORT)) {
        qsort(keys, *n, sizeof(*keys), key_cmp);
    }
    return keys;
}

static int emit_flow_sequence(struct emitter *e, json_t *v, int depth)
{
    size_t i;

    octo__yaml_write_indicator(e, "[", 1, 1, 0);
    e->flow_level++;
    octo__yaml_increase_indent(e, 1, 0);
    for (i = 0; i < json_array_size(v) && !e->failed; i++) {
        if (i > 0) {
            octo__yaml_write_indicator(e, ",", 0, 0, 0);
        }
        if (e->column > e->best_width) {
            octo__yaml_write_indent(e);
        }
        emit_node(e, json_array_get(v, i), 0, 1, 0, 0, depth + 1);
    }
    octo__yaml_pop_indent(e);
    e->flow_level--;
    octo__yaml_write_indicator(e, "]", 0, 0, 0);
    return e->failed ? -1 : 0;
}

static int emit_flow_mapping(struct emitter *e, json_t *v, int depth)
{
    size_t n;
    size_t i;
    const char **keys = object_keys(e, v, &n);

    octo__yaml_write_indicator(e, "{", 1, 1, 0);
    e->flow_level++;
    octo__yaml_increase_indent(e, 1, 0);
    for (i = 0; i < n && !e->failed; i++) {
        const char *k = keys[i];

        if (i > 0) {
            octo__yaml_write_indicator(e, ",", 0, 0, 0);
        }
        if (e->column > e->best_width) {
            octo__yaml_write_indent(e);
        }
        if (check_simple_key(e, k)) {
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 1;
            emit_scalar(e, k, strlen(k), 1);
            octo__yaml_write_indicator(e, ":", 0, 0, 0);
        } else {
            octo__yaml_write_indicator(e, "?", 1, 0, 0);
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 0;
            emit_scalar(e, k, strlen(k), 1);
            if (e->column > e->best_width) {
                octo__yaml_write_indent(e);
            }
            octo__yaml_write_indicator(e, ":", 1, 0, 0);
        }
        emit_node(e, json_object_get(v, k), 0, 0, 1, 0, depth + 1);
    }
    free(keys);
    octo__yaml_pop_indent(e);
    e->flow_level--;
    octo__yaml_write_indicator(e, "}", 0, 0, 0);
    return e->failed ? -1 : 0;
}

static int emit_block_sequence(struct emitter *e, json_t *v, int depth)
{
    size_t i;
    int indentless = e->mapping_context && !e->indention;

    octo__yaml_increase_indent(e, 0, indentless);
    for (i = 0; i < json_array_size(v) && !e->failed; i++) {
        octo__yaml_write_indent(e);
        octo__yaml_write_indicator(e, "-", 1, 0, 1);
        emit_node(e, json_array_get(v, i), 0, 1, 0, 0, depth + 1);
    }
    octo__yaml_pop_indent(e);
    return e->failed ? -1 : 0;
}

static int emit_block_mapping(struct emitter *e, json_t *v, int depth)
{
    size_t n;
    size_t i;
    const char **keys = object_keys(e, v, &n);

    octo__yaml_increase_indent(e, 0, 0);
    for (i = 0; i < n && !e->failed; i++) {
        const char *k = keys[i];

        octo__yaml_write_indent(e);
        if (check_simple_key(e, k)) {
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 1;
            emit_scalar(e, k, strlen(k), 1);
            octo__yaml_write_indicator(e, ":", 0, 0, 0);
        } else {
            octo__yaml_write_indicator(e, "?", 1, 0, 1);
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 0;
            emit_scalar(e, k, strlen(k), 1);
            octo__yaml_write_indent(e);
            octo__yaml_write_indicator(e, ":", 1, 0, 1);
        }
        emit_node(e, json_object_get(v, k), 0, 0, 1, 0, depth + 1);
    }
    free(keys);
    octo__yaml_pop_indent(e);
    return e->failed ? -1 : 0;
}

/* The text the representer gives a float (represent_float). */
static size_t float_text(double d, char *num)
{
    size_t n;
    size_t i;
    char *x;

    if (isnan(d)) {
        memcpy(num, ".nan", 5);
        return 4;
    }
    if (isinf(d)) {
        memcpy(num, d > 0 ? ".inf" : "-.inf", d > 0 ? 5 : 6);
        return d > 0 ? 4 : 5;
    }
    n = octo_py_float_repr(d, num);
    for (i = 0; i < n; i++) {
        if (num[i] == 'E') {
            num[i] = 'e';
        }
    }
    x = memchr(num, 'e', n);
    if (memchr(num, '.', n) == NULL && x != NULL) {
        size_t off = (size_t)(x - num);

        memmove(num + off + 2, num + off, n - off + 1);
        num[off] = '.';
        num[off + 1] = '0';
        n += 2;
    }
    return n;
}

static int emit_node(struct emitter *e, json_t *v, int root, int sequence, int mapping,
                     int simple_key, int depth)
{
    char num[64];
    size_t n;

    if (depth > MAX_DEPTH) {
        e->failed = 2;
        return -1;
    }
    e->root_context = root;
    e->sequence_context = sequence;
    e->mapping_context = mapping;
    e->simple_key_context = simple_key;
    switch (json_typeof(v)) {
    case JSON_STRING:
        emit_scalar(e, json_string_value(v), json_string_length(v), 1);
        break;
    case JSON_INTEGER:
        n = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        emit_scalar(e, num, n, 0);
        break;
    case JSON_REAL:
        n = float_text(json_real_value(v), num);
        emit_scalar(e, num, n, 0);
        break;
    case JSON_TRUE:
        emit_scalar(e, "true", 4, 0);
        break;
    case JSON_FALSE:
        emit_scalar(e, "false", 5, 0);
        break;
    case JSON_NULL:
        emit_scalar(e, "null", 4, 0);
        break;
    case JSON_ARRAY:
        if (e->flow_level || json_array_size(v) == 0 ||
            ((e->flags & OCTO_YAML_FLOW_LEAVES) && best_flow_style(v))) {
            return emit_flow_sequence(e, v, depth);
        }
        return emit_block_sequence(e, v, depth);
    case JSON_OBJECT:
        if (e->flow_level || json_object_size(v) == 0 ||
            ((e->flags & OCTO_YAML_FLOW_LEAVES) && best_flow_style(v))) {
            return emit_flow_mapping(e, v, depth);
        }
        return emit_block_mapping(e, v, depth);
    }
    return e->failed ? -1 : 0;
}

int octo_yaml_dump(json_t *value, unsigned flags, struct octo_buf *out, octo_error *err)
{
    struct emitter e;
    unsigned indent = (flags >> 8) & 0xfu;

    memset(&e, 0, sizeof(e));
    e.out = out;
    e.flags = flags;
    e.allow_unicode = (flags & OCTO_YAML_UNICODE) != 0;
    e.best_indent = (indent > 1 && indent < 10) ? (int)indent : 2;
    e.best_width = 80;
    e.indent = -1;
    e.whitespace = 1;
    e.indention = 1;
    /* an implicit document: its root node, then a line break */
    emit_node(&e, value != NULL ? value : json_null(), 1, 0, 0, 0, 0);
    if (!e.failed) {
        octo__yaml_write_indent(&e); /* expect_document_end */
        if (e.open_ended) {          /* a plain root scalar: "..." at the stream end */
            octo__yaml_write_indicator(&e, "...", 1, 0, 0);
            octo__yaml_write_indent(&e);
        }
    }
    free(e.indents);
    if (e.failed || octo_buf_failed(out)) {
        err->code = OCTO_EINTERNAL;
        snprintf(err->msg, sizeof(err->msg), "YAML output failed: %s",
                 e.failed == 2 ? "value nests too deeply" : "output too large");
        return -1;
    }
    return 0;
}
