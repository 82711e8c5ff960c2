/* check.c - what Jinja2's code generator decides after parsing, done in one
 * walk over the tree before folding:
 *  - an unknown filter or test is a compile error, except in a "soft" frame
 *    (the test and branches of {% if %}, a conditional expression), where
 *    it fails only when reached; an unknown name the optimizer folded away
 *    (`true or x|nope`) is no error at all;
 *  - which of caller / kwargs / varargs a macro or call block reads, found
 *    as Jinja2's find_undeclared does (statements in field order, a store
 *    or parameter hiding the name from then on); `caller` as a parameter
 *    without a default while the body reads it is a compile error;
 *  - the compile-time eval context (autoescape on, or volatile when an
 *    {% autoescape %} value is not constant) of every statement and `~`:
 *    Jinja2 decides escaping there at compile time (NF_AE_ON/NF_AE_VOL).
 * Frames follow Jinja2's compiler: loop bodies, macros, filter and set
 * blocks, with bodies get a fresh (not soft) frame; blocks are compiled
 * apart, with the template's default eval context. */
#include <string.h>

#include "lexer.h"
#include "tpl.h"

struct checker {
    struct octo_tpl *t;
    octo_error *err;
    int failed;
    /* the expression being walked, outermost first: an unknown filter may
     * sit in a part the optimizer drops */
    struct node *path[TPL_MAX_PARSE_DEPTH * 4 + 8];
    int npath;
};

struct frame {
    int soft;
    int ae, vol; /* compile-time eval context */
};

static void fail(struct checker *c, int line, const char *msg)
{
    if (!c->failed) {
        c->failed = 1;
        tpl_lexer_error(c->err, c->t, line, "%s", msg);
    }
}

/* Would Jinja2's optimizer have replaced an ancestor of the node at the end
 * of c->path by a constant? Only short-circuits can drop an unknown
 * filter: `true or x|f`, `false and x|f`, `1 > 2 < x|f`. */
static int folded_away(struct checker *c, const struct frame *fr)
{
    int i;
    if (fr->vol) {
        return 0; /* no optimizer in a volatile eval context */
    }
    for (i = 0; i < c->npath - 1; i++) {
        struct node *n = c->path[i];
        int truthy;
        int safe;
        if ((n->kind == N_AND || n->kind == N_OR || n->kind == N_COMPARE) &&
            tpl_fold_const(c->t, n, fr->ae, 0, &truthy, &safe) && safe) {
            return 1;
        }
    }
    return 0;
}

static void check_expr(struct checker *c, struct node *n, const struct frame *fr, int depth);

static void check_expr_list(struct checker *c, struct node **v, int k, const struct frame *fr,
                            int depth)
{
    int i;
    for (i = 0; i < k; i++) {
        check_expr(c, v[i], fr, depth);
    }
}

static void check_expr(struct checker *c, struct node *n, const struct frame *fr, int depth)
{
    struct frame soft;
    if (n == NULL || c->failed || depth > TPL_MAX_PARSE_DEPTH * 4) {
        return;
    }
    c->path[c->npath++] = n;
    if (n->kind == N_CONCAT && fr->ae && !fr->vol) {
        n->flags |= NF_AE_ON;
    }
    if ((n->kind == N_FILTER && n->ffn == NULL) || (n->kind == N_TEST && n->tfn == NULL)) {
        if (!fr->soft && !folded_away(c, fr) && !c->failed) {
            c->failed = 1;
            tpl_lexer_error(c->err, c->t, n->line, "No %s named '%s'.",
                            n->kind == N_FILTER ? "filter" : "test", n->str);
        }
    }
    if (n->kind == N_COND) {
        soft = *fr;
        soft.soft = 1;
        fr = &soft;
    }
    check_expr(c, n->a, fr, depth + 1);
    check_expr(c, n->b, fr, depth + 1);
    check_expr(c, n->c, fr, depth + 1);
    check_expr(c, n->d, fr, depth + 1);
    check_expr_list(c, n->items, n->n, fr, depth + 1);
    if (n->kind != N_NSREF) {
        check_expr_list(c, n->kw, n->nkw, fr, depth + 1);
    }
    c->npath--;
}

static void check_expr_root(struct checker *c, struct node *n, const struct frame *fr)
{
    c->npath = 0;
    check_expr(c, n, fr, 0);
}

/* ---- caller / kwargs / varargs (Jinja2's find_undeclared) ---------------- */
enum { U_VARARGS = 1, U_KWARGS = 2, U_CALLER = 4 };
struct undecl {
    unsigned found, hidden;
};

static unsigned special_bit(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    if (strcmp(s, "caller") == 0) {
        return U_CALLER;
    }
    if (strcmp(s, "kwargs") == 0) {
        return U_KWARGS;
    }
    return strcmp(s, "varargs") == 0 ? U_VARARGS : 0;
}

