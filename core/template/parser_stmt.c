/* parser_stmt.c - statements ({% ... %}) and the parser entry point. */
#include <stdio.h>
#include <string.h>

#include "parser.h"

static struct node *subparse(struct ps *p, const char *const *ends);

static const char *const E_ENDIF[] = {"elif", "else", "endif", NULL};
static const char *const E_ENDIF_ONLY[] = {"endif", NULL};
static const char *const E_FOR[] = {"endfor", "else", NULL};
static const char *const E_ENDFOR[] = {"endfor", NULL};
static const char *const E_ENDSET[] = {"endset", NULL};
static const char *const E_ENDMACRO[] = {"endmacro", NULL};
static const char *const E_ENDCALL[] = {"endcall", NULL};
static const char *const E_ENDFILTER[] = {"endfilter", NULL};
static const char *const E_ENDWITH[] = {"endwith", NULL};
static const char *const E_ENDAUTOESC[] = {"endautoescape", NULL};
static const char *const X_IN[] = {"in", NULL};
static const char *const X_RECURSIVE[] = {"recursive", NULL};

static void append_list(char *buf, size_t cap, const char *const *ends)
{
    size_t k = strlen(buf);
    int first = 1;
    for (; *ends; ends++) {
        int w = snprintf(buf + k, cap - k, "%s'%s'", first ? "" : " or ", *ends);
        if (w < 0 || (size_t)w >= cap - k) {
            return;
        }
        k += (size_t)w;
        first = 0;
    }
}

_Noreturn static void fail_ut_eof(struct ps *p, const char *name, int line,
                                  const char *const *extra)
{
    char msg[450];
    const char *const *looking = extra ? extra : (p->nends ? p->ends[p->nends - 1] : NULL);
    int expected = 0;
    int i;
    if (name) {
        const char *const *e;
        for (i = 0; i < p->nends; i++) {
            for (e = p->ends[i]; *e; e++) {
                if (strcmp(*e, name) == 0) {
                    expected = 1;
                }
            }
        }
        snprintf(msg, sizeof(msg), "Encountered unknown tag '%s'.", name);
    } else {
        snprintf(msg, sizeof(msg), "Unexpected end of template.");
    }
    if (looking) {
        if (name && expected) {
            strncat(msg,
                    " You probably made a nesting mistake. Jinja is expecting this tag, but "
                    "currently looking for ",
                    sizeof(msg) - strlen(msg) - 1);
        } else {
            strncat(msg,
                    " Jinja was looking for the following tags: ", sizeof(msg) - strlen(msg) - 1);
        }
        append_list(msg, sizeof(msg), looking);
        strncat(msg, ".", sizeof(msg) - strlen(msg) - 1);
    }
    if (p->ntags) {
        size_t k = strlen(msg);
        snprintf(msg + k, sizeof(msg) - k, " The innermost block that needs to be closed is '%s'.",
                 p->tags[p->ntags - 1]);
    }
    tpl_parser_fail(p, line, "%s", msg);
}

struct node *tpl_parser_statements(struct ps *p, const char *const *ends, int drop)
{
    struct node *body;
    if (tpl_parser_cur(p)->type == K_COLON) {
        tpl_parser_next(p);
    }
    tpl_parser_expect(p, K_BLOCK_END);
    body = subparse(p, ends);
    if (tpl_parser_cur(p)->type == K_EOF) {
        fail_ut_eof(p, NULL, tpl_parser_cur(p)->line, ends);
    }
    if (drop) {
        tpl_parser_next(p);
    }
    return body;
}

static int can_assign(struct node *n)
{
    int i;
    if (n->kind == N_NAME || n->kind == N_NSREF) {
        return 1;
    }
    if (n->kind == N_TUPLE) {
        for (i = 0; i < n->n; i++) {
            if (!can_assign(n->items[i])) {
                return 0;
            }
        }
        return 1;
    }
    return 0;
}

static int target_has_loop(struct node *t)
{
    int i;
    if (t->kind == N_NAME) {
        return strcmp(t->str, "loop") == 0;
    }
    if (t->kind == N_TUPLE) {
        for (i = 0; i < t->n; i++) {
            if (target_has_loop(t->items[i])) {
                return 1;
            }
        }
    }
    return 0;
}

