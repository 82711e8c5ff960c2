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
    void *r = arena_alloc(&p->t->ar, n);
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
    return tok_describe(type);
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

void ps_enter(struct ps *p)
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

void ps_parse_call_args(struct ps *p, struct node *n)
{
    struct nvec args = {0};
    struct nvec kws = {0};
    struct svec kwn = {0};
    int require_comma = 0;
    int line = ps_cur(p)->line;
    ps_expect(p, K_LPAREN);
    while (ps_cur(p)->type != K_RPAREN) {
        if (require_comma) {
            ps_expect(p, K_COMMA);
            if (ps_cur(p)->type == K_RPAREN) {
                break;
            }
        }
        if (ps_cur(p)->type == K_MUL) {
            if (n->c || n->d) {
                ps_pfail(p, line, "invalid syntax for function call expression");
            }
            ps_next(p);
            n->c = ps_parse_expr(p, 1);
        } else if (ps_cur(p)->type == K_POW) {
            if (n->d) {
                ps_pfail(p, line, "invalid syntax for function call expression");
            }
            ps_next(p);
            n->d = ps_parse_expr(p, 1);
        } else if (ps_cur(p)->type == K_NAME && ps_look(p)->type == K_ASSIGN) {
            if (n->d) {
                ps_pfail(p, line, "invalid syntax for function call expression");
            }
            ps_sv_push(p, &kwn, ps_tokstr(p, ps_cur(p)));
            ps_next(p);
            ps_next(p);
            ps_nv_push(p, &kws, ps_parse_expr(p, 1));
        } else {
            if (n->c || n->d || kws.n) {
                ps_pfail(p, line, "invalid syntax for function call expression");
            }
            ps_nv_push(p, &args, ps_parse_expr(p, 1));
        }
        require_comma = 1;
    }
    ps_expect(p, K_RPAREN);
    n->items = args.v;
    n->n = args.n;
    n->kw = kws.v;
    n->kwn = kwn.v;
    n->nkw = kws.n;
}

struct node *ps_parse_filter(struct ps *p, struct node *in, int start_inline)
{
    while (ps_cur(p)->type == K_PIPE || start_inline) {
        struct token *t;
        struct node *f;
        char name[128];
        size_t nl;
        if (!start_inline) {
            ps_next(p);
        }
        t = ps_expect(p, K_NAME);
        nl = t->n < sizeof(name) - 1 ? t->n : sizeof(name) - 1;
        memcpy(name, t->s, nl);
        name[nl] = '\0';
        while (ps_cur(p)->type == K_DOT) {
            struct token *t2;
            ps_next(p);
            t2 = ps_expect(p, K_NAME);
            if (nl + 1 + t2->n < sizeof(name)) {
                name[nl++] = '.';
                memcpy(name + nl, t2->s, t2->n);
                nl += t2->n;
                name[nl] = '\0';
            }
        }
        f = ps_mk(p, N_FILTER, t->line);
        f->a = in;
        f->str = ps_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
        f->slen = nl;
        f->ffn = filter_lookup(f->str);
        if (f->ffn == NULL) {
            ps_pfail(p, t->line, "No filter named '%s'.", f->str);
        }
        if (ps_cur(p)->type == K_LPAREN) {
            ps_parse_call_args(p, f);
        }
        in = f;
        start_inline = 0;
    }
    return in;
}

static struct node *parse_test(struct ps *p, struct node *in)
{
    struct token *is = ps_next(p);
    int negated = 0;
    struct token *t;
    struct node *n;
    char name[128];
    size_t nl;
    if (ps_is_name(ps_cur(p), "not")) {
        ps_next(p);
        negated = 1;
    }
    t = ps_expect(p, K_NAME);
    nl = t->n < sizeof(name) - 1 ? t->n : sizeof(name) - 1;
    memcpy(name, t->s, nl);
    name[nl] = '\0';
    while (ps_cur(p)->type == K_DOT) {
        struct token *t2;
        ps_next(p);
        t2 = ps_expect(p, K_NAME);
        if (nl + 1 + t2->n < sizeof(name)) {
            name[nl++] = '.';
            memcpy(name + nl, t2->s, t2->n);
            nl += t2->n;
            name[nl] = '\0';
        }
    }
    n = ps_mk(p, N_TEST, is->line);
    n->a = in;
    n->str = ps_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
    n->tfn = test_lookup(n->str);
    if (n->tfn == NULL) {
        ps_pfail(p, t->line, "No test named '%s'.", n->str);
    }
    if (ps_cur(p)->type == K_LPAREN) {
        ps_parse_call_args(p, n);
    } else {
        int ty = ps_cur(p)->type;
        if ((ty == K_NAME || ty == K_STRING || ty == K_INT || ty == K_FLOAT || ty == K_LPAREN ||
             ty == K_LBRACKET || ty == K_LBRACE) &&
            !ps_is_name(ps_cur(p), "else") && !ps_is_name(ps_cur(p), "or") && !ps_is_name(ps_cur(p), "and")) {
            struct node *arg;
            if (ps_is_name(ps_cur(p), "is")) {
                ps_pfail(p, ps_cur(p)->line, "You cannot chain multiple tests with is");
            }
            arg = ps_parse_postfix(p, ps_parse_primary(p));
            n->items = ps_palloc(p, sizeof(struct node *));
            n->items[0] = arg;
            n->n = 1;
        }
    }
    if (negated) {
        struct node *x = ps_mk(p, N_NOT, is->line);
        x->a = n;
        return x;
    }
    return n;
}

