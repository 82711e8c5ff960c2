/* parser.c - tokens to AST, mirroring Jinja2's Parser: same precedence
 * (including ** binding left to right and unary minus binding tighter
 * than **), same statements and the same error messages where practical.
 * Errors unwind with longjmp to tpl_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parser.h"

_Noreturn void ps_pfail(struct ps *p, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tpl_error(p->err, p->t, line, "%s", msg);
    longjmp(p->jb, 1);
}

void *ps_palloc(struct ps *p, size_t n)
{
    void *r = tpl_arena_alloc(&p->t->ar, n);
    if (r == NULL) {
        ps_pfail(p, 0, "out of memory");
    }
    memset(r, 0, n);
    return r;
}

struct node *ps_mk(struct ps *p, int kind, int line)
{
    struct node *n = ps_palloc(p, sizeof(*n));
    n->kind = (uint16_t)kind;
    n->line = line;
    return n;
}

struct token *ps_cur(struct ps *p)
{
    return &p->tk[p->pos];
}

struct token *ps_look(struct ps *p)
{
    return &p->tk[p->pos + 1 < p->ntk ? p->pos + 1 : p->pos];
}

struct token *ps_next(struct ps *p)
{
    struct token *t = ps_cur(p);
    if (p->pos + 1 < p->ntk) {
        p->pos++;
    }
    return t;
}

int ps_is_name(struct token *t, const char *v)
{
    return t->type == K_NAME && t->n == strlen(v) && memcmp(t->s, v, t->n) == 0;
}

static const char *op_text(int type)
{
    static const char *const txt[] = {"+", "-", "/", "//", "*", "**", "%", "~", "[", "]", "(", ")",
                                      "{", "}", "==", "!=", ">", ">=", "<", "<=", "=", ".", ":",
                                      "|", ",", ";"};
    if (type >= K_ADD && type <= K_SEMICOLON) {
        return txt[type - K_ADD];
    }
    return tpl_tok_describe(type);
}

const char *ps_describe(struct ps *p, struct token *t)
{
    if (t->type == K_NAME) {
        char *s = ps_palloc(p, t->n + 1);
        memcpy(s, t->s, t->n);
        return s;
    }
    return op_text(t->type);
}

struct token *ps_expect(struct ps *p, int type)
{
    struct token *t = ps_cur(p);
    if (t->type != type) {
        if (t->type == K_EOF) {
            ps_pfail(p, t->line, "unexpected end of template, expected '%s'.", op_text(type));
        }
        ps_pfail(p, t->line, "expected token '%s', got '%s'", op_text(type), ps_describe(p, t));
    }
    return ps_next(p);
}

void ps_expect_name(struct ps *p, const char *v)
{
    struct token *t = ps_cur(p);
    if (!ps_is_name(t, v)) {
        if (t->type == K_EOF) {
            ps_pfail(p, t->line, "unexpected end of template, expected '%s'.", v);
        }
        ps_pfail(p, t->line, "expected token '%s', got '%s'", v, ps_describe(p, t));
    }
    ps_next(p);
}

const char *ps_tokstr(struct ps *p, struct token *t)
{
    char *s = ps_palloc(p, t->n + 1);
    memcpy(s, t->s, t->n);
    return s;
}

/* left-deep chains (a + b + c ..., a.b.c ..., x|f|g ...) are evaluated
 * recursively: bound their length like nesting */
void ps_chain(struct ps *p, int *count)
{
    if (++*count > TPL_MAX_CHAIN) {
        ps_pfail(p, ps_cur(p)->line, "expression too long (more than %d chained operations)",
                 TPL_MAX_CHAIN);
    }
}

static void enter(struct ps *p)
{
    if (++p->depth > TPL_MAX_PARSE_DEPTH) {
        ps_pfail(p, ps_cur(p)->line, "template nested too deeply (limit %d)", TPL_MAX_PARSE_DEPTH);
    }
}

