/* parser_tpl.c - template-level statements: block, extends, include,
 * import and from-import. */
#include <string.h>

#include "parser.h"

static const char *const E_ENDBLOCK[] = {"endblock", NULL};

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

/* Jinja2's rule for required blocks: every statement is text, all of it
 * whitespace (str.isspace) */
static int only_blank_text(const struct node *body)
{
    int i;
    int k;
    for (i = 0; i < body->n; i++) {
        const struct node *o = body->items[i];
        if (o->kind != N_OUTPUT) {
            return 0;
        }
        for (k = 0; k < o->n; k++) {
            const struct node *d = o->items[k];
            size_t j = 0;
            if (d->kind != N_DATA) {
                return 0;
            }
            while (j < d->slen) {
                if (!u_isspace(u_next(d->str, d->slen, &j))) {
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* NULL when name is not one of these statements */
struct node *ps_parse_tpl_stmt(struct ps *p, const char *name, int line)
{
    struct node *n;
    if (strcmp(name, "block") == 0) {
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
        body = ps_parse_statements(p, E_ENDBLOCK, 1);
        n->items = body->items;
        n->n = body->n;
        if ((n->flags & 2) && !only_blank_text(body)) {
            ps_pfail(p, line, "Required blocks can only contain comments or whitespace");
        }
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
        tg = ps_parse_assign_target(p, 0, 1, NULL, 0);
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
                tg = ps_parse_assign_target(p, 0, 1, NULL, 0);
                if (tg->str[0] == '_') {
                    ps_pfail(p, tg->line, "names starting with an underline can not be imported");
                }
                ps_sv_push(p, &names, tg->str);
                if (ps_is_name(ps_cur(p), "as")) {
                    ps_next(p);
                    ps_sv_push(p, &alias, ps_parse_assign_target(p, 0, 1, NULL, 0)->str);
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
    } else {
        return NULL;
    }
    return n;
}
