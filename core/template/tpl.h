/* tpl.h - internals shared by the template engine's files.
 *
 * Values (tv) are small tagged structs passed by value. Everything a
 * render allocates comes from its arena (struct arena) and is released at
 * once when the render ends; errors unwind with longjmp to the render's
 * entry point, which is safe because nothing else owns memory. Values from
 * the JSON context are wrapped, never converted (T_JLIST / T_JDICT borrow
 * the json_t; strings point into jansson's storage).
 */
#ifndef OCTO_TPL_H
#define OCTO_TPL_H

#include <jansson.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "bigint.h"
#include "buf.h"
#include "tbuf.h"
#include "template.h"

/* ---- arena ------------------------------------------------------------ */
struct arena_blk {
    struct arena_blk *next;
    size_t size, used;
    size_t cap; /* bytes malloc'd for data (>= size when reused from the cache) */
    _Alignas(16) unsigned char data[];
};
struct arena_cleanup {
    void (*fn)(void *);
    void *p;
    struct arena_cleanup *next;
};
struct arena {
    struct arena_blk *head;
    size_t total;   /* bytes allocated from the system */
    size_t limit;   /* 0 none; else tpl_arena_alloc fails past it */
    struct arena_cleanup *cleanups;
    struct arena_blk *first; /* caller-provided block, not freed */
    int reuse;               /* blocks go to / come from the thread's cache */
};
void tpl_arena_init(struct arena *a, size_t limit);
/* with a first block in caller memory (16-byte aligned) */
void tpl_arena_init_with(struct arena *a, size_t limit, void *mem, size_t size);
void tpl_arena_free(struct arena *a);
/* a render's arena: recycle blocks through a per-thread cache */
void tpl_arena_reuse_blocks(struct arena *a);
/* NULL when out of memory or over the limit. */
void *tpl_arena_alloc(struct arena *a, size_t n);
void tpl_arena_on_free(struct arena *a, void (*fn)(void *), void *p);

/* ---- values ----------------------------------------------------------- */
enum {
    T_UNDEF, T_NONE, T_BOOL, T_INT, T_BIG, T_FLOAT, T_STR,
    T_LIST, T_TUPLE, T_DICT, T_JLIST, T_JDICT, T_ITER, T_FUNC, T_OBJ
};
/* T_ITER kinds (sub) */
enum { IT_GEN, IT_REVERSE, IT_DICT_ITEMS, IT_DICT_KEYS, IT_DICT_VALUES, IT_RANGE, IT_KEYITER };
/* T_TUPLE sub: 1 = groupby tuple (.grouper/.list) */
/* T_OBJ kinds */
enum { O_NAMESPACE, O_LOOP, O_CYCLER, O_JOINER, O_SELF, O_MODULE, O_MACROOBJ };

struct tlist;
struct tdict;
struct tfunc;
struct tobj;
struct tundef;

/* 16 bytes, so that values travel in registers (two words) through calls
 * and returns: a bigger struct goes through memory, where writing it field by
 * field and reading it back whole stalls store forwarding. */
typedef struct tv {
    uint8_t t;
    uint8_t safe; /* T_STR: a Markup string */
    uint16_t sub;
    uint32_t sn;  /* T_STR: length in bytes (strings are shorter than 4 GiB) */
    union {
        int b;
        int64_t i;
        double f;
        struct {
            const char *p;
        } s;
        struct bigint *big;
        struct tlist *l;
        struct tdict *d;
        json_t *j;
        struct tundef *u;
        struct tfunc *fn;
        struct tobj *o;
    } u;
} tv;

struct tlist {
    size_t n, cap;
    tv *it;
    int64_t r0, r1, r2; /* IT_RANGE parameters */
};
struct tdict {
    size_t n, cap;
    tv *k, *v;
    /* hash index, built once a dict grows past 8 keys (vhash.c) */
    uint32_t *idx;
    uint64_t *hashes;
    size_t icap, hcap;
};
struct tundef {
    tv name;             /* T_STR (or any value for "has no element") */
    const char *objtype; /* NULL: "'name' is undefined" */
    const char *hint;    /* custom message (mandatory, ...) or NULL */
};

struct rs;
struct callargs {
    int npos, nkw;
    tv *pos;
    const char **kwn;
    tv *kwv;
};

