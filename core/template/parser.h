/* parser.h - parser state and helpers shared by the parser's files:
 * parser.c (expressions by precedence, token helpers), parser_postfix.c
 * (a.b, a[b], calls, filters, tests), parser_stmt.c (statements, entry
 * point) and parser_tpl.c (template-level statements). */
#ifndef OCTO_TPL_PARSER_H
#define OCTO_TPL_PARSER_H

#include <setjmp.h>

#include "lexer.h"

struct ps {
    struct octo_tpl *t;
    struct token *tk;
    size_t pos, ntk;
    octo_error *err;
    jmp_buf jb;
    const char *tags[TPL_MAX_PARSE_DEPTH + 8];
    int ntags;
    const char *const *ends[TPL_MAX_PARSE_DEPTH + 8];
    int nends;
    int depth;
    struct blockdef *blocks;
    int nblocks, capblocks;
};

struct nvec {
    struct node **v;
    int n, cap;
};
struct svec {
    const char **v;
    int n, cap;
};

TPL_INTERNAL _Noreturn void tpl_parser_fail(struct ps *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
TPL_INTERNAL void *tpl_parser_alloc(struct ps *p, size_t n);
TPL_INTERNAL struct node *tpl_parser_node(struct ps *p, int kind, int line);
TPL_INTERNAL struct token *tpl_parser_cur(struct ps *p);
TPL_INTERNAL struct token *tpl_parser_look(struct ps *p);
TPL_INTERNAL struct token *tpl_parser_next(struct ps *p);
TPL_INTERNAL int tpl_parser_is_name(struct token *t, const char *v);
TPL_INTERNAL const char *tpl_parser_describe(struct ps *p, struct token *t);
TPL_INTERNAL struct token *tpl_parser_expect(struct ps *p, int type);
TPL_INTERNAL void tpl_parser_expect_name(struct ps *p, const char *v);
TPL_INTERNAL const char *tpl_parser_tokstr(struct ps *p, struct token *t);
TPL_INTERNAL void tpl_parser_chain(struct ps *p, int *count);
TPL_INTERNAL void tpl_parser_nv_push(struct ps *p, struct nvec *v, struct node *n);
TPL_INTERNAL void tpl_parser_sv_push(struct ps *p, struct svec *v, const char *s);
TPL_INTERNAL struct node *tpl_parser_filter(struct ps *p, struct node *in, int start_inline);
TPL_INTERNAL struct node *tpl_parser_expr(struct ps *p, int condexpr);
TPL_INTERNAL struct node *tpl_parser_tuple(struct ps *p, int simplified, int condexpr,
                                           const char *const *extra_end, int explicit_paren);
TPL_INTERNAL struct node *tpl_parser_primary(struct ps *p);
TPL_INTERNAL struct node *tpl_parser_postfix(struct ps *p, struct node *n);
TPL_INTERNAL struct node *tpl_parser_filter_expr(struct ps *p, struct node *n);
TPL_INTERNAL struct node *tpl_parser_statements(struct ps *p, const char *const *ends, int drop);
TPL_INTERNAL struct node *tpl_parser_assign_target(struct ps *p, int with_tuple, int name_only,
                                                   const char *const *extra, int with_ns);
TPL_INTERNAL struct node *tpl_parser_tpl_stmt(struct ps *p, const char *name, int line);

#endif
