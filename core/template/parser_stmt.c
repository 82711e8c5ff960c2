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
static const char *const E_ENDBLOCK[] = {"endblock", NULL};
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

_Noreturn static void fail_ut_eof(struct ps *p, const char *name, int line, const char *const *extra)
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
            strncat(msg, " You probably made a nesting mistake. Jinja is expecting this tag, but "
                         "currently looking for ", sizeof(msg) - strlen(msg) - 1);
        } else {
            strncat(msg, " Jinja was looking for the following tags: ", sizeof(msg) - strlen(msg) - 1);
        }
        append_list(msg, sizeof(msg), looking);
        strncat(msg, ".", sizeof(msg) - strlen(msg) - 1);
    }
    if (p->ntags) {
        size_t k = strlen(msg);
        snprintf(msg + k, sizeof(msg) - k, " The innermost block that needs to be closed is '%s'.",
                 p->tags[p->ntags - 1]);
    }
    ps_pfail(p, line, "%s", msg);
}

static struct node *parse_statements(struct ps *p, const char *const *ends, int drop)
{
    struct node *body;
    if (ps_cur(p)->type == K_COLON) {
        ps_next(p);
    }
    ps_expect(p, K_BLOCK_END);
    body = subparse(p, ends);
    if (ps_cur(p)->type == K_EOF) {
        fail_ut_eof(p, NULL, ps_cur(p)->line, ends);
    }
    if (drop) {
        ps_next(p);
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

static const char *node_kind_name(struct node *n)
{
    switch (n->kind) {
    case N_CONST: return "const";
    case N_CALL: return "call";
    case N_GETATTR: return "getattr";
    case N_GETITEM: return "getitem";
    case N_LIST: return "list";
    case N_DICT: return "dict";
    case N_FILTER: return "filter";
    default: return "expression";
    }
}

static struct node *parse_assign_target(struct ps *p, int with_tuple, int name_only,
                                        const char *const *extra, int with_ns)
{
    struct node *t;
    if (with_ns && ps_look(p)->type == K_DOT) {
        struct token *a = ps_expect(p, K_NAME);
        struct token *b;
        ps_next(p);
        b = ps_expect(p, K_NAME);
        t = ps_mk(p, N_NSREF, a->line);
        t->str = ps_tokstr(p, a);
        t->slen = a->n;
        t->hash = tpl_hash(a->s, a->n);
        t->str2 = ps_tokstr(p, b);
        return t;
    }
    if (name_only) {
        struct token *a = ps_expect(p, K_NAME);
        t = ps_mk(p, N_NAME, a->line);
        t->str = ps_tokstr(p, a);
        t->slen = a->n;
        t->hash = tpl_hash(a->s, a->n);
    } else if (with_tuple) {
        t = ps_parse_tuple(p, 1, 1, extra, 0);
    } else {
        t = ps_parse_primary(p);
    }
    if (!can_assign(t)) {
        ps_pfail(p, t->line, "can't assign to '%s'", node_kind_name(t));
    }
    return t;
}

static void parse_signature(struct ps *p, struct node *n)
{
    struct svec names = {0};
    struct nvec defs = {0};
    ps_expect(p, K_LPAREN);
    while (ps_cur(p)->type != K_RPAREN) {
        struct node *a;
        if (names.n) {
            ps_expect(p, K_COMMA);
        }
        a = parse_assign_target(p, 0, 1, NULL, 0);
        if (ps_cur(p)->type == K_ASSIGN) {
            ps_next(p);
            ps_nv_push(p, &defs, ps_parse_expr(p, 1));
        } else if (defs.n) {
            ps_pfail(p, ps_cur(p)->line, "non-default argument follows default argument");
        }
        ps_sv_push(p, &names, a->str);
    }
    ps_expect(p, K_RPAREN);
    n->names = names.v;
    n->nnames = names.n;
    n->kw = defs.v;
    n->nkw = defs.n;
}

/* Which of varargs / kwargs / caller does a macro body reference? */
static void scan_names(struct node *n, int *flags, int depth)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 4) {
        return;
    }
    if (n->kind == N_NAME) {
        if (strcmp(n->str, "varargs") == 0) {
            *flags |= 1;
        } else if (strcmp(n->str, "kwargs") == 0) {
            *flags |= 2;
        } else if (strcmp(n->str, "caller") == 0) {
            *flags |= 4;
        }
        return;
    }
    if (n->kind == N_MACRO) {
        /* defaults are evaluated in the outer macro */
        for (i = 0; i < n->nkw; i++) {
            scan_names(n->kw[i], flags, depth + 1);
        }
        return;
    }
    scan_names(n->a, flags, depth + 1);
    scan_names(n->b, flags, depth + 1);
    scan_names(n->c, flags, depth + 1);
    scan_names(n->d, flags, depth + 1);
    for (i = 0; i < n->n; i++) {
        scan_names(n->items[i], flags, depth + 1);
    }
    if (n->kind != N_DICT || 1) {
        for (i = 0; i < n->nkw; i++) {
            scan_names(n->kw[i], flags, depth + 1);
        }
    }
}