static const char *node_kind_name(struct node *n)
{
    switch (n->kind) {
    case N_CONST:
        return "const";
    case N_CALL:
        return "call";
    case N_GETATTR:
        return "getattr";
    case N_GETITEM:
        return "getitem";
    case N_LIST:
        return "list";
    case N_DICT:
        return "dict";
    case N_FILTER:
        return "filter";
    default:
        return "expression";
    }
}

struct node *tpl_parser_assign_target(struct ps *p, int with_tuple, int name_only,
                                      const char *const *extra, int with_ns)
{
    struct node *t;
    if (with_ns && tpl_parser_look(p)->type == K_DOT) {
        struct token *a = tpl_parser_expect(p, K_NAME);
        struct token *b;
        tpl_parser_next(p);
        b = tpl_parser_expect(p, K_NAME);
        t = tpl_parser_node(p, N_NSREF, a->line);
        t->str = tpl_parser_tokstr(p, a);
        t->slen = a->n;
        t->hash = tpl_eval_hash(a->s, a->n);
        t->str2 = tpl_parser_tokstr(p, b);
        return t;
    }
    if (name_only) {
        struct token *a = tpl_parser_expect(p, K_NAME);
        static const char *const consts[] = {"true",  "false", "none", "True",
                                             "False", "None",  NULL};
        int k;
        for (k = 0; consts[k]; k++) {
            if (tpl_parser_is_name(a, consts[k])) {
                tpl_parser_fail(p, a->line, "can't assign to 'name'");
            }
        }
        t = tpl_parser_node(p, N_NAME, a->line);
        t->str = tpl_parser_tokstr(p, a);
        t->slen = a->n;
        t->hash = tpl_eval_hash(a->s, a->n);
    } else if (with_tuple) {
        t = tpl_parser_tuple(p, 1, 1, extra, 0);
    } else {
        t = tpl_parser_primary(p);
    }
    if (!can_assign(t)) {
        tpl_parser_fail(p, t->line, "can't assign to '%s'", node_kind_name(t));
    }
    return t;
}

static void parse_signature(struct ps *p, struct node *n)
{
    struct svec names = {0};
    struct nvec defs = {0};
    tpl_parser_expect(p, K_LPAREN);
    while (tpl_parser_cur(p)->type != K_RPAREN) {
        struct node *a;
        if (names.n) {
            tpl_parser_expect(p, K_COMMA);
        }
        a = tpl_parser_assign_target(p, 0, 1, NULL, 0);
        {
            int k;
            for (k = 0; k < names.n; k++) {
                if (strcmp(names.v[k], a->str) == 0) {
                    tpl_parser_fail(p, a->line, "duplicate argument '%s' in macro definition",
                                    a->str);
                }
            }
        }
        if (tpl_parser_cur(p)->type == K_ASSIGN) {
            tpl_parser_next(p);
            tpl_parser_nv_push(p, &defs, tpl_parser_expr(p, 1));
        } else if (defs.n) {
            tpl_parser_fail(p, tpl_parser_cur(p)->line,
                            "non-default argument follows default argument");
        }
        tpl_parser_sv_push(p, &names, a->str);
    }
    tpl_parser_expect(p, K_RPAREN);
    n->names = names.v;
    n->nnames = names.n;
    n->kw = defs.v;
    n->nkw = defs.n;
}

