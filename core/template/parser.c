/* parser.c - tokens to AST, mirroring Jinja2's Parser: same precedence
 * (including ** binding left to right and unary minus binding tighter
 * than **), same statements and the same error messages where practical.
 * Errors unwind with longjmp to tpl_parser_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parser.h"

_Noreturn void tpl_parser_fail(struct ps *p, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tpl_lexer_error(p->err, p->t, line, "%s", msg);
    longjmp(p->jb, 1);
}

void *tpl_parser_alloc(struct ps *p, size_t n)
{
    void *r = tpl_arena_alloc(&p->t->ar, n);
    if (r == NULL) {
        tpl_parser_fail(p, 0, "out of memory");
    }
    memset(r, 0, n);
    return r;
}

struct node *tpl_parser_node(struct ps *p, int kind, int line)
{
    struct node *n = tpl_parser_alloc(p, sizeof(*n));
    n->kind = (uint16_t)kind;
    n->line = line;
    return n;
}

struct token *tpl_parser_cur(struct ps *p)
{
    return &p->tk[p->pos];
}

struct token *tpl_parser_look(struct ps *p)
{
    return &p->tk[p->pos + 1 < p->ntk ? p->pos + 1 : p->pos];
}

struct token *tpl_parser_next(struct ps *p)
{
    struct token *t = tpl_parser_cur(p);
    if (p->pos + 1 < p->ntk) {
        p->pos++;
    }
    return t;
}

int tpl_parser_is_name(struct token *t, const char *v)
{
    return t->type == K_NAME && t->n == strlen(v) && memcmp(t->s, v, t->n) == 0;
}

static const char *op_text(int type)
{
    static const char *const txt[] = {
        "+", "-",  "/",  "//", "*",  "**", "%",  "~", "[", "]", "(", ")", "{",
        "}", "==", "!=", ">",  ">=", "<",  "<=", "=", ".", ":", "|", ",", ";"};
    if (type >= K_ADD && type <= K_SEMICOLON) {
        return txt[type - K_ADD];
    }
    return tpl_lexer_describe(type);
}

const char *tpl_parser_describe(struct ps *p, struct token *t)
{
    if (t->type == K_NAME) {
        char *s = tpl_parser_alloc(p, t->n + 1);
        memcpy(s, t->s, t->n);
        return s;
    }
    return op_text(t->type);
}

struct token *tpl_parser_expect(struct ps *p, int type)
{
    struct token *t = tpl_parser_cur(p);
    if (t->type != type) {
        if (t->type == K_EOF) {
            tpl_parser_fail(p, t->line, "unexpected end of template, expected '%s'.",
                            op_text(type));
        }
        tpl_parser_fail(p, t->line, "expected token '%s', got '%s'", op_text(type),
                        tpl_parser_describe(p, t));
    }
    return tpl_parser_next(p);
}

void tpl_parser_expect_name(struct ps *p, const char *v)
{
    struct token *t = tpl_parser_cur(p);
    if (!tpl_parser_is_name(t, v)) {
        if (t->type == K_EOF) {
            tpl_parser_fail(p, t->line, "unexpected end of template, expected '%s'.", v);
        }
        tpl_parser_fail(p, t->line, "expected token '%s', got '%s'", v, tpl_parser_describe(p, t));
    }
    tpl_parser_next(p);
}

const char *tpl_parser_tokstr(struct ps *p, struct token *t)
{
    char *s = tpl_parser_alloc(p, t->n + 1);
    memcpy(s, t->s, t->n);
    return s;
}

/* left-deep chains (a + b + c ..., a.b.c ..., x|f|g ...) are evaluated
 * recursively: bound their length like nesting */
void tpl_parser_chain(struct ps *p, int *count)
{
    if (++*count > TPL_MAX_CHAIN) {
        tpl_parser_fail(p, tpl_parser_cur(p)->line,
                        "expression too long (more than %d chained operations)", TPL_MAX_CHAIN);
    }
}

static void enter(struct ps *p)
{
    if (++p->depth > TPL_MAX_PARSE_DEPTH) {
        tpl_parser_fail(p, tpl_parser_cur(p)->line, "template nested too deeply (limit %d)",
                        TPL_MAX_PARSE_DEPTH);
    }
}