static struct node *parse_subscribed(struct ps *p)
{
    int line = ps_cur(p)->line;
    struct node *sl;
    struct node *first = NULL;
    if (ps_cur(p)->type == K_COLON) {
        ps_next(p);
    } else {
        struct node *e = ps_parse_expr(p, 1);
        if (ps_cur(p)->type != K_COLON) {
            return e;
        }
        ps_next(p);
        first = e;
    }
    sl = ps_mk(p, N_SLICE, line);
    sl->a = first;
    if (ps_cur(p)->type != K_COLON && ps_cur(p)->type != K_RBRACKET && ps_cur(p)->type != K_COMMA) {
        sl->b = ps_parse_expr(p, 1);
    }
    if (ps_cur(p)->type == K_COLON) {
        ps_next(p);
        if (ps_cur(p)->type != K_RBRACKET && ps_cur(p)->type != K_COMMA) {
            sl->c = ps_parse_expr(p, 1);
        }
    }
    return sl;
}

static struct node *parse_subscript(struct ps *p, struct node *obj)
{
    struct token *t = ps_next(p);
    struct node *n;
    if (t->type == K_DOT) {
        struct token *a = ps_next(p);
        if (a->type == K_NAME) {
            n = ps_mk(p, N_GETATTR, t->line);
            n->a = obj;
            n->str = ps_tokstr(p, a);
            n->slen = a->n;
            return n;
        }
        if (a->type != K_INT) {
            ps_pfail(p, a->line, "expected name or number");
        }
        n = ps_mk(p, N_GETITEM, t->line);
        n->a = obj;
        n->b = ps_mk(p, N_CONST, a->line);
        n->b->val = a->val;
        return n;
    }
    {
        struct nvec args = {0};
        while (ps_cur(p)->type != K_RBRACKET) {
            if (args.n) {
                ps_expect(p, K_COMMA);
            }
            ps_nv_push(p, &args, parse_subscribed(p));
        }
        ps_expect(p, K_RBRACKET);
        n = ps_mk(p, N_GETITEM, t->line);
        n->a = obj;
        if (args.n == 1) {
            n->b = args.v[0];
        } else {
            n->b = ps_mk(p, N_TUPLE, t->line);
            n->b->items = args.v;
            n->b->n = args.n;
        }
        return n;
    }
}

static struct node *parse_call(struct ps *p, struct node *fn)
{
    struct node *n = ps_mk(p, N_CALL, ps_cur(p)->line);
    n->a = fn;
    ps_parse_call_args(p, n);
    return n;
}

struct node *ps_parse_postfix(struct ps *p, struct node *n)
{
    for (;;) {
        int ty = ps_cur(p)->type;
        if (ty == K_DOT || ty == K_LBRACKET) {
            n = parse_subscript(p, n);
        } else if (ty == K_LPAREN) {
            n = parse_call(p, n);
        } else {
            return n;
        }
    }
}

struct node *ps_parse_filter_expr(struct ps *p, struct node *n)
{
    for (;;) {
        int ty = ps_cur(p)->type;
        if (ty == K_PIPE) {
            n = ps_parse_filter(p, n, 0);
        } else if (ps_is_name(ps_cur(p), "is")) {
            n = parse_test(p, n);
        } else if (ty == K_LPAREN) {
            n = parse_call(p, n);
        } else {
            return n;
        }
    }
}

struct node *ps_parse_primary(struct ps *p)
{
    struct token *t = ps_cur(p);
    struct node *n;
    ps_enter(p);
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
    ps_enter(p);
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
    while (ps_cur(p)->type == K_POW) {
        int line = ps_next(p)->line;
        l = binop(p, OP_POW, l, parse_unary(p, 1), line);
    }
    return l;
}

static struct node *parse_math2(struct ps *p)
{
    struct node *l = parse_pow(p);
    for (;;) {
        int ty = ps_cur(p)->type;
        int op = ty == K_MUL ? OP_MUL : ty == K_DIV ? OP_DIV : ty == K_FLOORDIV ? OP_FLOORDIV
                 : ty == K_MOD ? OP_MOD : -1;
        int line;
        if (op < 0) {
            return l;
        }
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
    for (;;) {
        int ty = ps_cur(p)->type;
        int line;
        if (ty != K_ADD && ty != K_SUB) {
            return l;
        }
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
        ps_enter(p);
        n->a = parse_not(p);
        p->depth--;
        return n;
    }
    return parse_compare(p);
}

static struct node *parse_and(struct ps *p)
{
    struct node *l = parse_not(p);
    while (ps_is_name(ps_cur(p), "and")) {
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
    while (ps_is_name(ps_cur(p), "or")) {
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
    ps_enter(p);
    e1 = parse_or(p);
    while (ps_is_name(ps_cur(p), "if")) {
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
    ps_enter(p);
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