static void ud_loads(struct undecl *u, const struct node *n, int depth)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 4 || n->kind == N_NSREF) {
        return;
    }
    if (n->kind == N_NAME) {
        u->found |= special_bit(n->str) & ~u->hidden;
        return;
    }
    ud_loads(u, n->a, depth + 1);
    ud_loads(u, n->b, depth + 1);
    ud_loads(u, n->c, depth + 1);
    ud_loads(u, n->d, depth + 1);
    for (i = 0; i < n->n; i++) {
        ud_loads(u, n->items[i], depth + 1);
    }
    for (i = 0; i < n->nkw; i++) {
        ud_loads(u, n->kw[i], depth + 1);
    }
}

/* an assignment target: its names are stores */
static void ud_stores(struct undecl *u, const struct node *n)
{
    int i;
    if (n == NULL) {
        return;
    }
    if (n->kind == N_NAME) {
        u->hidden |= special_bit(n->str);
    } else if (n->kind == N_TUPLE || n->kind == N_LIST) {
        for (i = 0; i < n->n; i++) {
            ud_stores(u, n->items[i]);
        }
    }
}

static void ud_params(struct undecl *u, const struct node *n)
{
    int i;
    for (i = 0; i < n->nnames; i++) {
        u->hidden |= special_bit(n->names[i]);
    }
}

static void ud_stmts(struct undecl *u, struct node **v, int k, int depth);

/* one statement, its fields in the order of Jinja2's node classes */
static void ud_stmt(struct undecl *u, struct node *n, int depth)
{
    int i;
    if (n == NULL || depth > TPL_MAX_PARSE_DEPTH * 4) {
        return;
    }
    switch (n->kind) {
    case N_OUTPUT:
        for (i = 0; i < n->n; i++) {
            ud_loads(u, n->items[i], depth + 1);
        }
        return;
    case N_BODY: /* a statement list, or {% autoescape a %} */
        ud_loads(u, n->a, depth + 1);
        ud_stmts(u, n->items, n->n, depth + 1);
        return;
    case N_IF: /* test, body, elif..., else */
        ud_loads(u, n->a, depth + 1);
        ud_stmts(u, n->items, n->n, depth + 1);
        ud_stmt(u, n->b, depth + 1);
        return;
    case N_FOR: /* target, iter, body, else, test */
        ud_stores(u, n->a);
        ud_loads(u, n->b, depth + 1);
        ud_stmts(u, n->items, n->n, depth + 1);
        ud_stmt(u, n->d, depth + 1);
        ud_loads(u, n->c, depth + 1);
        return;
    case N_SET:
        ud_stores(u, n->a);
        ud_loads(u, n->b, depth + 1);
        return;
    case N_SETBLOCK: /* target, filter, body */
        ud_stores(u, n->a);
        ud_loads(u, n->c, depth + 1);
        ud_stmts(u, n->items, n->n, depth + 1);
        return;
    case N_MACRO: /* args, defaults, body */
        ud_params(u, n);
        for (i = 0; i < n->nkw; i++) {
            ud_loads(u, n->kw[i], depth + 1);
        }
        ud_stmts(u, n->items, n->n, depth + 1);
        return;
    case N_CALLBLOCK: /* call, args, defaults, body */
        ud_loads(u, n->a, depth + 1);
        ud_params(u, n);
        for (i = 0; i < n->nkw; i++) {
            ud_loads(u, n->kw[i], depth + 1);
        }
        ud_stmts(u, n->items, n->n, depth + 1);
        return;
    case N_FILTERBLOCK: /* body, filter */
        ud_stmts(u, n->items, n->n, depth + 1);
        ud_loads(u, n->c, depth + 1);
        return;
    case N_WITH: /* targets, values, body */
        for (i = 0; i < n->nkw; i++) {
            ud_stores(u, n->kw[i]);
        }
        ud_loads(u, n->b, depth + 1);
        ud_stmts(u, n->items, n->n, depth + 1);
        return;
    case N_BLOCK:
        return; /* Jinja2 does not look into blocks */
    default:
        ud_loads(u, n->a, depth + 1);
        return; /* include, import, extends */
    }
}

static void ud_stmts(struct undecl *u, struct node **v, int k, int depth)
{
    int i;
    for (i = 0; i < k; i++) {
        ud_stmt(u, v[i], depth);
    }
}

/* n->flags of a macro or call block: 1 varargs, 2 kwargs, 4 caller are
 * read (and not parameters), 8 `caller` is a parameter */