/* ---- growing node arrays ---- */
void tpl_parser_nv_push(struct ps *p, struct nvec *v, struct node *n)
{
    if (v->n == v->cap) {
        int nc = v->cap ? v->cap * 2 : 4;
        struct node **nn = tpl_parser_alloc(p, (size_t)nc * sizeof(*nn));
        if (v->n) {
            memcpy(nn, v->v, (size_t)v->n * sizeof(*nn));
        }
        v->v = nn;
        v->cap = nc;
    }
    v->v[v->n++] = n;
}
void tpl_parser_sv_push(struct ps *p, struct svec *v, const char *s)
{
    if (v->n == v->cap) {
        int nc = v->cap ? v->cap * 2 : 4;
        const char **nn = tpl_parser_alloc(p, (size_t)nc * sizeof(*nn));
        if (v->n) {
            memcpy(nn, v->v, (size_t)v->n * sizeof(*nn));
        }
        v->v = nn;
        v->cap = nc;
    }
    v->v[v->n++] = s;
}

/* ---- expressions ---- */

static int is_tuple_end(struct ps *p, const char *const *extra)
{
    struct token *t = tpl_parser_cur(p);
    if (t->type == K_VAR_END || t->type == K_BLOCK_END || t->type == K_RPAREN || t->type == K_EOF) {
        return 1;
    }
    if (extra) {
        for (; *extra; extra++) {
            if (tpl_parser_is_name(t, *extra)) {
                return 1;
            }
        }
    }
    return 0;
}

