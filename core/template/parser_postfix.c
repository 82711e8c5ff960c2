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
    int line = tpl_parser_cur(p)->line;
    tpl_parser_expect(p, K_LPAREN);
    while (tpl_parser_cur(p)->type != K_RPAREN) {
        if (require_comma) {
            tpl_parser_expect(p, K_COMMA);
            if (tpl_parser_cur(p)->type == K_RPAREN) {
                break;
            }
        }
        if (tpl_parser_cur(p)->type == K_MUL) {
            if (n->c || n->d) {
                tpl_parser_fail(p, line, "invalid syntax for function call expression");
            }
            tpl_parser_next(p);
            n->c = tpl_parser_expr(p, 1);
        } else if (tpl_parser_cur(p)->type == K_POW) {
            if (n->d) {
                tpl_parser_fail(p, line, "invalid syntax for function call expression");
            }
            tpl_parser_next(p);
            n->d = tpl_parser_expr(p, 1);
        } else if (tpl_parser_cur(p)->type == K_NAME && tpl_parser_look(p)->type == K_ASSIGN) {
            if (n->d) {
                tpl_parser_fail(p, line, "invalid syntax for function call expression");
            }
            tpl_parser_sv_push(p, &kwn, tpl_parser_tokstr(p, tpl_parser_cur(p)));
            tpl_parser_next(p);
            tpl_parser_next(p);
            tpl_parser_nv_push(p, &kws, tpl_parser_expr(p, 1));
        } else {
            if (n->c || n->d || kws.n) {
                tpl_parser_fail(p, line, "invalid syntax for function call expression");
            }
            tpl_parser_nv_push(p, &args, tpl_parser_expr(p, 1));
        }
        require_comma = 1;
    }
    tpl_parser_expect(p, K_RPAREN);
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
    while (tpl_parser_cur(p)->type == K_DOT) {
        struct token *t2;

        tpl_parser_next(p);
        t2 = tpl_parser_expect(p, K_NAME);
        if (nl + 1 + t2->n < cap) {
            name[nl++] = '.';
            memcpy(name + nl, t2->s, t2->n);
            nl += t2->n;
            name[nl] = '\0';
        }
    }
    return nl;
}

struct node *tpl_parser_filter(struct ps *p, struct node *in, int start_inline)
{
    int chain = 0;
    while (tpl_parser_cur(p)->type == K_PIPE || start_inline) {
        tpl_parser_chain(p, &chain);
        struct token *t;
        struct node *f;
        char name[128];
        size_t nl;
        const struct fentry *fe;
        if (!start_inline) {
            tpl_parser_next(p);
        }
        t = tpl_parser_expect(p, K_NAME);
        nl = dotted_name(p, t, name, sizeof(name));
        f = tpl_parser_node(p, N_FILTER, t->line);
        f->a = in;
        f->str = tpl_parser_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
        f->slen = nl;
        fe = tpl_filters_find(f->str); /* NULL: unknown, see check.c */
        f->ffn = fe != NULL ? fe->fn : NULL;
        if (fe != NULL && (fe->flags & FILTER_PASS_CONTEXT)) {
            f->flags |= NF_PASSCTX;
        }
        if (tpl_parser_cur(p)->type == K_LPAREN) {
            parse_call_args(p, f);
        }
        in = f;
        start_inline = 0;
    }
    return in;
}

static struct node *parse_test(struct ps *p, struct node *in)
{
    struct token *is = tpl_parser_next(p);
    int negated = 0;
    struct token *t;
    struct node *n;
    char name[128];
    size_t nl;
    if (tpl_parser_is_name(tpl_parser_cur(p), "not")) {
        tpl_parser_next(p);
        negated = 1;
    }
    t = tpl_parser_expect(p, K_NAME);
    nl = dotted_name(p, t, name, sizeof(name));
    n = tpl_parser_node(p, N_TEST, is->line);
    n->a = in;
    n->str = tpl_parser_tokstr(p, &(struct token){K_NAME, 0, name, nl, {0}});
    n->tfn = tpl_tests_lookup(n->str); /* NULL: unknown, see check.c */
    if (tpl_parser_cur(p)->type == K_LPAREN) {
        parse_call_args(p, n);
    } else {
        int ty = tpl_parser_cur(p)->type;
        if ((ty == K_NAME || ty == K_STRING || ty == K_INT || ty == K_FLOAT || ty == K_LPAREN ||
             ty == K_LBRACKET || ty == K_LBRACE) &&
            !tpl_parser_is_name(tpl_parser_cur(p), "else") &&
            !tpl_parser_is_name(tpl_parser_cur(p), "or") &&
            !tpl_parser_is_name(tpl_parser_cur(p), "and")) {
            struct node *arg;
            if (tpl_parser_is_name(tpl_parser_cur(p), "is")) {
                tpl_parser_fail(p, tpl_parser_cur(p)->line,
                                "You cannot chain multiple tests with is");
            }
            arg = tpl_parser_postfix(p, tpl_parser_primary(p));
            n->items = tpl_parser_alloc(p, sizeof(struct node *));
            n->items[0] = arg;
            n->n = 1;
        }
    }
    if (negated) {
        struct node *x = tpl_parser_node(p, N_NOT, is->line);
        x->a = n;
        return x;
    }
    return n;
}