enum { F_BUILTIN, F_METHOD, F_MACRO, F_CALLER, F_LOOP, F_SUPER, F_BLOCK, F_LOOPCYCLE,
       F_LOOPCHANGED, F_CYCNEXT, F_CYCRESET, F_JOINER };
struct node;
struct scope;
struct tfunc {
    int kind;
    const char *name;
    tv (*fn)(struct rs *, struct tfunc *, struct callargs *);
    tv self;
    struct node *node;   /* macro / call block / loop body */
    struct scope *closure;
    const struct octo_tpl *tpl; /* template defining the macro / block */
    void *data;
    int catch_varargs, catch_kwargs, uses_caller;
    /* macros: 0 runs in the caller's eval context; else 1 + the autoescape
     * of the context it belongs to (an imported module's, a call block's) */
    int own_ae;
};

struct loopctx;
struct tobj {
    int kind;
    struct tdict *attrs;  /* namespace / module attributes */
    struct loopctx *loop; /* O_LOOP */
    tv items;             /* cycler items (T_LIST) */
    size_t pos;           /* cycler position / joiner used */
    const char *name;     /* module / joiner separator */
    size_t namelen;
    const struct octo_tpl *tpl; /* O_SELF */
};

/* ---- AST ---------------------------------------------------------------- */
enum {
    /* expressions */
    N_CONST, N_NAME, N_GETATTR, N_GETITEM, N_SLICE, N_CALL, N_FILTER, N_TEST, N_LIST, N_TUPLE,
    N_DICT, N_BINOP, N_NEG, N_POS, N_NOT, N_AND, N_OR, N_CONCAT, N_COMPARE, N_COND, N_NSREF,
    /* statements */
    N_BODY, N_DATA, N_OUTPUT, N_IF, N_FOR, N_SET, N_SETBLOCK, N_MACRO, N_CALLBLOCK, N_FILTERBLOCK,
    N_WITH, N_INCLUDE, N_IMPORT, N_FROMIMPORT, N_EXTENDS, N_BLOCK
};
#define NF_FOLDED 0x100 /* constant sub-expression (fold.c) */
/* Jinja2's compile-time eval context where the node is (check.c): autoescape
 * on (output escaped, ~ is markup_join), or volatile (an {% autoescape %}
 * whose value was not constant: decided at run time) */
#define NF_AE_ON 0x200
#define NF_AE_VOL 0x400
enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW };
enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN };

typedef tv (*filter_fn)(struct rs *, tv, struct callargs *);
typedef int (*test_fn)(struct rs *, tv, struct callargs *);

/* One node type for everything; field use per kind:
 *  CONST val | NAME str | GETATTR a.str | GETITEM a[b] | SLICE a:b:c (NULL = none)
 *  CALL a(items, kwn=kw, *c, **d) | FILTER a|str(items, kw, *c, **d) fn
 *  TEST a is str(...) tfn | LIST/TUPLE items | DICT items(keys) kw(values)
 *  BINOP a op b | NEG/POS/NOT a | AND/OR a b | CONCAT items
 *  COMPARE a, ops[i] items[i] | COND a if b else c | NSREF str.str2
 *  BODY items | DATA str | OUTPUT items | IF a items(body) b(else: IF or BODY)
 *  FOR a(target) b(iter) c(test) items(body) d(else body) flags=recursive
 *  SET a(target) b(value) | SETBLOCK a(target) c(filter chain) items(body)
 *  MACRO str, params(names) kw(defaults, n = nparams) items(body)
 *  CALLBLOCK params kw(defaults) a(call) items(body)
 *  FILTERBLOCK c(filter chain: FILTER nodes with a = inner or NULL) items
 *  WITH params(targets as nodes in kw) items(body) -- targets: kw[i], values: args[i]
 *  INCLUDE a(name) flags: 1 ignore missing, 2 with context
 *  IMPORT a str(target) flags 2 with context
 *  FROMIMPORT a names/str2s(aliases) flags | EXTENDS a | BLOCK str items flags 1 scoped */
struct node {
    uint16_t kind;
    uint16_t op;
    int line;
    int flags;
    struct node *a, *b, *c, *d;
    struct node **items;
    int n;
    struct node **kw;
    const char **kwn;
    int nkw;
    uint8_t *ops;
    const char *str;
    size_t slen;
    uint32_t hash;
    const char *str2;
    const char **names;
    const char **names2;
    int nnames;
    tv val;
    filter_fn ffn;
    test_fn tfn;
    int aux; /* precomputed by tpl_annotate (annotate.c): AUX_* per kind */
};