struct node *tpl_parser_primary(struct ps *p)
{
    struct token *t = tpl_parser_cur(p);
    struct node *n;
    enter(p);
    if (t->type == K_NAME) {
        n = tpl_parser_node(p, N_CONST, t->line);
        if (tpl_parser_is_name(t, "true") || tpl_parser_is_name(t, "True")) {
            n->val = tpl_value_bool(1);
        } else if (tpl_parser_is_name(t, "false") || tpl_parser_is_name(t, "False")) {
            n->val = tpl_value_bool(0);
        } else if (tpl_parser_is_name(t, "none") || tpl_parser_is_name(t, "None")) {
            n->val = tpl_value_none();
        } else {
            n->kind = N_NAME;
            n->str = tpl_parser_tokstr(p, t);
            n->slen = t->n;
            n->hash = tpl_eval_hash(t->s, t->n);
        }
        tpl_parser_next(p);
    } else if (t->type == K_STRING) {
        size_t total = 0;
        size_t i = p->pos;
        char *s;
        n = tpl_parser_node(p, N_CONST, t->line);
        while (p->tk[i].type == K_STRING) {
            total += p->tk[i].n;
            i++;
        }
        s = tpl_parser_alloc(p, total + 1);
        total = 0;
        while (tpl_parser_cur(p)->type == K_STRING) {
            memcpy(s + total, tpl_parser_cur(p)->s, tpl_parser_cur(p)->n);
            total += tpl_parser_cur(p)->n;
            tpl_parser_next(p);
        }
        n->val = tpl_value_str(s, total);
    } else if (t->type == K_INT || t->type == K_FLOAT) {
        n = tpl_parser_node(p, N_CONST, t->line);
        n->val = t->val;
        tpl_parser_next(p);
    } else if (t->type == K_LPAREN) {
        tpl_parser_next(p);
        n = tpl_parser_tuple(p, 0, 1, NULL, 1);
        tpl_parser_expect(p, K_RPAREN);
    } else if (t->type == K_LBRACKET) {
        struct nvec items = {0};
        n = tpl_parser_node(p, N_LIST, t->line);
        tpl_parser_next(p);
        while (tpl_parser_cur(p)->type != K_RBRACKET) {
            if (items.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            if (tpl_parser_cur(p)->type == K_RBRACKET) {
                break;
            }
            tpl_parser_nv_push(p, &items, tpl_parser_expr(p, 1));
        }
        tpl_parser_expect(p, K_RBRACKET);
        n->items = items.v;
        n->n = items.n;
    } else if (t->type == K_LBRACE) {
        struct nvec keys = {0};
        struct nvec vals = {0};
        n = tpl_parser_node(p, N_DICT, t->line);
        tpl_parser_next(p);
        while (tpl_parser_cur(p)->type != K_RBRACE) {
            if (keys.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            if (tpl_parser_cur(p)->type == K_RBRACE) {
                break;
            }
            tpl_parser_nv_push(p, &keys, tpl_parser_expr(p, 1));
            tpl_parser_expect(p, K_COLON);
            tpl_parser_nv_push(p, &vals, tpl_parser_expr(p, 1));
        }
        tpl_parser_expect(p, K_RBRACE);
        n->items = keys.v;
        n->n = keys.n;
        n->kw = vals.v;
        n->nkw = vals.n;
    } else if (t->type == K_EOF) {
        tpl_parser_fail(p, t->line, "unexpected end of template");
    } else {
        tpl_parser_fail(p, t->line, "unexpected '%s'", tpl_parser_describe(p, t));
    }
    p->depth--;
    return n;
}

static struct node *parse_unary(struct ps *p, int with_filter)
{
    struct token *t = tpl_parser_cur(p);
    struct node *n;
    enter(p);
    if (t->type == K_SUB || t->type == K_ADD) {
        tpl_parser_next(p);
        n = tpl_parser_node(p, t->type == K_SUB ? N_NEG : N_POS, t->line);
        n->a = parse_unary(p, 0);
    } else {
        n = tpl_parser_primary(p);
    }
    n = tpl_parser_postfix(p, n);
    if (with_filter) {
        n = tpl_parser_filter_expr(p, n);
    }
    p->depth--;
    return n;
}

static struct node *binop(struct ps *p, int op, struct node *l, struct node *r, int line)
{
    struct node *n = tpl_parser_node(p, N_BINOP, line);
    n->op = (uint16_t)op;
    n->a = l;
    n->b = r;
    return n;
}

static struct node *parse_pow(struct ps *p)
{
    struct node *l = parse_unary(p, 1);
    int chain = 0;
    while (tpl_parser_cur(p)->type == K_POW) {
        tpl_parser_chain(p, &chain);
        int line = tpl_parser_next(p)->line;
        l = binop(p, OP_POW, l, parse_unary(p, 1), line);
    }
    return l;
}

static struct node *parse_math2(struct ps *p)
{
    struct node *l = parse_pow(p);
    int chain = 0;
    for (;;) {
        int ty = tpl_parser_cur(p)->type;
        int op = ty == K_MUL        ? OP_MUL
                 : ty == K_DIV      ? OP_DIV
                 : ty == K_FLOORDIV ? OP_FLOORDIV
                 : ty == K_MOD      ? OP_MOD
                                    : -1;
        int line;
        if (op < 0) {
            return l;
        }
        tpl_parser_chain(p, &chain);
        line = tpl_parser_next(p)->line;
        l = binop(p, op, l, parse_pow(p), line);
    }
}

static struct node *parse_concat(struct ps *p)
{
    struct node *first = parse_math2(p);
    struct nvec args = {0};
    struct node *n;
    if (tpl_parser_cur(p)->type != K_TILDE) {
        return first;
    }
    tpl_parser_nv_push(p, &args, first);
    while (tpl_parser_cur(p)->type == K_TILDE) {
        tpl_parser_next(p);
        tpl_parser_nv_push(p, &args, parse_math2(p));
    }
    n = tpl_parser_node(p, N_CONCAT, first->line);
    n->items = args.v;
    n->n = args.n;
    return n;
}

static struct node *parse_math1(struct ps *p)
{
    struct node *l = parse_concat(p);
    int chain = 0;
    for (;;) {
        int ty = tpl_parser_cur(p)->type;
        int line;
        if (ty != K_ADD && ty != K_SUB) {
            return l;
        }
        tpl_parser_chain(p, &chain);
        line = tpl_parser_next(p)->line;
        l = binop(p, ty == K_ADD ? OP_ADD : OP_SUB, l, parse_concat(p), line);
    }
}

static struct node *parse_compare(struct ps *p)
{
    int line = tpl_parser_cur(p)->line;
    struct node *e = parse_math1(p);
    struct nvec opnds = {0};
    uint8_t ops[64];
    int nops = 0;
    struct node *n;
    for (;;) {
        int ty = tpl_parser_cur(p)->type;
        int op;
        if (ty == K_EQ || ty == K_NE || ty == K_LT || ty == K_LTEQ || ty == K_GT || ty == K_GTEQ) {
            op = ty == K_EQ     ? CMP_EQ
                 : ty == K_NE   ? CMP_NE
                 : ty == K_LT   ? CMP_LT
                 : ty == K_LTEQ ? CMP_LE
                 : ty == K_GT   ? CMP_GT
                                : CMP_GE;
            tpl_parser_next(p);
        } else if (tpl_parser_is_name(tpl_parser_cur(p), "in")) {
            op = CMP_IN;
            tpl_parser_next(p);
        } else if (tpl_parser_is_name(tpl_parser_cur(p), "not") &&
                   tpl_parser_is_name(tpl_parser_look(p), "in")) {
            op = CMP_NOTIN;
            tpl_parser_next(p);
            tpl_parser_next(p);
        } else {
            break;
        }
        if (nops >= 64) {
            tpl_parser_fail(p, line, "too many chained comparisons");
        }
        ops[nops++] = (uint8_t)op;
        tpl_parser_nv_push(p, &opnds, parse_math1(p));
    }
    if (nops == 0) {
        return e;
    }
    n = tpl_parser_node(p, N_COMPARE, line);
    n->a = e;
    n->items = opnds.v;
    n->n = opnds.n;
    n->ops = tpl_parser_alloc(p, (size_t)nops);
    memcpy(n->ops, ops, (size_t)nops);
    return n;
}

static struct node *parse_not(struct ps *p)
{
    if (tpl_parser_is_name(tpl_parser_cur(p), "not")) {
        int line = tpl_parser_next(p)->line;
        struct node *n = tpl_parser_node(p, N_NOT, line);
        enter(p);
        n->a = parse_not(p);
        p->depth--;
        return n;
    }
    return parse_compare(p);
}

static struct node *parse_and(struct ps *p)
{
    struct node *l = parse_not(p);
    int chain = 0;
    while (tpl_parser_is_name(tpl_parser_cur(p), "and")) {
        tpl_parser_chain(p, &chain);
        struct node *n = tpl_parser_node(p, N_AND, tpl_parser_next(p)->line);
        n->a = l;
        n->b = parse_not(p);
        l = n;
    }
    return l;
}

static struct node *parse_or(struct ps *p)
{
    struct node *l = parse_and(p);
    int chain = 0;
    while (tpl_parser_is_name(tpl_parser_cur(p), "or")) {
        tpl_parser_chain(p, &chain);
        struct node *n = tpl_parser_node(p, N_OR, tpl_parser_next(p)->line);
        n->a = l;
        n->b = parse_and(p);
        l = n;
    }
    return l;
}

static struct node *parse_condexpr(struct ps *p)
{
    struct node *e1;
    int chain = 0;
    enter(p);
    e1 = parse_or(p);
    while (tpl_parser_is_name(tpl_parser_cur(p), "if")) {
        tpl_parser_chain(p, &chain);
        struct node *n = tpl_parser_node(p, N_COND, tpl_parser_next(p)->line);
        n->b = parse_or(p);
        n->a = e1;
        if (tpl_parser_is_name(tpl_parser_cur(p), "else")) {
            tpl_parser_next(p);
            n->c = parse_condexpr(p);
        }
        e1 = n;
    }
    p->depth--;
    return e1;
}

struct node *tpl_parser_expr(struct ps *p, int condexpr)
{
    struct node *n;
    enter(p);
    n = condexpr ? parse_condexpr(p) : parse_or(p);
    p->depth--;
    return n;
}

struct node *tpl_parser_tuple(struct ps *p, int simplified, int condexpr,
                              const char *const *extra_end, int explicit_paren)
{
    int line = tpl_parser_cur(p)->line;
    struct nvec args = {0};
    int is_tuple = 0;
    struct node *n;
    for (;;) {
        if (args.n) {
            tpl_parser_expect(p, K_COMMA);
        }
        if (is_tuple_end(p, extra_end)) {
            break;
        }
        tpl_parser_nv_push(p, &args,
                           simplified ? tpl_parser_primary(p) : tpl_parser_expr(p, condexpr));
        if (tpl_parser_cur(p)->type == K_COMMA) {
            is_tuple = 1;
        } else {
            break;
        }
    }
    if (!is_tuple) {
        if (args.n) {
            return args.v[0];
        }
        if (!explicit_paren) {
            tpl_parser_fail(p, tpl_parser_cur(p)->line, "Expected an expression, got '%s'",
                            tpl_parser_describe(p, tpl_parser_cur(p)));
        }
    }
    n = tpl_parser_node(p, N_TUPLE, line);
    n->items = args.v;
    n->n = args.n;
    return n;
}