static struct node *parse_statement(struct ps *p)
{
    struct token *t = tpl_parser_cur(p);
    struct node *n;
    int line = t->line;
    const char *name;
    if (t->type != K_NAME) {
        tpl_parser_fail(p, t->line, "tag name expected");
    }
    name = tpl_parser_tokstr(p, t);
    if (p->ntags >= TPL_MAX_PARSE_DEPTH) {
        tpl_parser_fail(p, t->line, "template nested too deeply (limit %d)", TPL_MAX_PARSE_DEPTH);
    }
    p->tags[p->ntags++] = name;
    if (strcmp(name, "if") == 0) {
        struct node *res = NULL;
        struct node *last = NULL;
        tpl_parser_next(p);
        for (;;) {
            struct token *e;
            n = tpl_parser_node(p, N_IF, line);
            n->a = tpl_parser_tuple(p, 0, 0, NULL, 0);
            n->b = NULL;
            {
                struct node *body = tpl_parser_statements(p, E_ENDIF, 0);
                n->items = body->items;
                n->n = body->n;
            }
            if (res == NULL) {
                res = n;
            } else {
                last->b = n;
            }
            last = n;
            e = tpl_parser_next(p);
            if (tpl_parser_is_name(e, "elif")) {
                line = e->line;
                continue;
            }
            if (tpl_parser_is_name(e, "else")) {
                n->b = tpl_parser_statements(p, E_ENDIF_ONLY, 1);
            }
            break;
        }
        n = res;
    } else if (strcmp(name, "for") == 0) {
        struct node *body;
        struct token *e;
        n = tpl_parser_node(p, N_FOR, line);
        tpl_parser_next(p);
        n->a = tpl_parser_assign_target(p, 1, 0, X_IN, 0);
        if (target_has_loop(n->a)) {
            tpl_parser_fail(p, line, "Can't assign to special loop variable in for-loop target");
        }
        tpl_parser_expect_name(p, "in");
        n->b = tpl_parser_tuple(p, 0, 0, X_RECURSIVE, 0);
        if (tpl_parser_is_name(tpl_parser_cur(p), "if")) {
            tpl_parser_next(p);
            n->c = tpl_parser_expr(p, 1);
        }
        if (tpl_parser_is_name(tpl_parser_cur(p), "recursive")) {
            tpl_parser_next(p);
            n->flags = 1;
        }
        body = tpl_parser_statements(p, E_FOR, 0);
        n->items = body->items;
        n->n = body->n;
        e = tpl_parser_next(p);
        if (!tpl_parser_is_name(e, "endfor")) {
            n->d = tpl_parser_statements(p, E_ENDFOR, 1);
        }
    } else if (strcmp(name, "set") == 0) {
        struct node *target;
        tpl_parser_next(p);
        target = tpl_parser_assign_target(p, 1, 0, NULL, 1);
        if (tpl_parser_cur(p)->type == K_ASSIGN) {
            tpl_parser_next(p);
            n = tpl_parser_node(p, N_SET, line);
            n->a = target;
            n->b = tpl_parser_tuple(p, 0, 1, NULL, 0);
        } else {
            struct node *body;
            n = tpl_parser_node(p, N_SETBLOCK, line);
            n->a = target;
            n->c = tpl_parser_filter(p, NULL, 0);
            body = tpl_parser_statements(p, E_ENDSET, 1);
            n->items = body->items;
            n->n = body->n;
        }
    } else if (strcmp(name, "macro") == 0 || strcmp(name, "call") == 0) {
        struct node *body;
        int is_macro = name[0] == 'm';
        tpl_parser_next(p);
        n = tpl_parser_node(p, is_macro ? N_MACRO : N_CALLBLOCK, line);
        if (is_macro) {
            struct node *nm = tpl_parser_assign_target(p, 0, 1, NULL, 0);
            n->str = nm->str;
            n->slen = nm->slen;
            n->hash = nm->hash;
            parse_signature(p, n);
        } else {
            if (tpl_parser_cur(p)->type == K_LPAREN) {
                parse_signature(p, n);
            }
            n->a = tpl_parser_expr(p, 1);
            if (n->a->kind != N_CALL) {
                tpl_parser_fail(p, line, "expected call");
            }
        }
        body = tpl_parser_statements(p, is_macro ? E_ENDMACRO : E_ENDCALL, 1);
        n->items = body->items;
        n->n = body->n;
        /* n->flags (caller, kwargs, varargs): check.c */
    } else if (strcmp(name, "filter") == 0) {
        struct node *body;
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_FILTERBLOCK, line);
        n->c = tpl_parser_filter(p, NULL, 1);
        body = tpl_parser_statements(p, E_ENDFILTER, 1);
        n->items = body->items;
        n->n = body->n;
    } else if (strcmp(name, "with") == 0) {
        struct nvec targets = {0};
        struct nvec values = {0};
        struct node *body;
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_WITH, line);
        while (tpl_parser_cur(p)->type != K_BLOCK_END) {
            if (targets.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            tpl_parser_nv_push(p, &targets, tpl_parser_assign_target(p, 1, 0, NULL, 0));
            tpl_parser_expect(p, K_ASSIGN);
            tpl_parser_nv_push(p, &values, tpl_parser_expr(p, 1));
        }
        n->kw = targets.v;
        n->nkw = targets.n;
        body = tpl_parser_statements(p, E_ENDWITH, 1);
        n->items = body->items;
        n->n = body->n;
        n->b = tpl_parser_node(p, N_LIST, line);
        n->b->items = values.v;
        n->b->n = values.n;
    } else if (strcmp(name, "autoescape") == 0) {
        struct node *e;
        tpl_parser_next(p);
        e = tpl_parser_expr(p, 1);
        n = tpl_parser_statements(p, E_ENDAUTOESC, 1);
        n->line = line;
        n->a = e;
    } else if ((n = tpl_parser_tpl_stmt(p, name, line)) != NULL) {
        /* block, extends, include, import, from (parser_tpl.c) */
    } else if (strcmp(name, "print") == 0) {
        struct nvec items = {0};
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_OUTPUT, line);
        while (tpl_parser_cur(p)->type != K_BLOCK_END) {
            if (items.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            tpl_parser_nv_push(p, &items, tpl_parser_expr(p, 1));
        }
        n->items = items.v;
        n->n = items.n;
    } else {
        p->ntags--;
        fail_ut_eof(p, name, line, NULL);
    }
    p->ntags--;
    return n;
}