/* N_GETATTR aux: the loop attribute (LA_*) in the low byte, and whether
 * the name is a dict method (then a.name is not a plain key lookup) */
enum { LA_NONE, LA_INDEX, LA_INDEX0, LA_LENGTH, LA_REVINDEX, LA_REVINDEX0, LA_FIRST, LA_LAST,
       LA_DEPTH, LA_DEPTH0 };
#define AUX_LOOPATTR 0xff
#define AUX_DICTMETH 0x100
/* N_FILTER aux: x|list|length (or count), both without arguments */
#define AUX_LENLIST 0x200

struct blockdef {
    const char *name;
    struct node *node;
};

struct octo_tpl {
    atomic_int refs;
    char *name;
    const struct octo_tpl_env *env;
    struct arena ar; /* AST memory */
    struct node *root;
    struct blockdef *blocks;
    int nblocks;
    int has_extends;
};

/* ---- render state -------------------------------------------------------- */
struct var {
    const char *name;
    size_t len;
    uint32_t hash;
    tv val;
};
struct scope {
    struct scope *parent;
    json_t *ctx; /* consulted after this scope's own variables */
    struct var *v;
    size_t n, cap;
    int is_root;
};

struct blockchain {
    const char *name;
    int n, cap;
    struct node **nodes;
    const struct octo_tpl **tpls;
};

struct tframe;
struct rs {
    jmp_buf jb;
    octo_error *err;
    struct arena ar;
    const struct octo_tpl *tpl; /* template whose code runs (messages) */
    const struct octo_tpl_env *env;
    struct octo_buf *out;
    size_t max_output;
    int depth, max_depth;
    int line;
    int autoescape; /* inside {% autoescape true %} */
    int folding;    /* compile-time evaluation of a constant {{ expression }} */
    int fold_volatile; /* ... in a volatile eval context: filters and tests are not constant */
    uint64_t steps, max_steps;
    struct blockchain *blocks;
    int nblocks, capblocks;
    struct scope *tscope; /* root scope of the running template */
    struct tframe *frame; /* the running template's extends state */
    struct bigint **jbig; /* big integers met by v_to_json (placeholders) */
    int njbig;
    struct octo_buf *pool[32]; /* reusable scratch buffers (rs_buf) */
    int npool;
    /* names found (or not) in the context during this render, as Jinja2
     * resolves each context name once per render: direct-mapped by the
     * name's hash, keyed by the name's address (template memory lives as
     * long as the render) and the context object */
    struct ctxhit {
        const char *name;
        size_t n;
        json_t *ctx;
        json_t *val;
    } ctxcache[32];
    /* the last context object and value met by each a.b of the template
     * (direct-mapped by the node's address): {{ app.domain }} in a loop
     * looks the key up once */
    struct attrhit {
        const struct node *node;
        json_t *obj;
        json_t *val;
    } attrcache[32];
    struct octo_tpl_undef *undef; /* octo_tpl_render_ex: undefined values written */
    _Alignas(16) unsigned char first_block[16384]; /* first arena block */
};

uint32_t tpl_hash(const char *s, size_t n);

