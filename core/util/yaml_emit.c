/* yaml_emit.c - output primitives, scalar analysis and scalar writers of
 * the PyYAML-compatible YAML emitter (see yaml_dump.c for the design; the
 * names follow PyYAML 6.0's emitter.py: analyze_scalar, write_plain,
 * write_single_quoted, write_double_quoted, write_indicator...). */
#include "yaml_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfmt.h"
#include "xalloc.h"

void octo__yaml_text_init(struct text *t, const char *s, size_t n)
{
    size_t i = 0;

    t->len = 0;
    t->cp = octo_xmalloc((n + 1) * sizeof(*t->cp));
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

static void push_indent(struct emitter *e)
{
    if (e->nindents == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;

        e->indents = octo_xrealloc(e->indents, cap * sizeof(*e->indents));
        e->cap = cap;
    }
    e->indents[e->nindents++] = e->indent;
}

void octo__yaml_pop_indent(struct emitter *e)
{
    e->indent = e->nindents > 0 ? e->indents[--e->nindents] : -1;
}

void octo__yaml_increase_indent(struct emitter *e, int flow, int indentless)
{
    push_indent(e);
    if (e->indent < 0) {
        e->indent = flow ? e->best_indent : 0;
    } else if (!indentless) {
        e->indent += e->best_indent;
    }
}

void octo__yaml_write_indicator(struct emitter *e, const char *indicator, int need_whitespace,
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

void octo__yaml_write_indent(struct emitter *e)
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

void octo__yaml_analyze_scalar(const struct emitter *e, const struct text *t, struct analysis *a)
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

void octo__yaml_write_plain(struct emitter *e, const struct text *t, int split)
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
                    octo__yaml_write_indent(e);
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
                octo__yaml_write_indent(e);
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

void octo__yaml_write_single_quoted(struct emitter *e, const struct text *t, int split)
{
    int spaces = 0;
    int breaks = 0;
    size_t start = 0;
    size_t end = 0;

    octo__yaml_write_indicator(e, "'", 1, 0, 0);
    while (end <= t->len) {
        int have = end < t->len;
        uint32_t ch = have ? t->cp[end] : 0;

        if (spaces) {
            if (!have || ch != ' ') {
                if (start + 1 == end && e->column > e->best_width && split && start != 0 &&
                    end != t->len) {
                    octo__yaml_write_indent(e);
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
                octo__yaml_write_indent(e);
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
    octo__yaml_write_indicator(e, "'", 0, 0, 0);
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

void octo__yaml_write_double_quoted(struct emitter *e, const struct text *t, int split)
{
    size_t start = 0;
    size_t end = 0;

    octo__yaml_write_indicator(e, "\"", 1, 0, 0);
    while (end <= t->len) {
        int have = end < t->len;
        uint32_t ch = have ? t->cp[end] : 0;

        if (!have || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
            ch == 0xFEFF ||
            !((ch >= 0x20 && ch <= 0x7E) ||
              (e->allow_unicode &&
               ((ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD))))) {
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
            octo__yaml_write_indent(e);
            e->whitespace = 0;
            e->indention = 0;
            if (t->cp[start] == ' ') {
                put(e, "\\", 1);
                e->column++;
            }
        }
        end++;
    }
    octo__yaml_write_indicator(e, "\"", 0, 0, 0);
}