static void macro_flags(struct checker *c, struct node *n)
{
    struct undecl u = {0, 0};
    int explicit_caller = -1;
    int i;
    unsigned params = 0;
    ud_stmts(&u, n->items, n->n, 0);
    for (i = 0; i < n->nnames; i++) {
        unsigned b = special_bit(n->names[i]);
        if (b == U_CALLER) {
            explicit_caller = i;
        }
        params |= b;
    }
    n->flags &= ~15;
    if ((u.found & U_CALLER) && explicit_caller >= 0) {
        /* defaults belong to the last nkw parameters */
        if (explicit_caller < n->nnames - n->nkw) {
            fail(c, n->line,
                 "When defining macros or call blocks the special \"caller\" argument must be "
                 "omitted or be given a default.");
        }
    }
    n->flags |= (int)(u.found & ~(params & (U_KWARGS | U_VARARGS)));
    if (explicit_caller >= 0) {
        n->flags |= 8;
    }
}

/* ---- statements ------------------------------------------------------------ */
static void check_stmts(struct checker *c, struct node **v, int k, const struct frame *fr,
                        int depth);

static void set_mode(struct node *n, const struct frame *fr)
{
    n->flags &= ~(NF_AE_ON | NF_AE_VOL);
    n->flags |= (fr->ae ? NF_AE_ON : 0) | (fr->vol ? NF_AE_VOL : 0);
}

static void check_stmt(struct checker *c, struct node *n, const struct frame *fr, int depth)
{
    struct frame inner = *fr; /* Jinja2's frame.inner(): not soft */
    int i;
    inner.soft = 0;
    if (n == NULL || c->failed || depth > TPL_MAX_PARSE_DEPTH * 4) {
        return;
    }
    set_mode(n, fr);
    switch (n->kind) {
    case N_OUTPUT:
        for (i = 0; i < n->n; i++) {
            check_expr_root(c, n->items[i], fr);
        }
        return;
    case N_BODY:
        if (n->a != NULL) { /* {% autoescape a %}: in a Scope (a fresh frame) */
            struct frame sub = inner;
            int truthy;
            int safe;
            check_expr_root(c, n->a, &inner);
            if (tpl_fold_const(c->t, n->a, fr->ae, fr->vol, &truthy, &safe)) {
                sub.ae = truthy;
            } else {
                sub.vol = 1;
            }
            check_stmts(c, n->items, n->n, &sub, depth + 1);
            return;
        }
        check_stmts(c, n->items, n->n, fr, depth + 1);
        return;
    case N_IF: {
        struct frame soft = *fr;
        soft.soft = 1;
        check_expr_root(c, n->a, &soft);
        check_stmts(c, n->items, n->n, &soft, depth + 1);
        if (n->b != NULL && n->b->kind == N_IF) {
            /* elif: same soft frame */
            check_stmt(c, n->b, &soft, depth + 1);
        } else if (n->b != NULL) {
            set_mode(n->b, fr);
            check_stmts(c, n->b->items, n->b->n, &soft, depth + 1);
        }
        return;
    }
    case N_FOR:
        check_expr_root(c, n->b, fr);
        check_expr_root(c, n->c, &inner);
        check_stmts(c, n->items, n->n, &inner, depth + 1);
        if (n->d != NULL) {
            set_mode(n->d, fr);
            check_stmts(c, n->d->items, n->d->n, &inner, depth + 1);
        }
        return;
    case N_SET:
        check_expr_root(c, n->b, fr);
        return;
    case N_SETBLOCK:
    case N_FILTERBLOCK:
        check_stmts(c, n->items, n->n, &inner, depth + 1);
        check_expr_root(c, n->c, &inner);
        return;
    case N_MACRO:
    case N_CALLBLOCK:
        macro_flags(c, n);
        if (n->kind == N_CALLBLOCK) {
            check_expr_root(c, n->a, fr);
        }
        for (i = 0; i < n->nkw; i++) {
            check_expr_root(c, n->kw[i], &inner);
        }
        check_stmts(c, n->items, n->n, &inner, depth + 1);
        return;
    case N_WITH:
        check_expr_root(c, n->b, fr);
        check_stmts(c, n->items, n->n, &inner, depth + 1);
        return;
    case N_BLOCK: {
        /* compiled apart, in the template's default eval context */
        struct frame bf = {0, c->t->env != NULL && c->t->env->autoescape, 0};
        set_mode(n, &bf);
        check_stmts(c, n->items, n->n, &bf, depth + 1);
        return;
    }
    default:
        check_expr_root(c, n->a, fr);
        return; /* include, import, from, extends */
    }
}

static void check_stmts(struct checker *c, struct node **v, int k, const struct frame *fr,
                        int depth)
{
    int i;
    for (i = 0; i < k && !c->failed; i++) {
        check_stmt(c, v[i], fr, depth);
    }
}

int tpl_check(struct octo_tpl *t, octo_error *err)
{
    struct checker *c = tpl_arena_alloc(&t->ar, sizeof(*c));
    struct frame root = {0, t->env != NULL && t->env->autoescape, 0};
    if (c == NULL) {
        tpl_lexer_error(err, t, 0, "out of memory");
        return -1;
    }
    memset(c, 0, sizeof(*c));
    c->t = t;
    c->err = err;
    check_stmt(c, t->root, &root, 0);
    return c->failed ? -1 : 0;
}