/* errors: never return */
_Noreturn void rs_fail(struct rs *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void rs_oom(struct rs *st);
_Noreturn void rs_undefined_fail(struct rs *st, tv u);
void *rs_alloc_slow(struct rs *st, size_t n);
/* n bytes (16-aligned) from the render's arena; fails the render when out
 * of memory. The bump of tpl_arena_alloc inline. */
static inline void *rs_alloc(struct rs *st, size_t n)
{
    struct arena_blk *b = st->ar.head;
    size_t r = (n + 15u) & ~(size_t)15u;
    if (b != NULL && n - 1 < ((size_t)1 << 40) && b->size - b->used >= r) {
        void *p = b->data + b->used;
        b->used += r;
        return p;
    }
    return rs_alloc_slow(st, n);
}

/* A JSON integer beyond int64 is carried in the context as a JSON string
 * holding this 8-byte mark then a struct bigint (see octo_tpl_json_bigint). */
#define BIGINT_MARK "\0OCTBIG"
#define BIGINT_MARK_LEN 8

/* ---- value helpers (value.c) -------------------------------------------- */
static inline tv v_none(void) { tv v = {T_NONE, 0, 0, 0, {0}}; return v; }
static inline tv v_undef(void) { tv v = {T_UNDEF, 0, 0, 0, {0}}; return v; }
static inline tv v_bool(int b) { tv v = {T_BOOL, 0, 0, 0, {0}}; v.u.b = b != 0; return v; }
static inline tv v_int(int64_t i) { tv v = {T_INT, 0, 0, 0, {0}}; v.u.i = i; return v; }
static inline tv v_float(double f) { tv v = {T_FLOAT, 0, 0, 0, {0}}; v.u.f = f; return v; }
static inline tv v_str(const char *p, size_t n) { tv v = {T_STR, 0, 0, (uint32_t)n, {0}}; v.u.s.p = p; return v; }

/* v_from_json, json_truthy: context values (needs the definitions above) */
#include "tvjson.h"

tv v_cstr(const char *s);
tv v_strdup(struct rs *st, const char *p, size_t n);
tv v_big(struct rs *st, struct bigint *b); /* normalizes to T_INT when it fits */
tv v_list_new(struct rs *st, size_t cap);
tv v_tuple_new(struct rs *st, size_t cap);
tv v_dict_new(struct rs *st, size_t cap);
tv v_iter_from(struct rs *st, tv list, int kind);
tv v_undef_name(struct rs *st, const char *name, size_t n);
tv v_undef_attr(struct rs *st, tv obj, tv name);
tv v_func(struct rs *st, int kind, const char *name, tv self);
void tpl_list_push(struct rs *st, struct tlist *l, tv x);
void tpl_dict_set(struct rs *st, struct tdict *d, tv k, tv x);
void tpl_dict_add_new(struct rs *st, struct tdict *d, tv k, tv x); /* k known to be missing */
int tpl_dict_find(struct tdict *d, tv k, size_t *idx);
/* hashing (vhash.c): 0 when unhashable */
int v_hash(struct rs *st, tv v, uint64_t *out, int depth);
void tpl_dict_reindex(struct rs *st, struct tdict *d);
int tpl_dict_find_indexed(struct tdict *d, tv k, uint64_t h, size_t *pos);
void tpl_dict_index_add(struct rs *st, struct tdict *d, uint64_t h, size_t pos);
void tpl_dict_drop_index(struct tdict *d);
/* account for n units of work in the render's budget */
void tpl_charge(struct rs *st, size_t n);
int tpl_dict_get_str(struct tdict *d, const char *k, size_t n, tv *out);

int v_truthy(struct rs *st, tv v);
int v_is_int(tv v);  /* int or bigint or bool */
int v_is_num(tv v);  /* int, bigint, float, bool */
int v_is_seq(tv v);  /* list, tuple, jlist, range */
int v_is_map(tv v);  /* dict, jdict */
int v_is_iterable(tv v);
const char *v_typename(tv v); /* Python type name: str int list dict ... */
int v_eq(struct rs *st, tv a, tv b);
/* Python ordering; fails with TypeError when unorderable. */
int v_cmp(struct rs *st, tv a, tv b);
int v_contains(struct rs *st, tv container, tv item);
size_t v_len(struct rs *st, tv v); /* TypeError when no len() */
int v_has_len(tv v);
/* Materialize an iterable into an array (arena). Strings give one-char strings, maps keys. */
tv *v_iterate(struct rs *st, tv v, size_t *n);
size_t tpl_seq_len(tv v);
tv tpl_seq_at(tv v, size_t i);
size_t tpl_map_len(tv v);
int tpl_map_get(struct rs *st, tv m, tv key, tv *out);
void tpl_map_items(struct rs *st, tv m, tv **keys, tv **vals, size_t *n);
tv v_getattr(struct rs *st, tv obj, const char *name, size_t n);
tv v_getitem(struct rs *st, tv obj, tv key);
tv v_slice(struct rs *st, tv obj, tv start, tv stop, tv step);
double v_to_double(tv v);
tv v_to_list(struct rs *st, tv v);

/* ---- strings (ustr.c) ------------------------------------------------------ */
size_t u_len(const char *s, size_t n);                  /* code points */
size_t u_offset(const char *s, size_t n, size_t cpidx); /* byte offset of cp index */
unsigned u_upper(unsigned c);
unsigned u_lower(unsigned c);
int u_isspace(unsigned c);
int u_isalpha(unsigned c);
int u_isdigit(unsigned c);
int u_isalnum(unsigned c);
int u_isupper(unsigned c);
int u_islower(unsigned c);
unsigned u_next(const char *s, size_t n, size_t *i); /* decode at *i, advance */
void u_put(struct octo_buf *b, unsigned c);
tv s_upper(struct rs *st, tv s);
tv s_lower(struct rs *st, tv s);
tv s_capitalize(struct rs *st, tv s);
tv s_pytitle(struct rs *st, tv s);
tv s_strip(struct rs *st, tv s, tv chars, int left, int right);
tv s_replace(struct rs *st, tv s, tv old, tv new_, int64_t count);
tv s_split(struct rs *st, tv s, tv sep, int64_t maxsplit, int right);
/* A scratch buffer limited to max_output, released with the render. */
struct octo_buf *rs_buf(struct rs *st);
tv s_from_buf(struct rs *st, struct octo_buf *b); /* copies into arena, frees b's storage */
void rs_buf_release(struct rs *st, struct octo_buf *b); /* back to the pool, text dropped */
tv s_concat(struct rs *st, tv a, tv b);
int s_is_ascii(const char *p, size_t n);
char *s_alloc_text(struct rs *st, size_t n); /* n + 1 bytes, NULL when over max_output */
int64_t s_find(tv hay, tv needle, int64_t start, int64_t end, int rev); /* cp index or -1 */
int s_startswith(tv s, tv prefix);
int s_endswith(tv s, tv suffix);

/* ---- text forms (repr.c) --------------------------------------------------- */
/* decimal text of v into buf (at least 21 bytes); returns the length */
static inline size_t i64_to_dec(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    size_t k = 0;
    uint64_t m = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + m % 10u);
        m /= 10u;
    } while (m);
    if (v < 0) {
        buf[k++] = '-';
    }
    while (n) {
        buf[k++] = tmp[--n];
    }
    return k;
}
void v_str_to(struct rs *st, tv v, struct octo_buf *out);  /* str(v) */
tv v_to_str(struct rs *st, tv v);                          /* str(v) as T_STR */
tv v_repr(struct rs *st, tv v);

