/* template.h - Octoflow's Jinja2-compatible template engine.
 *
 * Templates written for Python's Jinja2 3.x (default Environment: no
 * autoescape, default Undefined, keep_trailing_newline off) render the same
 * here, byte for byte: values print as Python prints them, integers are of
 * arbitrary size, strings index by code point. See docs/templates.md for the
 * language as supported and its known differences (section "Known differences from Jinja2").
 *
 * Compiled templates are immutable and reference counted; any number of
 * threads may render one template at once. Rendering touches nothing but
 * the context given and env->load (no files, no environment variables).
 */
#ifndef OCTO_TEMPLATE_H
#define OCTO_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include <octoflow/octo_step.h> /* octo_error, OCTO_E* codes */

#include "buf.h"

struct octo_tpl; /* compiled template: immutable, reference counted */

struct octo_tpl_env { /* caller-owned, outlives its templates */
    /* Resolve include/import/extends names (relative to TEMPLATES_PATH in
     * the core). Return OCTO_OK and *out a NEW reference (octo_tpl_unref),
     * or an error (OCTO_ENOENT for a missing template: "ignore missing"
     * then skips it). NULL: those tags fail at render with "no loader for
     * this environment specified" (as Jinja2). */
    int (*load)(void *ud, const char *name, struct octo_tpl **out, octo_error *err);
    void *ud;
    size_t max_output; /* 0: 16 MiB  -> render error "output exceeds ..." */
    int max_depth;     /* 0: 100 (macro calls, includes, recursion) */
    /* Additions (zero = default): */
    unsigned long max_steps; /* 0: 50,000,000 loop iterations + calls per render */
    size_t max_memory;       /* 0: 1 GiB of working memory per render */
    int autoescape;          /* non-zero: Jinja2's Environment(autoescape=True) */
};

/* Compile src (len bytes, UTF-8). name is for messages ("rest.uri",
 * "templates/x.j2"). *out new reference. Syntax errors: OCTO_ETEMPLATE,
 * err->msg like Jinja2's message prefixed "<name>:<line>: ". env may be
 * NULL (no loader, default limits); the template keeps the env pointer. */
int octo_tpl_compile(const char *src, size_t len, const char *name, const struct octo_tpl_env *env,
                     struct octo_tpl **out, octo_error *err);

/* Render with ctx (borrowed JSON object; NULL = empty) appending to out.
 * Thread-safe. Errors (undefined attribute, type errors, limits...):
 * OCTO_ETEMPLATE with "<name>:<line>: <message close to Jinja2's>"; out
 * content is then unspecified. */
int octo_tpl_render(const struct octo_tpl *tpl, json_t *ctx, struct octo_buf *out, octo_error *err);

/* Undefined values written to the output: Jinja2 writes them as "" (so
 * `out/{{ hostnmae }}.json` renders `out/.json`). name receives the first
 * one ("hostnmae", or "attribute 'x' of a dict"), "" when none; with
 * strict, writing one is an error instead, as with Jinja2's
 * StrictUndefined ("'hostnmae' is undefined"). */
struct octo_tpl_undef {
    int strict;
    char name[128];
};

/* octo_tpl_render that also reports undefined values (undef may be NULL). */
int octo_tpl_render_ex(const struct octo_tpl *tpl, json_t *ctx, struct octo_buf *out,
                       octo_error *err, struct octo_tpl_undef *undef);

struct octo_tpl *octo_tpl_ref(struct octo_tpl *tpl);
void octo_tpl_unref(struct octo_tpl *tpl);

/* The template's name as given to octo_tpl_compile. */
const char *octo_tpl_name(const struct octo_tpl *tpl);

/* Non-zero when every render of tpl writes the same text - plain text, and
 * {{ expressions }} folded at compile time - with that text in *text and
 * *len (borrowed from tpl). A caller may then skip rendering it. */
int octo_tpl_static_text(const struct octo_tpl *tpl, const char **text, size_t *len);

/* Non-zero when s contains "{{", "{%" or "{#" (i.e. it needs rendering). */
int octo_tpl_is_template(const char *s);

/* Convenience: compile src and render it once (errors as above). */
int octo_tpl_render_string(const char *src, size_t len, const char *name,
                           const struct octo_tpl_env *env, json_t *ctx, struct octo_buf *out,
                           octo_error *err);

/* Integers beyond int64 in a context: jansson cannot hold them, so they are
 * carried as a special JSON string that templates see as a Python int.
 * octo_tpl_json_bigint makes one from decimal digits (optional leading
 * '-'); NULL on bad input. octo_tpl_json_loads parses JSON text like
 * json_loadb but turns such integers into these values (other flags as
 * jansson's). Both return new references. */
json_t *octo_tpl_json_bigint(const char *digits, size_t len);
json_t *octo_tpl_json_loads(const char *text, size_t len, size_t flags, json_error_t *error);

/* The `render` command: argv is "[--data FILE|--data @FILE] TEMPLATE_FILE"
 * (argv[0] is the program name). The context file is a JSON object
 * (integers beyond int64 are read as floats). The rendering goes to stdout
 * exactly; errors to stderr. Returns the exit status (0, 1 on errors, 2 on
 * usage errors). env is used for include/import/extends. */
int octo_tpl_render_cli(int argc, char **argv, const struct octo_tpl_env *env);

#endif
