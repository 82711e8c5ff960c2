/* yaml_emit.h - the PyYAML emitter's state, scalar analysis and scalar
 * writers (yaml_emit.c), shared with the node walk of yaml_dump.c.
 * Internal to those two files. Not thread-shared: one emitter per dump. */
#ifndef OCTO_YAML_EMIT_H
#define OCTO_YAML_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

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
    int failed; /* 2: nested too deep */
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

void octo__yaml_text_init(struct text *t, const char *s, size_t n);
void octo__yaml_analyze_scalar(const struct emitter *e, const struct text *t, struct analysis *a);
void octo__yaml_increase_indent(struct emitter *e, int flow, int indentless);
void octo__yaml_pop_indent(struct emitter *e);
void octo__yaml_write_indent(struct emitter *e);
void octo__yaml_write_indicator(struct emitter *e, const char *indicator, int need_whitespace,
                                int whitespace, int indention);
void octo__yaml_write_plain(struct emitter *e, const struct text *t, int split);
void octo__yaml_write_single_quoted(struct emitter *e, const struct text *t, int split);
void octo__yaml_write_double_quoted(struct emitter *e, const struct text *t, int split);

#endif