/* ---- operators (ops.c) ----------------------------------------------------- */
tv tpl_op_binary(struct rs *st, int op, tv a, tv b);
tv tpl_op_neg(struct rs *st, tv a);
tv tpl_op_pos(struct rs *st, tv a);
tv tpl_op_percent(struct rs *st, tv fmt, tv args); /* printf-style % */
tv tpl_f_format(struct rs *st, tv v, struct callargs *a); /* the format filter (pformat.c) */
int64_t v_as_index(struct rs *st, tv v, const char *what);
tv v_int_parse(struct rs *st, const char *s, size_t n, int base, int *ok);

/* ---- calls ----------------------------------------------------------------- */
/* Bind args to params: out[i] = T_UNDEF with sub=0xffff when missing. Fails on
 * extra or unknown arguments. */
#define ARG_MISSING 0xffff
void tpl_bind_args(struct rs *st, const char *fname, struct callargs *a, const char *const *names,
               int nnames, tv *out);
static inline int arg_given(tv v) { return !(v.t == T_UNDEF && v.sub == ARG_MISSING); }
tv tpl_call_value(struct rs *st, tv fn, struct callargs *a);
tv tpl_call_method(struct rs *st, tv self, const char *name, struct callargs *a);
int tpl_has_method(tv self, const char *name, size_t n);
tv tpl_dict_copy(struct rs *st, tv d);              /* dict.copy(), also of context dicts */
int tpl_str_has_method(const char *name, size_t n); /* methods_str.c */
tv tpl_str_call_method(struct rs *st, tv s, const char *m, struct callargs *a); /* methods_str.c */
/* str.format (strformat.c) */
tv tpl_str_format(struct rs *st, tv fmt, struct callargs *a);
tv tpl_global_lookup(const char *name, size_t n, struct rs *st, int *found);
/* dict(...): a new dict from the arguments (also dict.update) */
tv tpl_g_dict_call(struct rs *st, struct callargs *a);

