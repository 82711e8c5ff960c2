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
#include "yaml_resolve.h"

#define MAX_DEPTH 1000

struct emitter {
    struct octo_buf *out;
    unsigned flags;
    int allow_unicode;
    int best_indent;
    int best_width;
    int *indents; /* stack of saved indents (-1 = None) */
    size_t nindents;
    size_t cap;
    int indent; /* -1 = None */
    int flow_level;
    long column;
    int whitespace;
    int indention;
    int open_ended;
    /* context of the node being emitted (expect_node's arguments) */
    int root_context;
    int sequence_context;
    int mapping_context;
    int simple_key_context;
    int failed; /* out of memory or too deep */
};

struct analysis {
    int empty;
    int multiline;
    int allow_flow_plain;
    int allow_block_plain;
    int allow_single_quoted;
};

/* A scalar as code points (Python str indexing). */
struct text {
    uint32_t *cp;
    size_t len;
};

static int text_init(struct text *t, const char *s, size_t n)
{
    size_t i = 0;

    t->len = 0;
    t->cp = malloc((n + 1) * sizeof(*t->cp));
    if (t->cp == NULL) {
        return -1;
    }
    while (i < n) {
        unsigned c;
        size_t k = octo_utf8_decode((const unsigned char *)s + i, n - i, &c);

        if (k == 0) { /* not UTF-8 (jansson strings always are) */
            c = 0xFFFD;
            k = 1;
        }
        t->cp[t->len++] = c;
        i += k;
    }
    return 0;
}

/* ---- output primitives --------------------------------------------------- */

static void put(struct emitter *e, const char *s, size_t n)
{
    octo_buf_append(e->out, s, n);
}

static void put_cp(struct emitter *e, uint32_t c)
{
    char b[4];

    put(e, b, octo_utf8_encode(c, b));
}

/* text[start:end] (empty when start >= end, as in Python) */
static void put_range(struct emitter *e, const struct text *t, size_t start, size_t end)
{
    size_t i;

    if (start >= end) {
        return;
    }
    for (i = start; i < end; i++) {
        put_cp(e, t->cp[i]);
    }
    e->column += (long)(end - start);
}

static int push_indent(struct emitter *e)
{
    if (e->nindents == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        int *n = realloc(e->indents, cap * sizeof(*n));

        if (n == NULL) {
            e->failed = 1;
            return -1;
        }
        e->indents = n;
        e->cap = cap;
    }
    e->indents[e->nindents++] = e->indent;
    return 0;
}

static void pop_indent(struct emitter *e)
{
    e->indent = e->nindents > 0 ? e->indents[--e->nindents] : -1;
}

static void increase_indent(struct emitter *e, int flow, int indentless)
{
    if (push_indent(e) != 0) {
        return;
    }
    if (e->indent < 0) {
        e->indent = flow ? e->best_indent : 0;
    } else if (!indentless) {
        e->indent += e->best_indent;
    }
}

static void write_indicator(struct emitter *e, const char *indicator, int need_whitespace,
                            int whitespace, int indention)
{
    size_t n = strlen(indicator);

    if (!(e->whitespace || !need_whitespace)) {
        put(e, " ", 1);
        e->column++;
    }
    put(e, indicator, n);
    e->column += (long)n;
    e->whitespace = whitespace;
    e->indention = e->indention && indention;
    e->open_ended = 0;
}

static void write_line_break(struct emitter *e, uint32_t br)
{
    e->whitespace = 1;
    e->indention = 1;
    e->column = 0;
    put_cp(e, br);
}

static void write_indent(struct emitter *e)
{
    long indent = e->indent < 0 ? 0 : e->indent;

    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace)) {
        write_line_break(e, '\n');
    }
    if (e->column < indent) {
        e->whitespace = 1;
        while (e->column < indent) {
            put(e, " ", 1);
            e->column++;
        }
    }
}

/* ---- scalar analysis (emitter.py analyze_scalar) ------------------------- */

