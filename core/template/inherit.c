/* inherit.c - template-level statements: include, import, from-import,
 * extends and blocks (super(), self.name()), all through env->load. */
#include <string.h>

#include "tpl.h"

struct tframe {
    const struct octo_tpl *parent;
    struct octo_buf *saved_out;
};

static void unref_cb(void *p)
{
    octo_tpl_unref(p);
}

/* Load a template by name. For include (select) a list of names is tried in
 * order as Jinja2's select_template does: undefined entries and anything
 * but a string (None...) count as not found. import / extends take one
 * string (Jinja2's get_template). Returns NULL when missing and
 * ignore_missing. */
static const struct octo_tpl *load_tpl(struct rs *st, tv name, int ignore_missing, int select)
{
    octo_error e;
    struct octo_tpl *t = NULL;
    size_t n = 1;
    tv *names = &name;
    size_t i;
    if (st->env == NULL || st->env->load == NULL) {
        tpl_render_fail(st, "no loader for this environment specified");
    }
    if (name.t == T_UNDEF) {
        tpl_render_undefined(st, name);
    }
    if (name.t != T_STR) {
        if (!select) {
            tpl_render_fail(st, "%s", tpl_repr(st, name).u.s.p);
        }
        if (name.t == T_NONE) {
            n = 0;
        } else if (!tpl_value_is_iterable(name)) {
            tpl_render_fail(st, "'%s' object is not iterable", tpl_value_typename(name));
        } else {
            names = tpl_value_iterate(st, name, &n);
        }
    }
    for (i = 0; i < n; i++) {
        tv nm = names[i];
        int rc;
        if (nm.t != T_STR) {
            continue;
        }
        memset(&e, 0, sizeof(e));
        rc = st->env->load(st->env->ud, tpl_value_strdup(st, nm.u.s.p, nm.sn).u.s.p, &t, &e);
        if (rc == OCTO_OK && t != NULL) {
            tpl_arena_on_free(&st->ar, unref_cb, t);
            return t;
        }
        if (rc != OCTO_ENOENT) {
            tpl_render_fail(st, "%s", e.msg[0] ? e.msg : "cannot load template");
        }
    }
    if (ignore_missing) {
        return NULL;
    }
    if (name.t == T_STR) {
        tpl_render_fail(st, "%.*s", (int)name.sn, name.u.s.p);
    }
    if (n == 0) {
        tpl_render_fail(st, "Tried to select from an empty list of templates.");
    }
    tpl_render_fail(st, "none of the templates given were found: %s", tpl_repr(st, name).u.s.p);
}

static struct blockchain *find_chain(struct rs *st, const char *name)
{
    int i;
    for (i = 0; i < st->nblocks; i++) {
        if (strcmp(st->blocks[i].name, name) == 0) {
            return &st->blocks[i];
        }
    }
    return NULL;
}

static void register_blocks(struct rs *st, const struct octo_tpl *t)
{
    int i;
    for (i = 0; i < t->nblocks; i++) {
        struct blockchain *c = find_chain(st, t->blocks[i].name);
        if (c == NULL) {
            if (st->nblocks == st->capblocks) {
                int nc = st->capblocks ? st->capblocks * 2 : 8;
                struct blockchain *nb = tpl_render_alloc(st, (size_t)nc * sizeof(*nb));
                if (st->nblocks) {
                    memcpy(nb, st->blocks, (size_t)st->nblocks * sizeof(*nb));
                }
                st->blocks = nb;
                st->capblocks = nc;
            }
            c = &st->blocks[st->nblocks++];
            memset(c, 0, sizeof(*c));
            c->name = t->blocks[i].name;
        }
        if (c->n == c->cap) {
            int nc = c->cap ? c->cap * 2 : 4;
            struct node **nn = tpl_render_alloc(st, (size_t)nc * sizeof(*nn));
            const struct octo_tpl **nt = tpl_render_alloc(st, (size_t)nc * sizeof(*nt));
            if (c->n) {
                memcpy(nn, c->nodes, (size_t)c->n * sizeof(*nn));
                memcpy(nt, c->tpls, (size_t)c->n * sizeof(*nt));
            }
            c->nodes = nn;
            c->tpls = nt;
            c->cap = nc;
        }
        c->nodes[c->n] = t->blocks[i].node;
        c->tpls[c->n] = t;
        c->n++;
    }
}

