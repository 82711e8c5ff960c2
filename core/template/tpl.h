/* tpl.h - internals shared by the template engine's files. The API is
 * template.h; nothing outside core/template includes this header.
 *
 * Memory and errors. Values (tv) are small tagged structs passed by value.
 * Everything a render allocates comes from its arena (struct arena) and is
 * released at once when the render ends; errors unwind with longjmp to the
 * render's entry point, which is safe because nothing else owns memory.
 * Values from the JSON context are wrapped, never converted (T_JLIST /
 * T_JDICT borrow the json_t; strings point into jansson's storage).
 *
 * The passes. octo_tpl_compile (template.c) turns source into a tree that
 * is never changed again, so any number of threads render it at once:
 *   1. lexer      source -> tokens. Where text ends and code begins ({{ {%
 *                 {#, raw blocks, - and + whitespace control) is a matter of
 *                 characters, not grammar, so it is settled first.
 *   2. parser     tokens -> tree (struct node) with Jinja2's grammar,
 *                 precedence and syntax error messages.
 *   3. check      what Jinja2's code generator decides before any render,
 *                 needing the whole tree: unknown filters and tests (errors,
 *                 except in if branches and conditional expressions, where
 *                 they fail when reached), which of caller, varargs, kwargs
 *                 a macro reads, the autoescape context of each node.
 *   4. fold       what Jinja2's optimizer computes at compile time: constant
 *                 {{ output }} becomes text, constant sub-expressions are
 *                 marked (NF_FOLDED) to keep compile-time rules at render.
 *                 Its rules differ from run time ({{ (1)[::-1] }} is '', not
 *                 an error), so output is only byte-identical if we fold too.
 *   5. annotate   precomputes what every render would find again (interned
 *                 names, loop attribute ids, x|list|length); last, because
 *                 folding changes the tree.
 * A render (octo_tpl_render_ex, template.c) gets a struct rs and an arena:
 * exec runs the statements, eval the expressions, inherit the template
 * statements (extends, blocks, include, import) through env->load.
 *
 * Names. The public API is octo_tpl_*. A function or object shared between
 * files is tpl_<module>_<what> (tpl_<module> for a module's main entry:
 * tpl_check, tpl_repr), <module> being the file's name, or for a module of
 * several files the part before the underscore (parser_stmt.c ->
 * tpl_parser_*, filters_*.c -> tpl_filters_*); a header's inline functions
 * take their module's prefix (tbuf.h -> tpl_tbuf_*). Each is declared in a
 * header, with TPL_INTERNAL (no prototypes in .c files: the build is clean
 * with -Wmissing-prototypes). File-local functions are static and have no
 * prefix. Types, enum constants and macros keep short names.
 *
 * Files (the prefix of what each shares):
 *   template.h      the API (octo_tpl_*): compile, render, limits, undefined
 *   template.c      the API: compile (the passes in order), render entry
 *                   (setjmp target), reference counting
 *   jsonbig.c       the API for integers beyond int64 in JSON contexts
 *   render_cli.c    the API's `render` command (octo_tpl_render_cli)
 *   tpl.h           this: values, tree, render state; declarations by module
 *   internal.h      TPL_INTERNAL (hidden visibility)
 *   lexer.c         tokens, whitespace control (tpl_lexer_; lexer.h)
 *   lexer_lit.c     string and number literals (lexer_int.h: shared state)
 *   parser.c        expressions by precedence, token helpers (tpl_parser_;
 *                   parser.h: state shared by the parser_*.c files)
 *   parser_postfix.c  a.b, a[b], a(...), filters, tests of an expression
 *   parser_stmt.c   statements, and tpl_parser_parse (runs the lexer)
 *   parser_tpl.c    block, extends, include, import, from
 *   check.c         pass 3 (tpl_check)
 *   fold.c          pass 4 (tpl_fold; tpl_fold_const for check.c)
 *   annotate.c      pass 5 (tpl_annotate)
 *   render.c        failing a render, arena memory, scratch buffers, the
 *                   work budget (tpl_render_)
 *   eval.c          expressions, scopes, name lookup (tpl_eval_)
 *   exec.c          statements: output, if, for and loop, set, with, macros,
 *                   call blocks (tpl_exec_)
 *   inherit.c       extends, blocks, super(), include, import (tpl_inherit_)
 *   value.c         value model: construction, truth, length, iteration,
 *                   sequences and maps (tpl_value_; tvjson.h: context values)
 *   dict.c          template dicts: lookup, insertion, copy, hash index
 *                   (tpl_dict_)
 *   compare.c       ==, ordering, in (tpl_compare_)
 *   access.c        a.b, a[b], a[i:j] with Jinja2's fallbacks (tpl_access_)
 *   ops.c           arithmetic with Python's semantics (tpl_ops_)
 *   pformat.c       'fmt' % args and the format filter (tpl_pformat_)
 *   strformat.c     str.format (tpl_strformat)
 *   repr.c          str() and repr() as Python prints them (tpl_repr_)
 *   ustr.c          strings by code point: length, find, split, case
 *                   (tpl_ustr_)
 *   ucase.c         character classes and case mapping (tpl_ucase_)
 *   ident.h, ident_tab.c  Python identifier classes, generated by
 *                   tools/gen_ident.py (tpl_ident_)
 *   tbuf.h          inline buffer appends (tpl_tbuf_)
 *   bigint.c, bigint.h  arbitrary-precision integers (tpl_bigint_)
 *   calls.c         calling values, argument binding, the globals (range,
 *                   dict, namespace, cycler, joiner, lipsum) (tpl_calls_)
 *   methods.c       method tables and dispatch, list/dict/number methods
 *                   (tpl_methods_; methods.h: struct method)
 *   methods_str.c   str methods (tpl_methods_str)
 *   filters.h       what the filters_*.c files share (BIND, NOARGS, tables)
 *   filters_string.c  text: case, trim, replace, truncate, indent, escape,
 *                   striptags, urlencode, wordcount (tpl_filters_)
 *   filters_wrap.c  wordwrap, urlize
 *   filters_coll.c  sequences: map, select, join, first, last, sum, unique,
 *                   batch, slice, length, list, attr...
 *   filters_sort.c  sort, dictsort, groupby, min, max
 *   filters_num.c   abs, int, float, round, filesizeformat
 *   filters_misc.c  default, tojson, pprint, xmlattr; value -> JSON; the
 *                   registry (tpl_filters_lookup)
 *   filters_ansible.c  Ansible's to_json, from_yaml, b64encode, combine...
 *   filters_regex.c Ansible's regex_search, regex_replace, regex_findall
 *   tre.c, tre.h    Python regular expressions over core/pyregex (tpl_tre_)
 *   tests.c         Jinja2's tests: defined, odd, in... (tpl_tests_)
 *   tools/          gen_ident.py; octo_tpl_render.c, a renderer for
 *                   tests/unit/template/diff_jinja.py
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
#include "internal.h"
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
    size_t total; /* bytes allocated from the system */
    size_t limit; /* 0 none; else tpl_arena_alloc fails past it */
    struct arena_cleanup *cleanups;
    struct arena_blk *first; /* caller-provided block, not freed */
    int reuse;               /* blocks go to / come from the thread's cache */
};
TPL_INTERNAL void tpl_arena_init(struct arena *a, size_t limit);
/* with a first block in caller memory (16-byte aligned) */
TPL_INTERNAL void tpl_arena_init_with(struct arena *a, size_t limit, void *mem, size_t size);
TPL_INTERNAL void tpl_arena_free(struct arena *a);
/* a render's arena: recycle blocks through a per-thread cache */
TPL_INTERNAL void tpl_arena_reuse_blocks(struct arena *a);
/* NULL when out of memory or over the limit. */
TPL_INTERNAL void *tpl_arena_alloc(struct arena *a, size_t n);
TPL_INTERNAL void tpl_arena_on_free(struct arena *a, void (*fn)(void *), void *p);