static int is_break(uint32_t c)
{
    return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

/* '\0 \t\r\n\x85\u2028\u2029' */
static int is_ws_or_break(uint32_t c)
{
    return c == 0 || c == ' ' || c == '\t' || c == '\r' || is_break(c);
}

static void analyze_scalar(const struct emitter *e, const struct text *t, struct analysis *a)
{
    int block_indicators = 0;
    int flow_indicators = 0;
    int line_breaks = 0;
    int special_characters = 0;
    int leading_space = 0;
    int leading_break = 0;
    int trailing_space = 0;
    int trailing_break = 0;
    int break_space = 0;
    int space_break = 0;
    int preceded_by_whitespace = 1;
    int followed_by_whitespace;
    int previous_space = 0;
    int previous_break = 0;
    size_t n = t->len;
    size_t index;

    memset(a, 0, sizeof(*a));
    if (n == 0) {
        a->empty = 1;
        a->allow_block_plain = 1;
        a->allow_single_quoted = 1;
        return;
    }
    if (n >= 3 && ((t->cp[0] == '-' && t->cp[1] == '-' && t->cp[2] == '-') ||
                   (t->cp[0] == '.' && t->cp[1] == '.' && t->cp[2] == '.'))) {
        block_indicators = 1;
        flow_indicators = 1;
    }
    followed_by_whitespace = n == 1 || is_ws_or_break(t->cp[1]);
    for (index = 0; index < n; index++) {
        uint32_t ch = t->cp[index];

        if (index == 0) {
            if (ch < 0x80 && ch != 0 && strchr("#,[]{}&*!|>'\"%@`", (int)ch) != NULL) {
                flow_indicators = 1;
                block_indicators = 1;
            }
            if (ch == '?' || ch == ':') {
                flow_indicators = 1;
                if (followed_by_whitespace) {
                    block_indicators = 1;
                }
            }
            if (ch == '-' && followed_by_whitespace) {
                flow_indicators = 1;
                block_indicators = 1;
            }
        } else {
            if (ch < 0x80 && ch != 0 && strchr(",?[]{}", (int)ch) != NULL) {
                flow_indicators = 1;
            }
            if (ch == ':') {
                flow_indicators = 1;
                if (followed_by_whitespace) {
                    block_indicators = 1;
                }
            }
            if (ch == '#' && preceded_by_whitespace) {
                flow_indicators = 1;
                block_indicators = 1;
            }
        }
        if (is_break(ch)) {
            line_breaks = 1;
        }
        if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
            if ((ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
                 (ch >= 0x10000 && ch < 0x10FFFF)) &&
                ch != 0xFEFF) {
                if (!e->allow_unicode) {
                    special_characters = 1;
                }
            } else {
                special_characters = 1;
            }
        }
        if (ch == ' ') {
            if (index == 0) {
                leading_space = 1;
            }
            if (index == n - 1) {
                trailing_space = 1;
            }
            if (previous_break) {
                break_space = 1;
            }
            previous_space = 1;
            previous_break = 0;
        } else if (is_break(ch)) {
            if (index == 0) {
                leading_break = 1;
            }
            if (index == n - 1) {
                trailing_break = 1;
            }
            if (previous_space) {
                space_break = 1;
            }
            previous_space = 0;
            previous_break = 1;
        } else {
            previous_space = 0;
            previous_break = 0;
        }
        preceded_by_whitespace = is_ws_or_break(ch);
        followed_by_whitespace = index + 2 >= n || is_ws_or_break(t->cp[index + 2]);
    }
    a->multiline = line_breaks;
    a->allow_flow_plain = 1;
    a->allow_block_plain = 1;
    a->allow_single_quoted = 1;
    if (leading_space || leading_break || trailing_space || trailing_break) {
        a->allow_flow_plain = a->allow_block_plain = 0;
    }
    if (break_space) {
        a->allow_flow_plain = a->allow_block_plain = a->allow_single_quoted = 0;
    }
    if (space_break || special_characters) {
        a->allow_flow_plain = a->allow_block_plain = a->allow_single_quoted = 0;
    }
    if (line_breaks) {
        a->allow_flow_plain = a->allow_block_plain = 0;
    }
    if (flow_indicators) {
        a->allow_flow_plain = 0;
    }
    if (block_indicators) {
        a->allow_block_plain = 0;
    }
}

/* ---- scalar writers (emitter.py write_*) --------------------------------- */

static void write_plain(struct emitter *e, const struct text *t, int split)
{
    int spaces = 0;
    int breaks = 0;
    size_t start = 0;
    size_t end = 0;

    if (e->root_context) {
        e->open_ended = 1;
    }
    if (t->len == 0) {
        return;
    }
    if (!e->whitespace) {
        put(e, " ", 1);
        e->column++;
    }
    e->whitespace = 0;
    e->indention = 0;
    while (end <= t->len) {
        int have = end < t->len;
        uint32_t ch = have ? t->cp[end] : 0;

        if (spaces) {
            if (!have || ch != ' ') {
                if (start + 1 == end && e->column > e->best_width && split) {
                    write_indent(e);
                    e->whitespace = 0;
                    e->indention = 0;
                } else {
                    put_range(e, t, start, end);
                }
                start = end;
            }
        } else if (breaks) {
            if (!have || !is_break(ch)) {
                size_t i;

                if (t->cp[start] == '\n') {
                    write_line_break(e, '\n');
                }
                for (i = start; i < end; i++) {
                    write_line_break(e, t->cp[i]);
                }
                write_indent(e);
                e->whitespace = 0;
                e->indention = 0;
                start = end;
            }
        } else {
            if (!have || ch == ' ' || is_break(ch)) {
                put_range(e, t, start, end);
                start = end;
            }
        }
        if (have) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
        end++;
    }
}

