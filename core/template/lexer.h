/* lexer.h - template source to tokens, following Jinja2's lexer rules
 * (delimiters, whitespace control with - and +, raw blocks, comments,
 * literals, operators, bracket balancing). */
#ifndef OCTO_TPL_LEXER_H
#define OCTO_TPL_LEXER_H

#include "tpl.h"

enum {
    K_DATA,
    K_VAR_BEGIN,
    K_VAR_END,
    K_BLOCK_BEGIN,
    K_BLOCK_END,
    K_NAME,
    K_STRING,
    K_INT,
    K_FLOAT,
    K_EOF,
    /* operators */
    K_ADD,
    K_SUB,
    K_DIV,
    K_FLOORDIV,
    K_MUL,
    K_POW,
    K_MOD,
    K_TILDE,
    K_LBRACKET,
    K_RBRACKET,
    K_LPAREN,
    K_RPAREN,
    K_LBRACE,
    K_RBRACE,
    K_EQ,
    K_NE,
    K_GT,
    K_GTEQ,
    K_LT,
    K_LTEQ,
    K_ASSIGN,
    K_DOT,
    K_COLON,
    K_PIPE,
    K_COMMA,
    K_SEMICOLON
};

struct token {
    int type;
    int line;
    const char *s; /* name text, string value (unescaped), data text */
    size_t n;
    tv val; /* K_INT / K_FLOAT */
};

struct tokens {
    struct token *t;
    size_t n, cap;
};

/* Tokenize; 0 or -1 with err filled ("name:line: message"). Memory from t->ar. */
TPL_INTERNAL int tpl_lexer_tokenize(struct octo_tpl *t, const char *src, size_t len,
                                    struct tokens *out, octo_error *err);
TPL_INTERNAL const char *tpl_lexer_describe(int type);
TPL_INTERNAL void tpl_lexer_error(octo_error *err, const struct octo_tpl *t, int line,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
