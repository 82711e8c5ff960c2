/* parser_postfix.c - call arguments, filters, tests, subscripts and the
 * postfix chain of an expression (a.b, a[b], a(b), a|f, a is t). */
#include <string.h>

#include "parser.h"

static void parse_call_args(struct ps *p, struct node *n)
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

/* A filter or test name after its first token t: "name" or a dotted
 * "ansible.builtin.name", written into name (cap bytes); returns its
 * length. */
static size_t dotted_name(struct ps *p, struct token *t, char *name, size_t cap)
{
    size_t nl = t->n < cap - 1 ? t->n : cap - 1;

    memcpy(name, t->s, nl);
    name[nl] = '\0';
    while (ps_cur(p)->type == K_DOT) {
        struct token *t2;

        ps_next(p);
        t2 = ps_expect(p, K_NAME);
        if (nl + 1 + t2->n < cap) {
            name[nl++] = '.';
            memcpy(name + nl, t2->s, t2->n);
            nl += t2->n;
            name[nl] = '\0';
        }
    }
    return nl;
}

struct node *ps_parse_filter(struct ps *p, struct node *in, int start_inline)
{
    int chain = 0;
    while (ps_cur(p)->type == K_PIPE || start_inline) {
        ps_chain(p, &chain);
        struct token *t;
        struct node *f;
        char name[128];
        size_t nl;
        if (!start_inline) {
            ps_next(p);
        }
        t = ps_expect(p, K_NAME);
        nl = dotted_name(p, t, name, sizeof(name));
        f = ps_mk(p, N_FILTER, t->line);
        f->a = in;
        f->str = ps_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
        f->slen = nl;
        f->ffn = tpl_filter_lookup(f->str); /* NULL: unknown, see check.c */
        if (ps_cur(p)->type == K_LPAREN) {
            parse_call_args(p, f);
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
    nl = dotted_name(p, t, name, sizeof(name));
    n = ps_mk(p, N_TEST, is->line);
    n->a = in;
    n->str = ps_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
    n->tfn = tpl_test_lookup(n->str); /* NULL: unknown, see check.c */
    if (ps_cur(p)->type == K_LPAREN) {
        parse_call_args(p, n);
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
    parse_call_args(p, n);
    return n;
}

struct node *ps_parse_postfix(struct ps *p, struct node *n)
{
    int chain = 0;
    for (;;) {
        ps_chain(p, &chain);
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
    int chain = 0;
    for (;;) {
        ps_chain(p, &chain);
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