static void write_single_quoted(struct emitter *e, const struct text *t, int split)
{
    int spaces = 0;
    int breaks = 0;
    size_t start = 0;
    size_t end = 0;

    write_indicator(e, "'", 1, 0, 0);
    while (end <= t->len) {
        int have = end < t->len;
        uint32_t ch = have ? t->cp[end] : 0;

        if (spaces) {
            if (!have || ch != ' ') {
                if (start + 1 == end && e->column > e->best_width && split && start != 0 &&
                    end != t->len) {
                    write_indent(e);
                } else {
                    put_range(e, t, start, end);
                }
                start = end;
            }
        } else if (breaks) {
            if (!have || !is_break(ch)) {
                size_t i;

                if (t->cp[start] == '\n') {
                    write_line_break(e, '\n');
                }
                for (i = start; i < end; i++) {
                    write_line_break(e, t->cp[i]);
                }
                write_indent(e);
                start = end;
            }
        } else {
            if (!have || ch == ' ' || is_break(ch) || ch == '\'') {
                if (start < end) {
                    put_range(e, t, start, end);
                    start = end;
                }
            }
        }
        if (have && ch == '\'') {
            put(e, "''", 2);
            e->column += 2;
            start = end + 1;
        }
        if (have) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
        end++;
    }
    write_indicator(e, "'", 0, 0, 0);
}

static char escape_replacement(uint32_t ch)
{
    switch (ch) {
    case 0:
        return '0';
    case 0x07:
        return 'a';
    case 0x08:
        return 'b';
    case 0x09:
        return 't';
    case 0x0A:
        return 'n';
    case 0x0B:
        return 'v';
    case 0x0C:
        return 'f';
    case 0x0D:
        return 'r';
    case 0x1B:
        return 'e';
    case '"':
        return '"';
    case '\\':
        return '\\';
    case 0x85:
        return 'N';
    case 0xA0:
        return '_';
    case 0x2028:
        return 'L';
    case 0x2029:
        return 'P';
    default:
        return 0;
    }
}

static void write_double_quoted(struct emitter *e, const struct text *t, int split)
{
    size_t start = 0;
    size_t end = 0;

    write_indicator(e, "\"", 1, 0, 0);
    while (end <= t->len) {
        int have = end < t->len;
        uint32_t ch = have ? t->cp[end] : 0;

        if (!have || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
            ch == 0xFEFF ||
            !((ch >= 0x20 && ch <= 0x7E) ||
              (e->allow_unicode && ((ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD))))) {
            if (start < end) {
                put_range(e, t, start, end);
                start = end;
            }
            if (have) {
                char data[16];
                char r = escape_replacement(ch);
                int n;

                if (r != 0) {
                    n = snprintf(data, sizeof(data), "\\%c", r);
                } else if (ch <= 0xFF) {
                    n = snprintf(data, sizeof(data), "\\x%02X", (unsigned)ch);
                } else if (ch <= 0xFFFF) {
                    n = snprintf(data, sizeof(data), "\\u%04X", (unsigned)ch);
                } else {
                    n = snprintf(data, sizeof(data), "\\U%08X", (unsigned)ch);
                }
                put(e, data, (size_t)n);
                e->column += n;
                start = end + 1;
            }
        }
        if (0 < end && end + 1 < t->len && (ch == ' ' || start >= end) &&
            e->column + (long)(end - start) > e->best_width && split) {
            put_range(e, t, start, end);
            put(e, "\\", 1);
            e->column++;
            if (start < end) {
                start = end;
            }
            write_indent(e);
            e->whitespace = 0;
            e->indention = 0;
            if (t->cp[start] == ' ') {
                put(e, "\\", 1);
                e->column++;
            }
        }
        end++;
    }
    write_indicator(e, "\"", 0, 0, 0);
}

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

    if (text_init(&t, s, n) != 0) {
        e->failed = 1;
        return;
    }
    analyze_scalar(e, &t, &a);
    increase_indent(e, 1, 0); /* expect_scalar */
    if (implicit_plain && !(e->simple_key_context && (a.empty || a.multiline)) &&
        ((e->flow_level && a.allow_flow_plain) || (!e->flow_level && a.allow_block_plain))) {
        write_plain(e, &t, split);
    } else if (a.allow_single_quoted && !(e->simple_key_context && a.multiline)) {
        write_single_quoted(e, &t, split);
    } else {
        write_double_quoted(e, &t, split);
    }
    pop_indent(e);
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

    if (text_init(&t, key, strlen(key)) != 0) {
        return 1;
    }
    analyze_scalar(e, &t, &a);
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
    keys = malloc(*n * sizeof(*keys));
    if (keys == NULL) {
        e->failed = 1;
        *n = 0;
        return NULL;
    }
    json_object_foreach(v, k, item) {
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

    write_indicator(e, "[", 1, 1, 0);
    e->flow_level++;
    increase_indent(e, 1, 0);
    for (i = 0; i < json_array_size(v) && !e->failed; i++) {
        if (i > 0) {
            write_indicator(e, ",", 0, 0, 0);
        }
        if (e->column > e->best_width) {
            write_indent(e);
        }
        emit_node(e, json_array_get(v, i), 0, 1, 0, 0, depth + 1);
    }
    pop_indent(e);
    e->flow_level--;
    write_indicator(e, "]", 0, 0, 0);
    return e->failed ? -1 : 0;
}