/* ---- values ----------------------------------------------------------- */
enum {
    T_UNDEF,
    T_NONE,
    T_BOOL,
    T_INT,
    T_BIG,
    T_FLOAT,
    T_STR,
    T_LIST,
    T_TUPLE,
    T_DICT,
    T_JLIST,
    T_JDICT,
    T_ITER,
    T_FUNC,
    T_OBJ
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
    uint32_t sn; /* T_STR: length in bytes (strings are shorter than 4 GiB) */
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
    /* hash index, built once a dict grows past 8 keys (dict.c) */
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

enum {
    F_BUILTIN,
    F_METHOD,
    F_MACRO,
    F_CALLER,
    F_LOOP,
    F_SUPER,
    F_BLOCK,
    F_LOOPCYCLE,
    F_LOOPCHANGED,
    F_CYCNEXT,
    F_CYCRESET,
    F_JOINER
};
struct node;
struct scope;
struct tfunc {
    int kind;
    const char *name;
    tv (*fn)(struct rs *, struct tfunc *, struct callargs *);
    tv self;
    struct node *node; /* macro / call block / loop body */
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
    N_CONST,
    N_NAME,
    N_GETATTR,
    N_GETITEM,
    N_SLICE,
    N_CALL,
    N_FILTER,
    N_TEST,
    N_LIST,
    N_TUPLE,
    N_DICT,
    N_BINOP,
    N_NEG,
    N_POS,
    N_NOT,
    N_AND,
    N_OR,
    N_CONCAT,
    N_COMPARE,
    N_COND,
    N_NSREF,
    /* statements */
    N_BODY,
    N_DATA,
    N_OUTPUT,
    N_IF,
    N_FOR,
    N_SET,
    N_SETBLOCK,
    N_MACRO,
    N_CALLBLOCK,
    N_FILTERBLOCK,
    N_WITH,
    N_INCLUDE,
    N_IMPORT,
    N_FROMIMPORT,
    N_EXTENDS,
    N_BLOCK
};
#define NF_FOLDED 0x100 /* constant sub-expression (fold.c) */
/* Jinja2's compile-time eval context where the node is (check.c): autoescape
 * on (output escaped, ~ is markup_join), or volatile (an {% autoescape %}
 * whose value was not constant: decided at run time) */
#define NF_AE_ON  0x200
#define NF_AE_VOL 0x400
/* N_FILTER: a FILTER_PASS_CONTEXT filter (never constant) */
#define NF_PASSCTX 0x800
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

/* N_GETATTR aux: the loop attribute (LA_*; names in exec.c) in the low
 * byte, and whether the name is a dict method (then a.name is not a plain
 * key lookup) */
enum {
    LA_NONE,
    LA_INDEX,
    LA_INDEX0,
    LA_LENGTH,
    LA_REVINDEX,
    LA_REVINDEX0,
    LA_FIRST,
    LA_LAST,
    LA_DEPTH,
    LA_DEPTH0
};
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
    int autoescape;    /* inside {% autoescape true %} */
    int folding;       /* compile-time evaluation of a constant {{ expression }} */
    int fold_volatile; /* ... in a volatile eval context: filters and tests are not constant */
    uint64_t steps, max_steps;
    struct blockchain *blocks;
    int nblocks, capblocks;
    struct scope *tscope; /* root scope of the running template */
    struct tframe *frame; /* the running template's extends state */
    struct bigint **jbig; /* big integers met by tpl_filters_to_json (placeholders) */
    int njbig;
    struct octo_buf *pool[32]; /* reusable scratch buffers (tpl_render_buf) */
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

/* ---- render state services (render.c) -------------------------------------- */
/* Fail the render with "<template>:<line>: <message>": longjmp to
 * octo_tpl_render_ex; never returns. Every allocation of a render is in its
 * arena, so unwinding leaks nothing. */
TPL_INTERNAL _Noreturn void tpl_render_fail(struct rs *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
TPL_INTERNAL _Noreturn void tpl_render_oom(struct rs *st);
TPL_INTERNAL _Noreturn void tpl_render_undefined(struct rs *st, tv u); /* using an Undefined */
TPL_INTERNAL void *tpl_render_alloc_slow(struct rs *st, size_t n);
/* n bytes (16-aligned) from the render's arena; fails the render when out
 * of memory. The bump of tpl_arena_alloc inline. */
static inline void *tpl_render_alloc(struct rs *st, size_t n)
{
    struct arena_blk *b = st->ar.head;
    size_t r = (n + 15u) & ~(size_t)15u;
    if (b != NULL && n - 1 < ((size_t)1 << 40) && b->size - b->used >= r) {
        void *p = b->data + b->used;
        b->used += r;
        return p;
    }
    return tpl_render_alloc_slow(st, n);
}
/* room for a result of n bytes (+ NUL) in the arena; NULL when n is over
 * the output limit (the callers then take the buffer path, which fails) */
static inline char *tpl_render_alloc_text(struct rs *st, size_t n)
{
    if (n > st->max_output) {
        return NULL;
    }
    return tpl_render_alloc(st, n + 1);
}
/* A scratch buffer limited to max_output, released with the render. */
TPL_INTERNAL struct octo_buf *tpl_render_buf(struct rs *st);
/* the buffer's text as a string in the arena; the buffer goes back to the pool */
TPL_INTERNAL tv tpl_render_buf_str(struct rs *st, struct octo_buf *b);
TPL_INTERNAL void tpl_render_buf_release(struct rs *st, struct octo_buf *b); /* text dropped */
/* the work budget (env->max_steps): one step, or n units of bulk work */
TPL_INTERNAL void tpl_render_step(struct rs *st);
TPL_INTERNAL void tpl_render_charge(struct rs *st, size_t n);

/* ---- values (value.c, tvjson.h) -------------------------------------------- */
/* A JSON integer beyond int64 is carried in the context as a JSON string
 * holding this 8-byte mark then a struct bigint (see octo_tpl_json_bigint). */
#define BIGINT_MARK     "\0OCTBIG"
#define BIGINT_MARK_LEN 8

static inline tv tpl_value_none(void)
{
    tv v = {T_NONE, 0, 0, 0, {0}};
    return v;
}
static inline tv tpl_value_undef(void)
{
    tv v = {T_UNDEF, 0, 0, 0, {0}};
    return v;
}
static inline tv tpl_value_bool(int b)
{
    tv v = {T_BOOL, 0, 0, 0, {0}};
    v.u.b = b != 0;
    return v;
}
static inline tv tpl_value_int(int64_t i)
{
    tv v = {T_INT, 0, 0, 0, {0}};
    v.u.i = i;
    return v;
}
static inline tv tpl_value_float(double f)
{
    tv v = {T_FLOAT, 0, 0, 0, {0}};
    v.u.f = f;
    return v;
}
/* a string pointing at p (not copied: p must live as long as the render) */
static inline tv tpl_value_str(const char *p, size_t n)
{
    tv v = {T_STR, 0, 0, (uint32_t)n, {0}};
    v.u.s.p = p;
    return v;
}

/* tpl_value_from_json, tpl_value_json_truthy: context values (needs the definitions above) */
#include "tvjson.h"

TPL_INTERNAL tv tpl_value_cstr(const char *s);
TPL_INTERNAL tv tpl_value_strdup(struct rs *st, const char *p, size_t n); /* copy into the arena */
/* b as an int value: T_INT when it fits (NULL b: out of memory) */
TPL_INTERNAL tv tpl_value_big(struct rs *st, struct bigint *b);
TPL_INTERNAL tv tpl_value_list_new(struct rs *st, size_t cap);
TPL_INTERNAL tv tpl_value_tuple_new(struct rs *st, size_t cap);
TPL_INTERNAL tv tpl_value_dict_new(struct rs *st, size_t cap);
TPL_INTERNAL tv tpl_value_iter_from(struct rs *st, tv list, int kind);
TPL_INTERNAL tv tpl_value_undef_name(struct rs *st, const char *name, size_t n);
TPL_INTERNAL tv tpl_value_undef_attr(struct rs *st, tv obj, tv name);
TPL_INTERNAL tv tpl_value_func(struct rs *st, int kind, const char *name, tv self);
TPL_INTERNAL void tpl_value_list_push(struct rs *st, struct tlist *l, tv x);
TPL_INTERNAL int tpl_value_truthy(struct rs *st, tv v);
TPL_INTERNAL int tpl_value_is_int(tv v); /* int or bigint or bool */
TPL_INTERNAL int tpl_value_is_num(tv v); /* int, bigint, float, bool */
TPL_INTERNAL int tpl_value_is_seq(tv v); /* list, tuple, jlist, range */
TPL_INTERNAL int tpl_value_is_map(tv v); /* dict, jdict */
TPL_INTERNAL int tpl_value_is_iterable(tv v);
TPL_INTERNAL const char *tpl_value_typename(tv v); /* Python type name: str int list dict ... */
TPL_INTERNAL size_t tpl_value_len(struct rs *st, tv v); /* TypeError when no len() */
TPL_INTERNAL int tpl_value_has_len(tv v);
/* Materialize an iterable into an array (arena). Strings give one-char strings, maps keys. */
TPL_INTERNAL tv *tpl_value_iterate(struct rs *st, tv v, size_t *n);
/* sequences (list, tuple, context list) and maps (dict, context dict) */
TPL_INTERNAL size_t tpl_value_seq_len(tv v);
TPL_INTERNAL tv tpl_value_seq_at(tv v, size_t i);
TPL_INTERNAL size_t tpl_value_map_len(tv v);
TPL_INTERNAL int tpl_value_map_get(struct rs *st, tv m, tv key, tv *out);
TPL_INTERNAL void tpl_value_map_items(struct rs *st, tv m, tv **keys, tv **vals, size_t *n);
TPL_INTERNAL double tpl_value_to_double(tv v);
TPL_INTERNAL tv tpl_value_to_list(struct rs *st, tv v);

/* ---- dicts (dict.c) --------------------------------------------------------- */
TPL_INTERNAL int tpl_dict_find(struct tdict *d, tv k, size_t *idx);
TPL_INTERNAL int tpl_dict_get_str(struct tdict *d, const char *k, size_t n, tv *out);
TPL_INTERNAL void tpl_dict_set(struct rs *st, struct tdict *d, tv k, tv x);
/* k known to be missing */
TPL_INTERNAL void tpl_dict_add_new(struct rs *st, struct tdict *d, tv k, tv x);
TPL_INTERNAL tv tpl_dict_copy(struct rs *st, tv d); /* dict.copy(), also of context dicts */
/* Python-compatible hash of v; 0 when unhashable (st NULL: no budget) */
TPL_INTERNAL int tpl_dict_hash(struct rs *st, tv v, uint64_t *out, int depth);
TPL_INTERNAL void tpl_dict_drop_index(struct tdict *d);

/* ---- comparison (compare.c) ------------------------------------------------- */
TPL_INTERNAL int tpl_compare_eq(struct rs *st, tv a, tv b);
/* Python ordering: -1 0 1, 2 when a float is nan; fails with TypeError when unorderable. */
TPL_INTERNAL int tpl_compare(struct rs *st, tv a, tv b);
TPL_INTERNAL int tpl_compare_contains(struct rs *st, tv container, tv item);

/* ---- a.b, a[b], a[i:j] (access.c) ------------------------------------------ */
TPL_INTERNAL tv tpl_access_getattr(struct rs *st, tv obj, const char *name, size_t n);
TPL_INTERNAL tv tpl_access_getitem(struct rs *st, tv obj, tv key);
TPL_INTERNAL tv tpl_access_slice(struct rs *st, tv obj, tv start, tv stop, tv step);

/* ---- strings by code point (ustr.c) and characters (ucase.c) --------------- */
TPL_INTERNAL size_t tpl_ustr_len(const char *s, size_t n);                  /* code points */
TPL_INTERNAL size_t tpl_ustr_offset(const char *s, size_t n, size_t cpidx); /* byte offset */
TPL_INTERNAL unsigned tpl_ustr_next(const char *s, size_t n, size_t *i); /* decode at *i, advance */
TPL_INTERNAL void tpl_ustr_put(struct octo_buf *b, unsigned c);
TPL_INTERNAL tv tpl_ustr_upper(struct rs *st, tv s);
TPL_INTERNAL tv tpl_ustr_lower(struct rs *st, tv s);
TPL_INTERNAL tv tpl_ustr_capitalize(struct rs *st, tv s);
TPL_INTERNAL tv tpl_ustr_pytitle(struct rs *st, tv s);
/* str.islower() (upper 0), str.isupper() (upper 1): a cased character and
 * none of the other case (also the tests lower and upper) */
TPL_INTERNAL int tpl_ustr_iscased(tv s, int upper);
TPL_INTERNAL tv tpl_ustr_strip(struct rs *st, tv s, tv chars, int left, int right);
TPL_INTERNAL tv tpl_ustr_replace(struct rs *st, tv s, tv old, tv new_, int64_t count);
TPL_INTERNAL tv tpl_ustr_split(struct rs *st, tv s, tv sep, int64_t maxsplit, int right);
TPL_INTERNAL tv tpl_ustr_concat(struct rs *st, tv a, tv b);
TPL_INTERNAL int tpl_ustr_is_ascii(const char *p, size_t n);
/* code point index of needle in hay[start:end] or -1 (rev: the last one) */
TPL_INTERNAL int64_t tpl_ustr_find(tv hay, tv needle, int64_t start, int64_t end, int rev);
TPL_INTERNAL int tpl_ustr_startswith(tv s, tv prefix);
TPL_INTERNAL int tpl_ustr_endswith(tv s, tv suffix);
TPL_INTERNAL unsigned tpl_ucase_upper(unsigned c);
TPL_INTERNAL unsigned tpl_ucase_lower(unsigned c);
TPL_INTERNAL int tpl_ucase_isspace(unsigned c);
TPL_INTERNAL int tpl_ucase_isalpha(unsigned c);
TPL_INTERNAL int tpl_ucase_isdigit(unsigned c);
TPL_INTERNAL int tpl_ucase_isalnum(unsigned c);
TPL_INTERNAL int tpl_ucase_isupper(unsigned c);
TPL_INTERNAL int tpl_ucase_islower(unsigned c);

/* ---- text forms (repr.c) ---------------------------------------------------- */
/* decimal text of v into buf (at least 21 bytes); returns the length */
static inline size_t tpl_repr_i64(int64_t v, char *buf)
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
TPL_INTERNAL void tpl_repr_str_to(struct rs *st, tv v, struct octo_buf *out); /* str(v) */
TPL_INTERNAL tv tpl_repr_str(struct rs *st, tv v); /* str(v) as T_STR (Markup stays Markup) */
TPL_INTERNAL tv tpl_repr(struct rs *st, tv v);     /* repr(v) */

/* ---- operators (ops.c), 'fmt' % args (pformat.c), str.format (strformat.c) -- */
TPL_INTERNAL tv tpl_ops_binary(struct rs *st, int op, tv a, tv b); /* OP_* */
TPL_INTERNAL tv tpl_ops_neg(struct rs *st, tv a);
TPL_INTERNAL tv tpl_ops_pos(struct rs *st, tv a);
/* an int usable as an index (what: the message's name for it) */
TPL_INTERNAL int64_t tpl_ops_index(struct rs *st, tv v, const char *what);
TPL_INTERNAL tv tpl_ops_int_parse(struct rs *st, const char *s, size_t n, int base, int *ok);
TPL_INTERNAL tv tpl_pformat_percent(struct rs *st, tv fmt, tv args);
TPL_INTERNAL tv tpl_pformat_filter(struct rs *st, tv v, struct callargs *a); /* |format */
TPL_INTERNAL tv tpl_strformat(struct rs *st, tv fmt, struct callargs *a);

/* ---- calls (calls.c) -------------------------------------------------------- */
/* Bind args to params: out[i] = T_UNDEF with sub=0xffff when missing. Fails on
 * extra or unknown arguments. */
#define ARG_MISSING 0xffff
TPL_INTERNAL void tpl_calls_bind_args(struct rs *st, const char *fname, struct callargs *a,
                                      const char *const *names, int nnames, tv *out);
/* a parameter tpl_calls_bind_args bound was given */
static inline int tpl_calls_given(tv v)
{
    return !(v.t == T_UNDEF && v.sub == ARG_MISSING);
}
TPL_INTERNAL tv tpl_calls_value(struct rs *st, tv fn, struct callargs *a);
/* the globals of a default Environment (range, dict, ...); *found 0 when none */
TPL_INTERNAL tv tpl_calls_global(const char *name, size_t n, struct rs *st, int *found);
/* dict(...): a new dict from the arguments (also dict.update) */
TPL_INTERNAL tv tpl_calls_dict(struct rs *st, struct callargs *a);

/* ---- methods of values: 'a'.upper(), l.append(x) (methods.c, methods_str.c) - */
TPL_INTERNAL tv tpl_methods_call(struct rs *st, tv self, const char *name, struct callargs *a);
TPL_INTERNAL int tpl_methods_has(tv self, const char *name, size_t n);
/* name is one of self's methods that change it (l.append, d.update) */
TPL_INTERNAL int tpl_methods_mutates(tv self, const char *name);

/* ---- filters and tests (filters_*.c, tests.c; filters.h) --------------------- */
/* FILTER_PASS_CONTEXT: Jinja2 declares the filter @pass_context (it looks
 * up other filters or tests by name at run time), so it is never
 * evaluated at compile time (NF_PASSCTX on its node) */
#define FILTER_PASS_CONTEXT 1u
struct fentry {
    const char *name;
    filter_fn fn;
    unsigned flags; /* FILTER_* */
};
struct tentry {
    const char *name;
    test_fn fn;
};
TPL_INTERNAL filter_fn tpl_filters_lookup(const char *name);          /* NULL: no such filter */
TPL_INTERNAL const struct fentry *tpl_filters_find(const char *name); /* NULL: none */
TPL_INTERNAL tv tpl_filters_escape(struct rs *st, tv s);              /* markupsafe.escape */
TPL_INTERNAL void tpl_filters_sort_values(struct rs *st, tv *items, size_t n, int reverse,
                                          int case_sensitive, tv *keys);
TPL_INTERNAL test_fn tpl_tests_lookup(const char *name); /* NULL: no such test */
TPL_INTERNAL int tpl_tests_apply(struct rs *st, const char *name, tv v, struct callargs *a);

/* ---- compiling: parser (parser*.c), check.c, fold.c, annotate.c ------------- */
TPL_INTERNAL int tpl_parser_parse(struct octo_tpl *t, const char *src, size_t len, octo_error *err);
/* after parsing: Jinja2's compile-time checks and annotations */
TPL_INTERNAL int tpl_check(struct octo_tpl *t, octo_error *err);
TPL_INTERNAL void tpl_fold(struct octo_tpl *t);
/* evaluate e as Jinja2's as_const would in the eval context (ae, vol); 1
 * when constant, with its truth and whether it has a safe repr */
TPL_INTERNAL int tpl_fold_const(struct octo_tpl *t, struct node *e, int ae, int vol, int *truthy,
                                int *saferepr);
TPL_INTERNAL void tpl_annotate(struct octo_tpl *t); /* after tpl_fold */
/* "loop", the address every template's names use */
TPL_INTERNAL extern const char tpl_annotate_loop_name[];

/* ---- evaluating expressions (eval.c) ---------------------------------------- */
TPL_INTERNAL uint32_t tpl_eval_hash(const char *s, size_t n); /* of a name (scopes) */
TPL_INTERNAL tv tpl_eval_node(struct rs *st, struct node *n, struct scope *sc);
TPL_INTERNAL tv tpl_eval_folded(struct rs *st, struct node *n, struct scope *sc);
static inline tv tpl_eval(struct rs *st, struct node *n, struct scope *sc)
{
    if (__builtin_expect((n->flags & NF_FOLDED) != 0, 0) && !st->folding) {
        return tpl_eval_folded(st, n, sc);
    }
    return tpl_eval_node(st, n, sc);
}
TPL_INTERNAL struct callargs tpl_eval_args(struct rs *st, struct node *n, struct scope *sc,
                                           int extra_kw);
TPL_INTERNAL tv tpl_eval_filter_chain(struct rs *st, struct node *f, tv input, struct scope *sc);
TPL_INTERNAL struct scope *tpl_eval_scope_new(struct rs *st, struct scope *parent, json_t *ctx);
/* the value comes third so that it travels in registers */
TPL_INTERNAL void tpl_eval_scope_put(struct rs *st, struct scope *sc, tv v, const char *name,
                                     size_t n, uint32_t h);
static inline void tpl_eval_scope_set(struct rs *st, struct scope *sc, const char *name, size_t n,
                                      uint32_t h, tv v)
{
    tpl_eval_scope_put(st, sc, v, name, n, h);
}
TPL_INTERNAL tv tpl_eval_lookup(struct rs *st, struct scope *sc, const char *name, size_t n,
                                uint32_t h);

/* ---- executing statements (exec.c, inherit.c) ------------------------------- */
TPL_INTERNAL void tpl_exec_body(struct rs *st, struct node *body, struct scope *sc);
TPL_INTERNAL tv tpl_exec_macro(struct rs *st, struct tfunc *f, struct callargs *a);
TPL_INTERNAL tv tpl_exec_loop_recurse(struct rs *st, struct loopctx *lc, struct callargs *a);
TPL_INTERNAL tv tpl_exec_loop_call(struct rs *st, struct tfunc *f, struct callargs *a);
TPL_INTERNAL tv tpl_exec_loop_attr(struct rs *st, struct loopctx *lc, const char *name, size_t n);
TPL_INTERNAL tv tpl_exec_loop_attr_id(struct loopctx *lc, int id); /* LA_* */
/* the LA_* of a loop attribute name, LA_NONE for the others */
TPL_INTERNAL int tpl_exec_loop_attr_find(const char *name, size_t n);
TPL_INTERNAL void tpl_exec_write_slow(struct rs *st, const char *p, size_t n);
/* write to the render's output; fails past the output limit */
static inline void tpl_exec_write(struct rs *st, const char *p, size_t n)
{
    struct octo_buf *b = st->out;
    if (!(b->oom | b->over) && b->cap - b->len > n && (b->limit == 0 || b->len + n <= b->limit)) {
        tpl_tbuf_copy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    tpl_exec_write_slow(st, p, n);
}
/* run a template: its extends chain and blocks, from the root scope */
TPL_INTERNAL void tpl_inherit_exec_template(struct rs *st, const struct octo_tpl *t,
                                            struct scope *sc);
/* include, import, from-import, extends, block */
TPL_INTERNAL void tpl_inherit_exec_stmt(struct rs *st, struct node *n, struct scope *sc);
TPL_INTERNAL tv tpl_inherit_call_block(struct rs *st, struct tfunc *f); /* self.x(), super() */

#define TPL_MAX_RANGE       1000000
#define TPL_MAX_PARSE_DEPTH 200
#define TPL_MAX_CHAIN       1000

#endif