struct superdata {
    struct blockchain *chain;
    int idx;
    struct scope *sc;
};

/* render block chain[idx] into the current output; sc is the scope the
 * whole chain sees (super() included): the local one where the executing
 * {% block %} is scoped, else the template's */
static void render_block(struct rs *st, struct blockchain *c, int idx, struct scope *sc)
{
    struct node *n = c->nodes[idx];
    struct scope *bs = tpl_eval_scope_new(st, sc, NULL);
    const struct octo_tpl *saved = st->tpl;
    tv sup = tpl_value_func(st, F_SUPER, "super", tpl_value_none());
    struct superdata *sd = tpl_render_alloc(st, sizeof(*sd));
    if (++st->depth > st->max_depth) {
        tpl_render_fail(st, "maximum recursion depth exceeded (%d)", st->max_depth);
    }
    sd->chain = c;
    sd->idx = idx;
    sd->sc = sc;
    sup.u.fn->data = sd;
    tpl_eval_scope_set(st, bs, "super", 5, tpl_eval_hash("super", 5), sup);
    st->tpl = c->tpls[idx];
    tpl_exec_body(st, n, bs);
    st->tpl = saved;
    st->depth--;
}

tv tpl_inherit_call_block(struct rs *st, struct tfunc *f)
{
    tv r;
    struct octo_buf *saved = st->out;
    struct octo_buf *b = tpl_render_buf(st);
    st->out = b;
    if (f->kind == F_SUPER) {
        struct superdata *sd = f->data;
        if (sd->idx + 1 >= sd->chain->n) {
            st->out = saved;
            tpl_render_fail(st, "there is no parent block called '%s'.", sd->chain->name);
        }
        render_block(st, sd->chain, sd->idx + 1, sd->sc);
    } else {
        struct blockchain *c = f->data;
        render_block(st, c, 0, st->tscope);
    }
    st->out = saved;
    r = tpl_render_buf_str(st, b);
    r.safe = (uint8_t)(st->autoescape != 0); /* BlockReference.__call__ */
    return r;
}

static struct tframe *cur_frame(struct rs *st);

void tpl_inherit_exec_template(struct rs *st, const struct octo_tpl *t, struct scope *sc)
{
    const struct octo_tpl *saved_tpl = st->tpl;
    struct scope *saved_scope = st->tscope;
    struct tframe frame;
    struct tframe *saved_frame;
    if (++st->depth > st->max_depth) {
        tpl_render_fail(st, "maximum recursion depth exceeded (%d)", st->max_depth);
    }
    memset(&frame, 0, sizeof(frame));
    saved_frame = cur_frame(st);
    st->frame = &frame;
    st->tpl = t;
    st->tscope = sc;
    register_blocks(st, t);
    tpl_exec_body(st, t->root, sc);
    st->frame = saved_frame;
    if (frame.parent != NULL) {
        st->out = frame.saved_out;
        tpl_inherit_exec_template(st, frame.parent, sc);
    }
    st->tpl = saved_tpl;
    st->tscope = saved_scope;
    st->depth--;
}

static struct tframe *cur_frame(struct rs *st)
{
    return st->frame;
}

static tv make_module(struct rs *st, const struct octo_tpl *t, struct scope *parent, tv name)
{
    struct scope *ms = tpl_eval_scope_new(st, parent, NULL);
    struct blockchain *sb = st->blocks;
    int snb = st->nblocks;
    int scb = st->capblocks;
    struct octo_buf *saved = st->out;
    struct tobj *o = tpl_render_alloc(st, sizeof(*o));
    tv mod = {T_OBJ, 0, 0, 0, {0}};
    tv d = tpl_value_dict_new(st, 0);
    size_t i;
    int saved_ae = st->autoescape;
    st->blocks = NULL;
    st->nblocks = st->capblocks = 0;
    st->out = tpl_render_buf(st);
    st->autoescape = st->env != NULL && st->env->autoescape; /* a new context */
    tpl_inherit_exec_template(st, t, ms);
    st->autoescape = saved_ae;
    st->out = saved;
    st->blocks = sb;
    st->nblocks = snb;
    st->capblocks = scb;
    memset(o, 0, sizeof(*o));
    o->kind = O_MODULE;
    name = tpl_repr_str(st, name);
    o->name = name.u.s.p;
    o->namelen = name.sn;
    for (i = 0; i < ms->n; i++) {
        tv x = ms->v[i].val;
        if (x.t == T_FUNC && x.u.fn->kind == F_MACRO && x.u.fn->tpl == t && !x.u.fn->own_ae) {
            /* called from elsewhere, it still runs in the module's context */
            x.u.fn->own_ae = 1 + (st->env != NULL && st->env->autoescape);
        }
        if (ms->v[i].name[0] != '_') {
            tpl_dict_set(st, d.u.d, tpl_value_str(ms->v[i].name, ms->v[i].len), ms->v[i].val);
        }
    }
    o->attrs = d.u.d;
    mod.u.o = o;
    return mod;
}