static int emit_flow_mapping(struct emitter *e, json_t *v, int depth)
{
    size_t n;
    size_t i;
    const char **keys = object_keys(e, v, &n);

    write_indicator(e, "{", 1, 1, 0);
    e->flow_level++;
    increase_indent(e, 1, 0);
    for (i = 0; i < n && !e->failed; i++) {
        const char *k = keys[i];

        if (i > 0) {
            write_indicator(e, ",", 0, 0, 0);
        }
        if (e->column > e->best_width) {
            write_indent(e);
        }
        if (check_simple_key(e, k)) {
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 1;
            emit_scalar(e, k, strlen(k), 1);
            write_indicator(e, ":", 0, 0, 0);
        } else {
            write_indicator(e, "?", 1, 0, 0);
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 0;
            emit_scalar(e, k, strlen(k), 1);
            if (e->column > e->best_width) {
                write_indent(e);
            }
            write_indicator(e, ":", 1, 0, 0);
        }
        emit_node(e, json_object_get(v, k), 0, 0, 1, 0, depth + 1);
    }
    free(keys);
    pop_indent(e);
    e->flow_level--;
    write_indicator(e, "}", 0, 0, 0);
    return e->failed ? -1 : 0;
}

static int emit_block_sequence(struct emitter *e, json_t *v, int depth)
{
    size_t i;
    int indentless = e->mapping_context && !e->indention;

    increase_indent(e, 0, indentless);
    for (i = 0; i < json_array_size(v) && !e->failed; i++) {
        write_indent(e);
        write_indicator(e, "-", 1, 0, 1);
        emit_node(e, json_array_get(v, i), 0, 1, 0, 0, depth + 1);
    }
    pop_indent(e);
    return e->failed ? -1 : 0;
}

static int emit_block_mapping(struct emitter *e, json_t *v, int depth)
{
    size_t n;
    size_t i;
    const char **keys = object_keys(e, v, &n);

    increase_indent(e, 0, 0);
    for (i = 0; i < n && !e->failed; i++) {
        const char *k = keys[i];

        write_indent(e);
        if (check_simple_key(e, k)) {
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 1;
            emit_scalar(e, k, strlen(k), 1);
            write_indicator(e, ":", 0, 0, 0);
        } else {
            write_indicator(e, "?", 1, 0, 1);
            e->root_context = 0;
            e->sequence_context = 0;
            e->mapping_context = 1;
            e->simple_key_context = 0;
            emit_scalar(e, k, strlen(k), 1);
            write_indent(e);
            write_indicator(e, ":", 1, 0, 1);
        }
        emit_node(e, json_object_get(v, k), 0, 0, 1, 0, depth + 1);
    }
    free(keys);
    pop_indent(e);
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
        write_indent(&e); /* expect_document_end */
        if (e.open_ended) { /* a plain root scalar: "..." at the stream end */
            write_indicator(&e, "...", 1, 0, 0);
            write_indent(&e);
        }
    }
    free(e.indents);
    if (e.failed || octo_buf_failed(out)) {
        err->code = OCTO_EINTERNAL;
        snprintf(err->msg, sizeof(err->msg), "YAML output failed: %s",
                 e.failed == 2 ? "value nests too deeply" : "output too large or out of memory");
        return -1;
    }
    return 0;
}
