/* parser_tpl.c - template-level statements: block, extends, include,
 * import and from-import. */
#include <string.h>

#include "parser.h"

static const char *const E_ENDBLOCK[] = {"endblock", NULL};

static void parse_import_context(struct ps *p, struct node *n, int dflt)
{
    if ((tpl_parser_is_name(tpl_parser_cur(p), "with") ||
         tpl_parser_is_name(tpl_parser_cur(p), "without")) &&
        tpl_parser_is_name(tpl_parser_look(p), "context")) {
        n->flags = (n->flags & ~2) | (tpl_parser_is_name(tpl_parser_cur(p), "with") ? 2 : 0);
        tpl_parser_next(p);
        tpl_parser_next(p);
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
                if (!tpl_ucase_isspace(tpl_ustr_next(d->str, d->slen, &j))) {
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* NULL when name is not one of these statements */
struct node *tpl_parser_tpl_stmt(struct ps *p, const char *name, int line)
{
    struct node *n;
    if (strcmp(name, "block") == 0) {
        struct token *bn;
        struct node *body;
        int i;
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_BLOCK, line);
        bn = tpl_parser_expect(p, K_NAME);
        n->str = tpl_parser_tokstr(p, bn);
        if (tpl_parser_is_name(tpl_parser_cur(p), "scoped")) {
            tpl_parser_next(p);
            n->flags |= 1;
        }
        if (tpl_parser_is_name(tpl_parser_cur(p), "required")) {
            tpl_parser_next(p);
            n->flags |= 2;
        }
        if (tpl_parser_cur(p)->type == K_SUB) {
            tpl_parser_fail(p, tpl_parser_cur(p)->line,
                            "Block names in Jinja have to be valid Python identifiers "
                            "and may not contain hyphens, use an underscore instead.");
        }
        body = tpl_parser_statements(p, E_ENDBLOCK, 1);
        n->items = body->items;
        n->n = body->n;
        if ((n->flags & 2) && !only_blank_text(body)) {
            tpl_parser_fail(p, line, "Required blocks can only contain comments or whitespace");
        }
        if (tpl_parser_is_name(tpl_parser_cur(p), n->str)) {
            tpl_parser_next(p);
        }
        for (i = 0; i < p->nblocks; i++) {
            if (strcmp(p->blocks[i].name, n->str) == 0) {
                tpl_parser_fail(p, line, "block '%s' defined twice", n->str);
            }
        }
        if (p->nblocks == p->capblocks) {
            int nc = p->capblocks ? p->capblocks * 2 : 4;
            struct blockdef *nb = tpl_parser_alloc(p, (size_t)nc * sizeof(*nb));
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
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_EXTENDS, line);
        n->a = tpl_parser_expr(p, 1);
        p->t->has_extends = 1;
    } else if (strcmp(name, "include") == 0) {
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_INCLUDE, line);
        n->a = tpl_parser_expr(p, 1);
        if (tpl_parser_is_name(tpl_parser_cur(p), "ignore") &&
            tpl_parser_is_name(tpl_parser_look(p), "missing")) {
            n->flags |= 1;
            tpl_parser_next(p);
            tpl_parser_next(p);
        }
        parse_import_context(p, n, 1);
    } else if (strcmp(name, "import") == 0) {
        struct node *tg;
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_IMPORT, line);
        n->a = tpl_parser_expr(p, 1);
        tpl_parser_expect_name(p, "as");
        tg = tpl_parser_assign_target(p, 0, 1, NULL, 0);
        n->str = tg->str;
        n->slen = tg->slen;
        n->hash = tg->hash;
        parse_import_context(p, n, 0);
    } else if (strcmp(name, "from") == 0) {
        struct svec names = {0};
        struct svec alias = {0};
        int ctx_given = 0;
        tpl_parser_next(p);
        n = tpl_parser_node(p, N_FROMIMPORT, line);
        n->a = tpl_parser_expr(p, 1);
        tpl_parser_expect_name(p, "import");
        for (;;) {
            if (names.n) {
                tpl_parser_expect(p, K_COMMA);
            }
            if (tpl_parser_cur(p)->type == K_NAME) {
                struct node *tg;
                if ((tpl_parser_is_name(tpl_parser_cur(p), "with") ||
                     tpl_parser_is_name(tpl_parser_cur(p), "without")) &&
                    tpl_parser_is_name(tpl_parser_look(p), "context")) {
                    parse_import_context(p, n, 0);
                    ctx_given = 1;
                    break;
                }
                tg = tpl_parser_assign_target(p, 0, 1, NULL, 0);
                if (tg->str[0] == '_') {
                    tpl_parser_fail(p, tg->line,
                                    "names starting with an underline can not be imported");
                }
                tpl_parser_sv_push(p, &names, tg->str);
                if (tpl_parser_is_name(tpl_parser_cur(p), "as")) {
                    tpl_parser_next(p);
                    tpl_parser_sv_push(p, &alias, tpl_parser_assign_target(p, 0, 1, NULL, 0)->str);
                } else {
                    tpl_parser_sv_push(p, &alias, tg->str);
                }
                if ((tpl_parser_is_name(tpl_parser_cur(p), "with") ||
                     tpl_parser_is_name(tpl_parser_cur(p), "without")) &&
                    tpl_parser_is_name(tpl_parser_look(p), "context")) {
                    parse_import_context(p, n, 0);
                    ctx_given = 1;
                    break;
                }
                if (tpl_parser_cur(p)->type != K_COMMA) {
                    break;
                }
            } else {
                tpl_parser_expect(p, K_NAME);
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