void tpl_inherit_exec_stmt(struct rs *st, struct node *n, struct scope *sc)
{
    switch (n->kind) {
    case N_INCLUDE: {
        tv name = tpl_eval(st, n->a, sc);
        const struct octo_tpl *t = load_tpl(st, name, n->flags & 1, 1);
        struct blockchain *sb = st->blocks;
        int snb = st->nblocks;
        int scb = st->capblocks;
        int saved_ae;
        struct scope *is;
        if (t == NULL) {
            return;
        }
        is = tpl_eval_scope_new(st, (n->flags & 2) ? sc : NULL, NULL);
        st->blocks = NULL;
        st->nblocks = st->capblocks = 0;
        /* a new context, with the environment's eval context */
        saved_ae = st->autoescape;
        st->autoescape = st->env != NULL && st->env->autoescape;
        tpl_inherit_exec_template(st, t, is);
        st->autoescape = saved_ae;
        st->blocks = sb;
        st->nblocks = snb;
        st->capblocks = scb;
        return;
    }
    case N_IMPORT: {
        tv name = tpl_eval(st, n->a, sc);
        const struct octo_tpl *t = load_tpl(st, name, 0, 0);
        tv mod = make_module(st, t, (n->flags & 2) ? sc : NULL, name);
        tpl_eval_scope_set(st, sc, n->str, n->slen, n->hash, mod);
        return;
    }
    case N_FROMIMPORT: {
        tv name = tpl_eval(st, n->a, sc);
        const struct octo_tpl *t = load_tpl(st, name, 0, 0);
        tv mod = make_module(st, t, (n->flags & 2) ? sc : NULL, name);
        int i;
        for (i = 0; i < n->nnames; i++) {
            tv v;
            const char *alias = n->names2[i];
            if (!tpl_dict_get_str(mod.u.o->attrs, n->names[i], strlen(n->names[i]), &v)) {
                v = tpl_value_undef_name(st, n->names[i], strlen(n->names[i]));
                v.u.u->hint = "the template does not export the requested name";
            }
            tpl_eval_scope_set(st, sc, alias, strlen(alias), tpl_eval_hash(alias, strlen(alias)),
                               v);
        }
        return;
    }
    case N_EXTENDS: {
        struct tframe *f = cur_frame(st);
        tv name = tpl_eval(st, n->a, sc);
        const struct octo_tpl *t;
        if (f == NULL) {
            tpl_render_fail(st, "extends outside of a template");
        }
        if (f->parent != NULL) {
            tpl_render_fail(st, "extended multiple times");
        }
        t = load_tpl(st, name, 0, 0);
        f->parent = t;
        f->saved_out = st->out;
        st->out = tpl_render_buf(st);
        return;
    }
    case N_BLOCK: {
        struct tframe *f = cur_frame(st);
        struct blockchain *c;
        if (f != NULL && f->parent != NULL) {
            return;
        }
        c = find_chain(st, n->str);
        /* both from this statement, not from the override: Jinja2 decides
         * them where the block is called */
        if ((n->flags & 2) && (c == NULL || c->n <= 1)) {
            tpl_render_fail(st, "Required block '%s' not found", n->str);
        }
        if (c == NULL || c->n == 0) {
            return;
        }
        render_block(st, c, 0, (n->flags & 1) ? sc : st->tscope);
        return;
    }
    default:
        tpl_render_fail(st, "unknown statement");
    }
}