static void parse_import_context(struct ps *p, struct node *n, int dflt)
{
    if ((ps_is_name(ps_cur(p), "with") || ps_is_name(ps_cur(p), "without")) &&
        ps_is_name(ps_look(p), "context")) {
        n->flags = (n->flags & ~2) | (ps_is_name(ps_cur(p), "with") ? 2 : 0);
        ps_next(p);
        ps_next(p);
    } else {
        n->flags = (n->flags & ~2) | (dflt ? 2 : 0);
    }
}

static struct node *parse_statement(struct ps *p)
{
    struct token *t = ps_cur(p);
    struct node *n;
    int line = t->line;
    const char *name;
    if (t->type != K_NAME) {
        ps_pfail(p, t->line, "tag name expected");
    }
    name = ps_tokstr(p, t);
    if (p->ntags >= TPL_MAX_PARSE_DEPTH) {
        ps_pfail(p, t->line, "template nested too deeply (limit %d)", TPL_MAX_PARSE_DEPTH);
    }
    p->tags[p->ntags++] = name;
    if (strcmp(name, "if") == 0) {
        struct node *res = NULL;
        struct node *last = NULL;
        ps_next(p);
        for (;;) {
            struct token *e;
            n = ps_mk(p, N_IF, line);
            n->a = ps_parse_tuple(p, 0, 0, NULL, 0);
            n->b = NULL;
            {
                struct node *body = parse_statements(p, E_ENDIF, 0);
                n->items = body->items;
                n->n = body->n;
            }
            if (res == NULL) {
                res = n;
            } else {
                last->b = n;
            }
            last = n;
            e = ps_next(p);
            if (ps_is_name(e, "elif")) {
                line = e->line;
                continue;
            }
            if (ps_is_name(e, "else")) {
                n->b = parse_statements(p, E_ENDIF_ONLY, 1);
            }
            break;
        }
        n = res;
    } else if (strcmp(name, "for") == 0) {
        struct node *body;
        struct token *e;
        n = ps_mk(p, N_FOR, line);
        ps_next(p);
        n->a = parse_assign_target(p, 1, 0, X_IN, 0);
        ps_expect_name(p, "in");
        n->b = ps_parse_tuple(p, 0, 0, X_RECURSIVE, 0);
        if (ps_is_name(ps_cur(p), "if")) {
            ps_next(p);
            n->c = ps_parse_expr(p, 1);
        }
        if (ps_is_name(ps_cur(p), "recursive")) {
            ps_next(p);
            n->flags = 1;
        }
        body = parse_statements(p, E_FOR, 0);
        n->items = body->items;
        n->n = body->n;
        e = ps_next(p);
        if (!ps_is_name(e, "endfor")) {
            n->d = parse_statements(p, E_ENDFOR, 1);
        }
    } else if (strcmp(name, "set") == 0) {
        struct node *target;
        ps_next(p);
        target = parse_assign_target(p, 1, 0, NULL, 1);
        if (ps_cur(p)->type == K_ASSIGN) {
            ps_next(p);
            n = ps_mk(p, N_SET, line);
            n->a = target;
            n->b = ps_parse_tuple(p, 0, 1, NULL, 0);
        } else {
            struct node *body;
            n = ps_mk(p, N_SETBLOCK, line);
            n->a = target;
            n->c = ps_parse_filter(p, NULL, 0);
            body = parse_statements(p, E_ENDSET, 1);
            n->items = body->items;
            n->n = body->n;
        }
    } else if (strcmp(name, "macro") == 0 || strcmp(name, "call") == 0) {
        struct node *body;
        int fl = 0;
        int is_macro = name[0] == 'm';
        ps_next(p);
        n = ps_mk(p, is_macro ? N_MACRO : N_CALLBLOCK, line);
        if (is_macro) {
            struct node *nm = parse_assign_target(p, 0, 1, NULL, 0);
            n->str = nm->str;
            n->slen = nm->slen;
            n->hash = nm->hash;
            parse_signature(p, n);
        } else {
            if (ps_cur(p)->type == K_LPAREN) {
                parse_signature(p, n);
            }
            n->a = ps_parse_expr(p, 1);
            if (n->a->kind != N_CALL) {
                ps_pfail(p, line, "expected call");
            }
        }
        body = parse_statements(p, is_macro ? E_ENDMACRO : E_ENDCALL, 1);
        n->items = body->items;
        n->n = body->n;
        scan_names(body, &fl, 0);
        n->flags = fl;
    } else if (strcmp(name, "filter") == 0) {
        struct node *body;
        ps_next(p);
        n = ps_mk(p, N_FILTERBLOCK, line);
        n->c = ps_parse_filter(p, NULL, 1);
        body = parse_statements(p, E_ENDFILTER, 1);
        n->items = body->items;
        n->n = body->n;
    } else if (strcmp(name, "with") == 0) {
        struct nvec targets = {0};
        struct nvec values = {0};
        struct node *body;
        ps_next(p);
        n = ps_mk(p, N_WITH, line);
        while (ps_cur(p)->type != K_BLOCK_END) {
            if (targets.n) {
                ps_expect(p, K_COMMA);
            }
            ps_nv_push(p, &targets, parse_assign_target(p, 1, 0, NULL, 0));
            ps_expect(p, K_ASSIGN);
            ps_nv_push(p, &values, ps_parse_expr(p, 1));
        }
        n->kw = targets.v;
        n->nkw = targets.n;
        body = parse_statements(p, E_ENDWITH, 1);
        n->items = body->items;
        n->n = body->n;
        n->b = ps_mk(p, N_LIST, line);
        n->b->items = values.v;
        n->b->n = values.n;
    } else if (strcmp(name, "autoescape") == 0) {
        struct node *e;
        ps_next(p);
        e = ps_parse_expr(p, 1);
        n = parse_statements(p, E_ENDAUTOESC, 1);
        n->line = line;
        n->a = e;
    } else if (strcmp(name, "block") == 0) {
        struct token *bn;
        struct node *body;
        int i;
        ps_next(p);
        n = ps_mk(p, N_BLOCK, line);
        bn = ps_expect(p, K_NAME);
        n->str = ps_tokstr(p, bn);
        if (ps_is_name(ps_cur(p), "scoped")) {
            ps_next(p);
            n->flags |= 1;
        }
        if (ps_is_name(ps_cur(p), "required")) {
            ps_next(p);
            n->flags |= 2;
        }
        if (ps_cur(p)->type == K_SUB) {
            ps_pfail(p, ps_cur(p)->line, "Block names in Jinja have to be valid Python identifiers "
                                         "and may not contain hyphens, use an underscore instead.");
        }
        body = parse_statements(p, E_ENDBLOCK, 1);
        n->items = body->items;
        n->n = body->n;
        if (ps_is_name(ps_cur(p), n->str)) {
            ps_next(p);
        }
        for (i = 0; i < p->nblocks; i++) {
            if (strcmp(p->blocks[i].name, n->str) == 0) {
                ps_pfail(p, line, "block '%s' defined twice", n->str);
            }
        }
        if (p->nblocks == p->capblocks) {
            int nc = p->capblocks ? p->capblocks * 2 : 4;
            struct blockdef *nb = ps_palloc(p, (size_t)nc * sizeof(*nb));
            if (p->nblocks) {
                memcpy(nb, p->blocks, (size_t)p->nblocks * sizeof(*nb));
            }
            p->blocks = nb;
            p->capblocks = nc;
        }
        p->blocks[p->nblocks].name = n->str;
        p->blocks[p->nblocks].node = n;
        p->nblocks++;
    } else if (strcmp(name, "extends") == 0) {
        ps_next(p);
        n = ps_mk(p, N_EXTENDS, line);
        n->a = ps_parse_expr(p, 1);
        p->t->has_extends = 1;
    } else if (strcmp(name, "include") == 0) {
        ps_next(p);
        n = ps_mk(p, N_INCLUDE, line);
        n->a = ps_parse_expr(p, 1);
        if (ps_is_name(ps_cur(p), "ignore") && ps_is_name(ps_look(p), "missing")) {
            n->flags |= 1;
            ps_next(p);
            ps_next(p);
        }
        parse_import_context(p, n, 1);
    } else if (strcmp(name, "import") == 0) {
        struct node *tg;
        ps_next(p);
        n = ps_mk(p, N_IMPORT, line);
        n->a = ps_parse_expr(p, 1);
        ps_expect_name(p, "as");
        tg = parse_assign_target(p, 0, 1, NULL, 0);
        n->str = tg->str;
        n->slen = tg->slen;
        n->hash = tg->hash;
        parse_import_context(p, n, 0);
    } else if (strcmp(name, "from") == 0) {
        struct svec names = {0};
        struct svec alias = {0};
        int ctx_given = 0;
        ps_next(p);
        n = ps_mk(p, N_FROMIMPORT, line);
        n->a = ps_parse_expr(p, 1);
        ps_expect_name(p, "import");
        for (;;) {
            if (names.n) {
                ps_expect(p, K_COMMA);
            }
            if (ps_cur(p)->type == K_NAME) {
                struct node *tg;
                if ((ps_is_name(ps_cur(p), "with") || ps_is_name(ps_cur(p), "without")) &&
                    ps_is_name(ps_look(p), "context")) {
                    parse_import_context(p, n, 0);
                    ctx_given = 1;
                    break;
                }
                tg = parse_assign_target(p, 0, 1, NULL, 0);
                if (tg->str[0] == '_') {
                    ps_pfail(p, tg->line, "names starting with an underline can not be imported");
                }
                ps_sv_push(p, &names, tg->str);
                if (ps_is_name(ps_cur(p), "as")) {
                    ps_next(p);
                    ps_sv_push(p, &alias, parse_assign_target(p, 0, 1, NULL, 0)->str);
                } else {
                    ps_sv_push(p, &alias, tg->str);
                }
                if ((ps_is_name(ps_cur(p), "with") || ps_is_name(ps_cur(p), "without")) &&
                    ps_is_name(ps_look(p), "context")) {
                    parse_import_context(p, n, 0);
                    ctx_given = 1;
                    break;
                }
                if (ps_cur(p)->type != K_COMMA) {
                    break;
                }
            } else {
                ps_expect(p, K_NAME);
            }
        }
        (void)ctx_given;
        n->names = names.v;
        n->names2 = alias.v;
        n->nnames = names.n;
    } else if (strcmp(name, "print") == 0) {
        struct nvec items = {0};
        ps_next(p);
        n = ps_mk(p, N_OUTPUT, line);
        while (ps_cur(p)->type != K_BLOCK_END) {
            if (items.n) {
                ps_expect(p, K_COMMA);
            }
            ps_nv_push(p, &items, ps_parse_expr(p, 1));
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
            ps_pfail(p, ps_cur(p)->line, "template nested too deeply (limit %d)", TPL_MAX_PARSE_DEPTH);
        }
        p->ends[p->nends++] = ends;
    }
    for (;;) {
        struct token *t = ps_cur(p);
        if (t->type == K_EOF) {
            break;
        }
        if (t->type == K_DATA) {
            struct node *d = ps_mk(p, N_DATA, t->line);
            d->str = t->s;
            d->slen = t->n;
            ps_nv_push(p, &data, d);
            ps_next(p);
        } else if (t->type == K_VAR_BEGIN) {
            ps_next(p);
            ps_nv_push(p, &data, ps_parse_tuple(p, 0, 1, NULL, 0));
            ps_expect(p, K_VAR_END);
        } else if (t->type == K_BLOCK_BEGIN) {
            const char *const *e;
            int stop = 0;
            if (data.n) {
                struct node *o = ps_mk(p, N_OUTPUT, data.v[0]->line);
                o->items = data.v;
                o->n = data.n;
                ps_nv_push(p, &body, o);
                memset(&data, 0, sizeof(data));
            }
            ps_next(p);
            if (ends) {
                for (e = ends; *e; e++) {
                    if (ps_is_name(ps_cur(p), *e)) {
                        stop = 1;
                    }
                }
            }
            if (stop) {
                break;
            }
            ps_nv_push(p, &body, parse_statement(p));
            ps_expect(p, K_BLOCK_END);
        } else {
            ps_pfail(p, t->line, "internal parsing error");
        }
    }
    if (data.n) {
        struct node *o = ps_mk(p, N_OUTPUT, data.v[0]->line);
        o->items = data.v;
        o->n = data.n;
        ps_nv_push(p, &body, o);
    }
    if (ends) {
        p->nends--;
    }
    res = ps_mk(p, N_BODY, body.n ? body.v[0]->line : ps_cur(p)->line);
    res->items = body.v;
    res->n = body.n;
    return res;
}

int tpl_parse(struct octo_tpl *t, const char *src, size_t len, octo_error *err)
{
    struct tokens toks;
    struct ps *p;
    if (tpl_lex(t, src, len, &toks, err) != 0) {
        return -1;
    }
    p = arena_alloc(&t->ar, sizeof(*p));
    if (p == NULL) {
        tpl_error(err, t, 0, "out of memory");
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
    if (ps_cur(p)->type != K_EOF) {
        ps_pfail(p, ps_cur(p)->line, "unexpected '%s'", ps_describe(p, ps_cur(p)));
    }
    t->blocks = p->blocks;
    t->nblocks = p->nblocks;
    return 0;
}
