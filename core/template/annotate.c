/* annotate.c - compile-time work for the evaluator: after parsing and
 * folding, walk the tree once and precompute what every render would
 * otherwise find again (node->aux). The tree is read-only afterwards, so
 * renders on several threads share it safely. */
#include <stdlib.h>
#include <string.h>

#include "tpl.h"

/* the scope name of the loop variable: names "loop" of every template are
 * made to point here, so a lookup matches it by address */
const char tpl_annotate_loop_name[] = "loop";

/* Names are interned per template: the target of a {% set %} or {% for %}
 * and the names that read it share one pointer, and scope lookups compare
 * addresses before bytes. */
struct interner {
    const char **p;
    size_t *len;
    size_t n, cap;
    int failed;
};

static const char *intern(struct interner *in, const char *s, size_t n)
{
    size_t i;
    if (s == NULL) {
        return s;
    }
    if (n == 4 && memcmp(s, "loop", 4) == 0) {
        return tpl_annotate_loop_name;
    }
    for (i = 0; i < in->n; i++) {
        if (in->len[i] == n && memcmp(in->p[i], s, n) == 0) {
            return in->p[i];
        }
    }
    if (in->failed || in->n >= 4096) {
        return s; /* only an optimization: lookups still compare bytes */
    }
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 32;
        const char **np = realloc(in->p, nc * sizeof(*np));
        size_t *nl;
        if (np == NULL) {
            in->failed = 1;
            return s;
        }
        in->p = np;
        nl = realloc(in->len, nc * sizeof(*nl));
        if (nl == NULL) {
            in->failed = 1;
            return s;
        }
        in->len = nl;
        in->cap = nc;
    }
    in->p[in->n] = s;
    in->len[in->n++] = n;
    return s;
}

static int no_args(const struct node *n)
{
    return n->n == 0 && n->nkw == 0 && n->c == NULL && n->d == NULL;
}

static void annotate(struct interner *in, struct node *n, int depth)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 4) {
        return;
    }
    switch (n->kind) {
    case N_NAME:
    case N_NSREF:
    case N_MACRO:
        n->str = intern(in, n->str, n->slen);
        break;
    default:
        break;
    }
    if ((n->kind == N_MACRO || n->kind == N_CALLBLOCK) && n->names != NULL) {
        for (i = 0; i < n->nnames; i++) {
            n->names[i] = intern(in, n->names[i], strlen(n->names[i]));
        }
    }
    if (n->kind == N_GETATTR && n->str != NULL) {
        tv d = tpl_value_none();
        d.t = T_DICT;
        n->aux = tpl_exec_loop_attr_find(n->str, n->slen);
        if (tpl_methods_has(d, n->str, n->slen)) {
            n->aux |= AUX_DICTMETH;
        }
    }
    if (n->kind == N_FILTER && no_args(n) && n->ffn == tpl_filters_lookup("length") &&
        n->a != NULL && n->a->kind == N_FILTER && no_args(n->a) &&
        n->a->ffn == tpl_filters_lookup("list") && !(n->a->flags & NF_FOLDED)) {
        n->aux |= AUX_LENLIST;
    }
    annotate(in, n->a, depth + 1);
    annotate(in, n->b, depth + 1);
    annotate(in, n->c, depth + 1);
    annotate(in, n->d, depth + 1);
    for (i = 0; i < n->n; i++) {
        annotate(in, n->items[i], depth + 1);
    }
    for (i = 0; i < n->nkw; i++) {
        annotate(in, n->kw[i], depth + 1);
    }
}

void tpl_annotate(struct octo_tpl *t)
{
    int i;
    struct interner in;
    memset(&in, 0, sizeof(in));
    annotate(&in, t->root, 0);
    for (i = 0; i < t->nblocks; i++) {
        annotate(&in, t->blocks[i].node, 0);
    }
    free(in.p);
    free(in.len);
}