/* ---- filters / tests ------------------------------------------------------- */
void tpl_sort_values(struct rs *st, tv *items, size_t n, int reverse, int case_sensitive, tv *keys);
filter_fn tpl_filter_lookup(const char *name);
test_fn tpl_test_lookup(const char *name);
int tpl_apply_test_name(struct rs *st, const char *name, tv v, struct callargs *a);
struct fentry {
    const char *name;
    filter_fn fn;
};
struct tentry {
    const char *name;
    test_fn fn;
};

/* ---- compile / tpl_eval -------------------------------------------------------- */
int tpl_parse(struct octo_tpl *t, const char *src, size_t len, octo_error *err);
/* check.c, after parsing: Jinja2's compile-time checks and annotations */
int tpl_check(struct octo_tpl *t, octo_error *err);
/* fold.c: evaluate e as Jinja2's as_const would in the eval context (ae,
 * vol); 1 when constant, with its truth and whether it has a safe repr */
int tpl_fold_const(struct octo_tpl *t, struct node *e, int ae, int vol, int *truthy, int *saferepr);
tv tpl_escape_str(struct rs *st, tv s); /* markupsafe.escape */
void tpl_fold(struct octo_tpl *t); /* fold.c */
void tpl_annotate(struct octo_tpl *t); /* annotate.c: after tpl_fold */
extern const char tpl_str_loop[]; /* "loop", the address every template's names use */
tv tpl_eval_node(struct rs *st, struct node *n, struct scope *sc);
tv tpl_eval_folded(struct rs *st, struct node *n, struct scope *sc);
static inline tv tpl_eval(struct rs *st, struct node *n, struct scope *sc)
{
    if (__builtin_expect((n->flags & NF_FOLDED) != 0, 0) && !st->folding) {
        return tpl_eval_folded(st, n, sc);
    }
    return tpl_eval_node(st, n, sc);
}
void tpl_exec_body(struct rs *st, struct node *body, struct scope *sc);
void tpl_exec_template(struct rs *st, const struct octo_tpl *t, struct scope *sc);
/* include, import, from-import, extends, block (inherit.c) */
void tpl_exec_stmt_tpl(struct rs *st, struct node *n, struct scope *sc);
struct scope *tpl_scope_new(struct rs *st, struct scope *parent, json_t *ctx);
/* the value comes third so that it travels in registers */
void tpl_scope_put(struct rs *st, struct scope *sc, tv v, const char *name, size_t n, uint32_t h);
static inline void tpl_scope_set(struct rs *st, struct scope *sc, const char *name, size_t n,
                                 uint32_t h, tv v)
{
    tpl_scope_put(st, sc, v, name, n, h);
}
tv tpl_lookup_name(struct rs *st, struct scope *sc, const char *name, size_t n, uint32_t h);
tv tpl_loop_recurse(struct rs *st, struct loopctx *lc, struct callargs *a);
tv tpl_loop_call(struct rs *st, struct tfunc *f, struct callargs *a);
tv tpl_call_block_fn(struct rs *st, struct tfunc *f);
tv tpl_call_macro(struct rs *st, struct tfunc *f, struct callargs *a);
tv tpl_loop_attr(struct rs *st, struct loopctx *lc, const char *name, size_t n);
tv tpl_loop_attr_id(struct loopctx *lc, int id); /* LA_* */
tv tpl_apply_filter_node(struct rs *st, struct node *f, tv input, struct scope *sc);
struct callargs tpl_eval_args(struct rs *st, struct node *n, struct scope *sc, int extra_kw);
void tpl_out_write_slow(struct rs *st, const char *p, size_t n);
/* write to the render's output; fails past the output limit */
static inline void tpl_out_write(struct rs *st, const char *p, size_t n)
{
    struct octo_buf *b = st->out;
    if (!(b->oom | b->over) && b->cap - b->len > n && (b->limit == 0 || b->len + n <= b->limit)) {
        tb_copy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    tpl_out_write_slow(st, p, n);
}
void tpl_check_steps(struct rs *st);

#define TPL_MAX_RANGE 1000000
#define TPL_MAX_PARSE_DEPTH 200
#define TPL_MAX_CHAIN 1000

#endif