/* ---- growing node arrays ---- */
void ps_nv_push(struct ps *p, struct nvec *v, struct node *n)
{
    if (v->n == v->cap) {
        int nc = v->cap ? v->cap * 2 : 4;
        struct node **nn = ps_palloc(p, (size_t)nc * sizeof(*nn));
        if (v->n) {
            memcpy(nn, v->v, (size_t)v->n * sizeof(*nn));
        }
        v->v = nn;
        v->cap = nc;
    }
    v->v[v->n++] = n;
}
void ps_sv_push(struct ps *p, struct svec *v, const char *s)
{
    if (v->n == v->cap) {
        int nc = v->cap ? v->cap * 2 : 4;
        const char **nn = ps_palloc(p, (size_t)nc * sizeof(*nn));
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
    struct token *t = ps_cur(p);
    if (t->type == K_VAR_END || t->type == K_BLOCK_END || t->type == K_RPAREN || t->type == K_EOF) {
        return 1;
    }
    if (extra) {
        for (; *extra; extra++) {
            if (ps_is_name(t, *extra)) {
                return 1;
            }
        }
    }
    return 0;
}

struct node *ps_parse_primary(struct ps *p)
{
    struct token *t = ps_cur(p);
    struct node *n;
    enter(p);
    if (t->type == K_NAME) {
        n = ps_mk(p, N_CONST, t->line);
        if (ps_is_name(t, "true") || ps_is_name(t, "True")) {
            n->val = v_bool(1);
        } else if (ps_is_name(t, "false") || ps_is_name(t, "False")) {
            n->val = v_bool(0);
        } else if (ps_is_name(t, "none") || ps_is_name(t, "None")) {
            n->val = v_none();
        } else {
            n->kind = N_NAME;
            n->str = ps_tokstr(p, t);
            n->slen = t->n;
            n->hash = tpl_hash(t->s, t->n);
        }
        ps_next(p);
    } else if (t->type == K_STRING) {
        size_t total = 0;
        size_t i = p->pos;
        char *s;
        n = ps_mk(p, N_CONST, t->line);
        while (p->tk[i].type == K_STRING) {
            total += p->tk[i].n;
            i++;
        }
        s = ps_palloc(p, total + 1);
        total = 0;
        while (ps_cur(p)->type == K_STRING) {
            memcpy(s + total, ps_cur(p)->s, ps_cur(p)->n);
            total += ps_cur(p)->n;
            ps_next(p);
        }
        n->val = v_str(s, total);
    } else if (t->type == K_INT || t->type == K_FLOAT) {
        n = ps_mk(p, N_CONST, t->line);
        n->val = t->val;
        ps_next(p);
    } else if (t->type == K_LPAREN) {
        ps_next(p);
        n = ps_parse_tuple(p, 0, 1, NULL, 1);
        ps_expect(p, K_RPAREN);
    } else if (t->type == K_LBRACKET) {
        struct nvec items = {0};
        n = ps_mk(p, N_LIST, t->line);
        ps_next(p);
        while (ps_cur(p)->type != K_RBRACKET) {
            if (items.n) {
                ps_expect(p, K_COMMA);
            }
            if (ps_cur(p)->type == K_RBRACKET) {
                break;
            }
            ps_nv_push(p, &items, ps_parse_expr(p, 1));
        }
        ps_expect(p, K_RBRACKET);
        n->items = items.v;
        n->n = items.n;
    } else if (t->type == K_LBRACE) {
        struct nvec keys = {0};
        struct nvec vals = {0};
        n = ps_mk(p, N_DICT, t->line);
        ps_next(p);
        while (ps_cur(p)->type != K_RBRACE) {
            if (keys.n) {
                ps_expect(p, K_COMMA);
            }
            if (ps_cur(p)->type == K_RBRACE) {
                break;
            }
            ps_nv_push(p, &keys, ps_parse_expr(p, 1));
            ps_expect(p, K_COLON);
            ps_nv_push(p, &vals, ps_parse_expr(p, 1));
        }
        ps_expect(p, K_RBRACE);
        n->items = keys.v;
        n->n = keys.n;
        n->kw = vals.v;
        n->nkw = vals.n;
    } else if (t->type == K_EOF) {
        ps_pfail(p, t->line, "unexpected end of template");
    } else {
        ps_pfail(p, t->line, "unexpected '%s'", ps_describe(p, t));
    }
    p->depth--;
    return n;
}

static struct node *parse_unary(struct ps *p, int with_filter)
{
    struct token *t = ps_cur(p);
    struct node *n;
    enter(p);
    if (t->type == K_SUB || t->type == K_ADD) {
        ps_next(p);
        n = ps_mk(p, t->type == K_SUB ? N_NEG : N_POS, t->line);
        n->a = parse_unary(p, 0);
    } else {
        n = ps_parse_primary(p);
    }
    n = ps_parse_postfix(p, n);
    if (with_filter) {
        n = ps_parse_filter_expr(p, n);
    }
    p->depth--;
    return n;
}

static struct node *binop(struct ps *p, int op, struct node *l, struct node *r, int line)
{
    struct node *n = ps_mk(p, N_BINOP, line);
    n->op = (uint16_t)op;
    n->a = l;
    n->b = r;
    return n;
}

static struct node *parse_pow(struct ps *p)
{
    struct node *l = parse_unary(p, 1);
    int chain = 0;
    while (ps_cur(p)->type == K_POW) {
        ps_chain(p, &chain);
        int line = ps_next(p)->line;
        l = binop(p, OP_POW, l, parse_unary(p, 1), line);
    }
    return l;
}

static struct node *parse_math2(struct ps *p)
{
    struct node *l = parse_pow(p);
    int chain = 0;
    for (;;) {
        int ty = ps_cur(p)->type;
        int op = ty == K_MUL ? OP_MUL : ty == K_DIV ? OP_DIV : ty == K_FLOORDIV ? OP_FLOORDIV
                 : ty == K_MOD ? OP_MOD : -1;
        int line;
        if (op < 0) {
            return l;
        }
        ps_chain(p, &chain);
        line = ps_next(p)->line;
        l = binop(p, op, l, parse_pow(p), line);
    }
}

static struct node *parse_concat(struct ps *p)
{
    struct node *first = parse_math2(p);
    struct nvec args = {0};
    struct node *n;
    if (ps_cur(p)->type != K_TILDE) {
        return first;
    }
    ps_nv_push(p, &args, first);
    while (ps_cur(p)->type == K_TILDE) {
        ps_next(p);
        ps_nv_push(p, &args, parse_math2(p));
    }
    n = ps_mk(p, N_CONCAT, first->line);
    n->items = args.v;
    n->n = args.n;
    return n;
}

static struct node *parse_math1(struct ps *p)
{
    struct node *l = parse_concat(p);
    int chain = 0;
    for (;;) {
        int ty = ps_cur(p)->type;
        int line;
        if (ty != K_ADD && ty != K_SUB) {
            return l;
        }
        ps_chain(p, &chain);
        line = ps_next(p)->line;
        l = binop(p, ty == K_ADD ? OP_ADD : OP_SUB, l, parse_concat(p), line);
    }
}

static struct node *parse_compare(struct ps *p)
{
    int line = ps_cur(p)->line;
    struct node *e = parse_math1(p);
    struct nvec opnds = {0};
    uint8_t ops[64];
    int nops = 0;
    struct node *n;
    for (;;) {
        int ty = ps_cur(p)->type;
        int op;
        if (ty == K_EQ || ty == K_NE || ty == K_LT || ty == K_LTEQ || ty == K_GT || ty == K_GTEQ) {
            op = ty == K_EQ ? CMP_EQ : ty == K_NE ? CMP_NE : ty == K_LT ? CMP_LT
                 : ty == K_LTEQ ? CMP_LE : ty == K_GT ? CMP_GT : CMP_GE;
            ps_next(p);
        } else if (ps_is_name(ps_cur(p), "in")) {
            op = CMP_IN;
            ps_next(p);
        } else if (ps_is_name(ps_cur(p), "not") && ps_is_name(ps_look(p), "in")) {
            op = CMP_NOTIN;
            ps_next(p);
            ps_next(p);
        } else {
            break;
        }
        if (nops >= 64) {
            ps_pfail(p, line, "too many chained comparisons");
        }
        ops[nops++] = (uint8_t)op;
        ps_nv_push(p, &opnds, parse_math1(p));
    }
    if (nops == 0) {
        return e;
    }
    n = ps_mk(p, N_COMPARE, line);
    n->a = e;
    n->items = opnds.v;
    n->n = opnds.n;
    n->ops = ps_palloc(p, (size_t)nops);
    memcpy(n->ops, ops, (size_t)nops);
    return n;
}

static struct node *parse_not(struct ps *p)
{
    if (ps_is_name(ps_cur(p), "not")) {
        int line = ps_next(p)->line;
        struct node *n = ps_mk(p, N_NOT, line);
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
    while (ps_is_name(ps_cur(p), "and")) {
        ps_chain(p, &chain);
        struct node *n = ps_mk(p, N_AND, ps_next(p)->line);
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
    while (ps_is_name(ps_cur(p), "or")) {
        ps_chain(p, &chain);
        struct node *n = ps_mk(p, N_OR, ps_next(p)->line);
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
    while (ps_is_name(ps_cur(p), "if")) {
        ps_chain(p, &chain);
        struct node *n = ps_mk(p, N_COND, ps_next(p)->line);
        n->b = parse_or(p);
        n->a = e1;
        if (ps_is_name(ps_cur(p), "else")) {
            ps_next(p);
            n->c = parse_condexpr(p);
        }
        e1 = n;
    }
    p->depth--;
    return e1;
}

struct node *ps_parse_expr(struct ps *p, int condexpr)
{
    struct node *n;
    enter(p);
    n = condexpr ? parse_condexpr(p) : parse_or(p);
    p->depth--;
    return n;
}

struct node *ps_parse_tuple(struct ps *p, int simplified, int condexpr,
                                const char *const *extra_end, int explicit_paren)
{
    int line = ps_cur(p)->line;
    struct nvec args = {0};
    int is_tuple = 0;
    struct node *n;
    for (;;) {
        if (args.n) {
            ps_expect(p, K_COMMA);
        }
        if (is_tuple_end(p, extra_end)) {
            break;
        }
        ps_nv_push(p, &args, simplified ? ps_parse_primary(p) : ps_parse_expr(p, condexpr));
        if (ps_cur(p)->type == K_COMMA) {
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
            ps_pfail(p, ps_cur(p)->line, "Expected an expression, got '%s'", ps_describe(p, ps_cur(p)));
        }
    }
    n = ps_mk(p, N_TUPLE, line);
    n->items = args.v;
    n->n = args.n;
    return n;
}