static struct node *subparse(struct ps *p, const char *const *ends)
{
    struct nvec body = {0};
    struct nvec data = {0};
    struct node *res;
    if (ends) {
        if (p->nends >= TPL_MAX_PARSE_DEPTH) {
            tpl_parser_fail(p, tpl_parser_cur(p)->line, "template nested too deeply (limit %d)",
                            TPL_MAX_PARSE_DEPTH);
        }
        p->ends[p->nends++] = ends;
    }
    for (;;) {
        struct token *t = tpl_parser_cur(p);
        if (t->type == K_EOF) {
            break;
        }
        if (t->type == K_DATA) {
            struct node *d = tpl_parser_node(p, N_DATA, t->line);
            d->str = t->s;
            d->slen = t->n;
            tpl_parser_nv_push(p, &data, d);
            tpl_parser_next(p);
        } else if (t->type == K_VAR_BEGIN) {
            struct node *e;
            tpl_parser_next(p);
            e = tpl_parser_tuple(p, 0, 1, NULL, 0);
            tpl_parser_nv_push(p, &data, e);
            tpl_parser_expect(p, K_VAR_END);
        } else if (t->type == K_BLOCK_BEGIN) {
            const char *const *e;
            int stop = 0;
            if (data.n) {
                struct node *o = tpl_parser_node(p, N_OUTPUT, data.v[0]->line);
                o->items = data.v;
                o->n = data.n;
                tpl_parser_nv_push(p, &body, o);
                memset(&data, 0, sizeof(data));
            }
            tpl_parser_next(p);
            if (ends) {
                for (e = ends; *e; e++) {
                    if (tpl_parser_is_name(tpl_parser_cur(p), *e)) {
                        stop = 1;
                    }
                }
            }
            if (stop) {
                break;
            }
            tpl_parser_nv_push(p, &body, parse_statement(p));
            tpl_parser_expect(p, K_BLOCK_END);
        } else {
            tpl_parser_fail(p, t->line, "internal parsing error");
        }
    }
    if (data.n) {
        struct node *o = tpl_parser_node(p, N_OUTPUT, data.v[0]->line);
        o->items = data.v;
        o->n = data.n;
        tpl_parser_nv_push(p, &body, o);
    }
    if (ends) {
        p->nends--;
    }
    res = tpl_parser_node(p, N_BODY, body.n ? body.v[0]->line : tpl_parser_cur(p)->line);
    res->items = body.v;
    res->n = body.n;
    return res;
}

int tpl_parser_parse(struct octo_tpl *t, const char *src, size_t len, octo_error *err)
{
    struct tokens toks;
    struct ps *p;
    if (tpl_lexer_tokenize(t, src, len, &toks, err) != 0) {
        return -1;
    }
    p = tpl_arena_alloc(&t->ar, sizeof(*p));
    if (p == NULL) {
        tpl_lexer_error(err, t, 0, "out of memory");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    p->t = t;
    p->tk = toks.t;
    p->ntk = toks.n;
    p->err = err;
    if (setjmp(p->jb) != 0) {
        return -1;
    }
    t->root = subparse(p, NULL);
    if (tpl_parser_cur(p)->type != K_EOF) {
        tpl_parser_fail(p, tpl_parser_cur(p)->line, "unexpected '%s'",
                        tpl_parser_describe(p, tpl_parser_cur(p)));
    }
    t->blocks = p->blocks;
    t->nblocks = p->nblocks;
    return 0;
}
