/* lexer_int.h - lexer state shared by lexer.c and lexer_lit.c. */
#ifndef OCTO_TPL_LEXER_INT_H
#define OCTO_TPL_LEXER_INT_H

#include "lexer.h"

struct lx {
    struct octo_tpl *t;
    const char *s;
    size_t n;
    size_t pos;
    int line;
    struct tokens *out;
    octo_error *err;
    char bal[256];
    int nbal;
};

/* an ASCII digit (not locale's isdigit) */
static inline int tpl_lexer_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

TPL_INTERNAL struct token *tpl_lexer_emit(struct lx *l, int type, const char *s, size_t n);
TPL_INTERNAL int tpl_lexer_fail(struct lx *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
TPL_INTERNAL int tpl_lexer_unescape(struct lx *l, const char *s, size_t n, struct token *tk);
TPL_INTERNAL int tpl_lexer_number(struct lx *l, size_t *pos);

#endif
