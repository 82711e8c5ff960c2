/* template.c - the public API: compile (the passes, in order; see tpl.h),
 * render (the setjmp every render error returns to; the errors themselves
 * are in render.c), reference counting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "tpl.h"

#define DEFAULT_MAX_OUTPUT  (16u * 1024u * 1024u)
#define DEFAULT_MAX_DEPTH   100
#define RENDER_MEMORY_LIMIT ((size_t)1024u * 1024u * 1024u)

int octo_tpl_is_template(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    for (; (s = strchr(s, '{')) != NULL; s++) {
        if (s[1] == '{' || s[1] == '%' || s[1] == '#') {
            return 1;
        }
    }
    return 0;
}

int octo_tpl_compile(const char *src, size_t len, const char *name, const struct octo_tpl_env *env,
                     struct octo_tpl **out, octo_error *err)
{
    struct octo_tpl *t = calloc(1, sizeof(*t));
    *out = NULL;
    if (t == NULL) {
        if (err) {
            err->code = OCTO_ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "out of memory");
        }
        return OCTO_ENOMEM;
    }
    atomic_init(&t->refs, 1);
    t->env = env;
    t->name = strdup(name ? name : "<template>");
    tpl_arena_init(&t->ar, 0);
    /* The passes (tpl.h): lex+parse; check, which reports what Jinja2
     * reports at compile time and marks the autoescape context fold
     * evaluates in; fold, which turns constant output into text and marks
     * constant sub-expressions; annotate last, on the final tree (it reads
     * fold's marks). Only the first two can fail. */
    if (t->name == NULL || tpl_parser_parse(t, src ? src : "", src ? len : 0, err) != 0 ||
        tpl_check(t, err) != 0) {
        if (t->name == NULL && err) {
            err->code = OCTO_ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "out of memory");
        }
        octo_tpl_unref(t);
        return err ? err->code : OCTO_ETEMPLATE;
    }
    tpl_fold(t);
    tpl_annotate(t);
    *out = t;
    return OCTO_OK;
}

struct octo_tpl *octo_tpl_ref(struct octo_tpl *tpl)
{
    if (tpl != NULL) {
        atomic_fetch_add(&tpl->refs, 1);
    }
    return tpl;
}

void octo_tpl_unref(struct octo_tpl *tpl)
{
    if (tpl == NULL || atomic_fetch_sub(&tpl->refs, 1) != 1) {
        return;
    }
    tpl_arena_free(&tpl->ar);
    free(tpl->name);
    free(tpl);
}

const char *octo_tpl_name(const struct octo_tpl *tpl)
{
    return tpl->name;
}

/* The longjmp target of a render: everything it needs is in st. */
static int render_protected(struct rs *st, const struct octo_tpl *tpl, json_t *ctx)
{
    struct scope *root;
    if (setjmp(st->jb) != 0) {
        return -1;
    }
    root = tpl_eval_scope_new(st, NULL, ctx);
    root->is_root = 1;
    tpl_inherit_exec_template(st, tpl, root);
    return 0;
}

int octo_tpl_render(const struct octo_tpl *tpl, json_t *ctx, struct octo_buf *out, octo_error *err)
{
    return octo_tpl_render_ex(tpl, ctx, out, err, NULL);
}

int octo_tpl_render_ex(const struct octo_tpl *tpl, json_t *ctx, struct octo_buf *out,
                       octo_error *err, struct octo_tpl_undef *undef)
{
    struct rs *st;
    octo_error localerr;
    size_t saved_limit = out->limit;
    size_t lim;
    int rc = OCTO_OK;
    if (err == NULL) {
        err = &localerr;
    }
    memset(err, 0, sizeof(*err));
    st = malloc(sizeof(*st));
    if (st != NULL) {
        memset(st, 0, offsetof(struct rs, first_block));
    }
    if (st == NULL) {
        err->code = OCTO_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return OCTO_ENOMEM;
    }
    tpl_arena_init_with(
        &st->ar, tpl->env && tpl->env->max_memory ? tpl->env->max_memory : RENDER_MEMORY_LIMIT,
        st->first_block, sizeof(st->first_block));
    tpl_arena_reuse_blocks(&st->ar);
    st->max_steps = tpl->env && tpl->env->max_steps ? tpl->env->max_steps : 50000000u;
    st->err = err;
    st->tpl = tpl;
    st->env = tpl->env;
    st->max_output = tpl->env && tpl->env->max_output ? tpl->env->max_output : DEFAULT_MAX_OUTPUT;
    st->max_depth = tpl->env && tpl->env->max_depth > 0 ? tpl->env->max_depth : DEFAULT_MAX_DEPTH;
    st->autoescape = tpl->env != NULL && tpl->env->autoescape;
    st->undef = undef;
    if (undef != NULL) {
        undef->name[0] = '\0';
    }
    if (ctx != NULL && !json_is_object(ctx)) {
        ctx = NULL;
    }
    lim = out->len + st->max_output;
    if (saved_limit == 0 || saved_limit > lim) {
        out->limit = lim;
    }
    st->out = out;
    if (render_protected(st, tpl, ctx) != 0) {
        rc = err->code ? err->code : OCTO_ETEMPLATE;
    } else if (octo_buf_failed(out)) {
        rc = OCTO_ETEMPLATE;
        err->code = rc;
        snprintf(err->msg, sizeof(err->msg), "%s: output exceeds the limit of %zu bytes", tpl->name,
                 st->max_output);
    }
    out->limit = saved_limit;
    tpl_arena_free(&st->ar);
    free(st);
    return rc;
}

int octo_tpl_render_string(const char *src, size_t len, const char *name,
                           const struct octo_tpl_env *env, json_t *ctx, struct octo_buf *out,
                           octo_error *err)
{
    struct octo_tpl *t;
    int rc = octo_tpl_compile(src, len, name, env, &t, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    rc = octo_tpl_render(t, ctx, out, err);
    octo_tpl_unref(t);
    return rc;
}

int octo_tpl_static_text(const struct octo_tpl *tpl, const char **text, size_t *len)
{
    const struct node *root = tpl->root;
    const struct node *out;

    if (tpl->has_extends || tpl->nblocks > 0 || root == NULL) {
        return 0;
    }
    if (root->n == 0) {
        *text = "";
        *len = 0;
        return 1;
    }
    /* one output node holding one piece of text: what a folded
     * condition ({{ false }}, {{ 1 > 2 }}) or a plain word compiles to */
    out = root->items[0];
    if (root->n != 1 || out->kind != N_OUTPUT || out->n != 1 || out->items[0]->kind != N_DATA) {
        return 0;
    }
    *text = out->items[0]->str;
    *len = out->items[0]->slen;
    return 1;
}