static struct node *parse_subscribed(struct ps *p)
{
    int line = tpl_parser_cur(p)->line;
    struct node *sl;
    struct node *first = NULL;
    if (tpl_parser_cur(p)->type == K_COLON) {
        tpl_parser_next(p);
    } else {
        struct node *e = tpl_parser_expr(p, 1);
        if (tpl_parser_cur(p)->type != K_COLON) {
            return e;
        }
        tpl_parser_next(p);
        first = e;
    }
    sl = tpl_parser_node(p, N_SLICE, line);
    sl->a = first;
    if (tpl_parser_cur(p)->type != K_COLON && tpl_parser_cur(p)->type != K_RBRACKET &&
        tpl_parser_cur(p)->type != K_COMMA) {
        sl->b = tpl_parser_expr(p, 1);
    }
    if (tpl_parser_cur(p)->type == K_COLON) {
        tpl_parser_next(p);
        if (tpl_parser_cur(p)->type != K_RBRACKET && tpl_parser_cur(p)->type != K_COMMA) {
            sl->c = tpl_parser_expr(p, 1);
        }
    }
    return sl;
}

static struct node *parse_subscript(struct ps *p, struct node *obj)
{
    struct token *t = tpl_parser_next(p);
    struct node *n;
    if (t->type == K_DOT) {
        struct token *a = tpl_parser_next(p);
        if (a->type == K_NAME) {
            n = tpl_parser_node(p, N_GETATTR, t->line);
            n->a = obj;
            n->str = tpl_parser_tokstr(p, a);
            n->slen = a->n;
            return n;
        }
        if (a->type != K_INT) {
            tpl_parser_fail(p, a->line, "expected name or number");
        }
        n = tpl_parser_node(p, N_GETITEM, t->line);
        n->a = obj;
        n->b = tpl_parser_node(p, N_CONST, a->line);
        n->b->val = a->val;
        return n;
    }
    {
        struct nvec args = {0};
        while (tpl_parser_cur(p)->type != K_RBRACKET) {
            if (args.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            tpl_parser_nv_push(p, &args, parse_subscribed(p));
        }
        tpl_parser_expect(p, K_RBRACKET);
        n = tpl_parser_node(p, N_GETITEM, t->line);
        n->a = obj;
        if (args.n == 1) {
            n->b = args.v[0];

        } else {
            n->b = tpl_parser_node(p, N_TUPLE, t->line);
            n->b->items = args.v;
            n->b->n = args.n;
        }
        return n;
    }
}

static struct node *parse_call(struct ps *p, struct node *fn)
{
    struct node *n = tpl_parser_node(p, N_CALL, tpl_parser_cur(p)->line);
    n->a = fn;
    parse_call_args(p, n);
    return n;
}

struct node *tpl_parser_postfix(struct ps *p, struct node *n)
{
    int chain = 0;
    for (;;) {
        tpl_parser_chain(p, &chain);
        int ty = tpl_parser_cur(p)->type;
        if (ty == K_DOT || ty == K_LBRACKET) {
            n = parse_subscript(p, n);
        } else if (ty == K_LPAREN) {
            n = parse_call(p, n);
        } else {
            return n;
        }
    }
}

struct node *tpl_parser_filter_expr(struct ps *p, struct node *n)
{
    int chain = 0;
    for (;;) {
        tpl_parser_chain(p, &chain);
        int ty = tpl_parser_cur(p)->type;
        if (ty == K_PIPE) {
            n = tpl_parser_filter(p, n, 0);
        } else if (tpl_parser_is_name(tpl_parser_cur(p), "is")) {
            n = parse_test(p, n);
        } else if (ty == K_LPAREN) {
            n = parse_call(p, n);
        } else {
            return n;
        }
    }
}
