/* parser.h - parser state and helpers shared by parser.c (expressions)
 * and parser_stmt.c (statements). */
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

_Noreturn void ps_pfail(struct ps *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *ps_palloc(struct ps *p, size_t n);
struct node *ps_mk(struct ps *p, int kind, int line);
struct token *ps_cur(struct ps *p);
struct token *ps_look(struct ps *p);
struct token *ps_next(struct ps *p);
int ps_is_name(struct token *t, const char *v);
const char *ps_describe(struct ps *p, struct token *t);
struct token *ps_expect(struct ps *p, int type);
void ps_expect_name(struct ps *p, const char *v);
const char *ps_tokstr(struct ps *p, struct token *t);
void ps_chain(struct ps *p, int *count);
void ps_nv_push(struct ps *p, struct nvec *v, struct node *n);
void ps_sv_push(struct ps *p, struct svec *v, const char *s);
struct node *ps_parse_filter(struct ps *p, struct node *in, int start_inline);
struct node *ps_parse_expr(struct ps *p, int condexpr);
struct node *ps_parse_tuple(struct ps *p, int simplified, int condexpr,
                            const char *const *extra_end, int explicit_paren);
struct node *ps_parse_primary(struct ps *p);
struct node *ps_parse_postfix(struct ps *p, struct node *n);
struct node *ps_parse_filter_expr(struct ps *p, struct node *n);
struct node *ps_parse_statements(struct ps *p, const char *const *ends, int drop);
struct node *ps_parse_assign_target(struct ps *p, int with_tuple, int name_only,
                                    const char *const *extra, int with_ns);
struct node *ps_parse_tpl_stmt(struct ps *p, const char *name, int line);

#endif
