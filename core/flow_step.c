/* flow_step.c - validate and compile one step of a flow.
 *
 * The common keys belong to the core: name, type, when, result_key,
 * ignore_errors, jq_expression, retry, on_error_goto, description. The
 * block (under the type's name, an alias, or a declared block alias) goes
 * to the schema check (flow_schema.c), then to the plugin's prepare().
 * Everything that can be compiled is compiled here so a run only
 * executes, and a mistake is reported when the flow loads (validate, the
 * API's add) rather than halfway through a run.
 *
 * A step keeps going after its first error: every problem of the flow is
 * reported in one pass, each at its own file:line (flow_diag.c).
 *
 * OCTO_FLOW_SHALLOW (the service's own loads): jq programs are not
 * compiled and prepare() is not called. Both run third-party code (libjq,
 * plugins) that could crash or hang the process that loads the flow, and
 * in the service that would take every job down; a worker makes the full
 * check instead (flow_check.c). Templates and regexes are ours and are
 * compiled in both modes.
 */
#include "flow_diag.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "jqbridge.h"
#include "plugins.h"
#include "pyfmt.h"
#include "pyregex.h"
#include "retry.h"
#include "template/template.h"
#include "tplcache.h"
#include "xalloc.h"

static const char *const COMMON_KEYS[] = {
    "name",          "type",        "when",  "result_key",    "ignore_errors",
    "jq_expression", "description", "retry", "on_error_goto", NULL};

/* The text of a scalar written where text was expected (a name, a
 * condition, a pattern): booleans as true/false - a Jinja literal in a
 * condition - anything else as Python's str() writes it (1, 2.5). */
static char *scalar_text(json_t *v)
{
    struct octo_buf b = OCTO_BUF_INIT;

    if (json_is_boolean(v)) {
        octo_buf_puts(&b, json_is_true(v) ? "true" : "false");
    } else {
        octo_py_value_str(v, &b);
    }
    return octo_buf_steal(&b, NULL);
}

/* A `when` condition is compiled as "{{ condition }}": say what went wrong
 * in terms of the condition the flow wrote, not of the braces the engine
 * added around it. */
static void when_error(struct octo_loadctx *lc, const char *mark, const char *where,
                       const char *cond, const char *msg)
{
    static const struct {
        const char *from, *to;
    } words[] = {{"unexpected 'end of print statement'", "unexpected end of the condition"},
                 {"expected token 'end of print statement'", "expected the end of the condition"},
                 {"'end of print statement'", "the end of the condition"},
                 {"unexpected '}'", "unexpected end of the condition"}};
    struct octo_buf b = OCTO_BUF_INIT;
    size_t wl = strlen(where);
    size_t i;

    /* the engine's "<name>:<line>: " prefix: the location is ours to give */
    if (strncmp(msg, where, wl) == 0 && msg[wl] == ':') {
        const char *p = strstr(msg + wl + 1, ": ");

        msg = p != NULL ? p + 2 : msg;
    }
    while (*msg != '\0') {
        for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
            if (strncmp(msg, words[i].from, strlen(words[i].from)) == 0) {
                octo_buf_puts(&b, words[i].to);
                msg += strlen(words[i].from);
                break;
            }
        }
        if (i == sizeof(words) / sizeof(words[0])) {
            octo_buf_putc(&b, *msg++);
        }
    }
    octo_diag_error(lc, mark, where, "condition \"%s\": %s", cond, octo_buf_cstr(&b));
    octo_buf_free(&b);
}

static int compile_when(struct octo_loadctx *lc, struct octo_step *st, json_t *when,
                        const char *mark, const char *where)
{
    json_t *list;
    size_t i;
    json_t *c;
    int bad = 0;

    if (when == NULL || json_is_null(when) ||
        (json_is_string(when) && json_string_length(when) == 0)) {
        return 0;
    }
    if (json_is_array(when)) {
        list = json_incref(when);
    } else if (json_is_object(when)) {
        octo_diag_error(lc, mark, where, "must be a condition or a list of conditions");
        return -1;
    } else {
        list = json_pack("[O]", when);
    }
    st->when = octo_xcalloc(json_array_size(list) + 1, sizeof(*st->when));
    json_array_foreach(list, i, c)
    {
        struct octo_buf src = OCTO_BUF_INIT;
        char *text;
        char name[128];
        octo_error err;

        if (json_is_object(c) || json_is_array(c) || json_is_null(c)) {
            octo_diag_error(lc, mark, where, "condition %zu must be text", i + 1);
            bad = 1;
            continue;
        }
        text = scalar_text(c);
        if (text[0] == '\0') {
            free(text);
            continue;
        }
        octo_buf_printf(&src, "{{ %s }}", text);
        snprintf(name, sizeof(name), "%s", where);
        memset(&err, 0, sizeof(err));
        if (octo_tpl_compile(octo_buf_cstr(&src), src.len, name, octo_flow_tpl_env(),
                             &st->when[st->nwhen], &err) != OCTO_OK) {
            when_error(lc, mark, where, text, err.msg);
            bad = 1;
        } else {
            st->nwhen++;
        }
        free(text);
        octo_buf_free(&src);
    }
    json_decref(list);
    for (i = 0; !bad && i < st->nwhen; i++) {
        const char *fixed;
        size_t len;

        if (!octo_tpl_static_text(st->when[i], &fixed, &len)) {
            break; /* rendered at run time, and may fail there: it comes first */
        }
        if (!octo_flow_when_holds(fixed, len)) {
            st->when_false = 1;
            break;
        }
    }
    return bad ? -1 : 0;
}

int octo_flow_when_holds(const char *text, size_t len)
{
    char low[8];
    size_t i;

    if (len == 0 || len > 4) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        low[i] = (char)tolower((unsigned char)text[i]);
    }
    low[len] = '\0';
    return strcmp(low, "true") == 0 || strcmp(low, "1") == 0 || strcmp(low, "yes") == 0;
}

static int compile_ignore(struct octo_loadctx *lc, struct octo_step *st, json_t *ign,
                          const char *mark, const char *where)
{
    json_t *list;
    size_t i;
    json_t *p;
    int bad = 0;

    if (ign == NULL || json_is_null(ign)) {
        return 0;
    }
    if (json_is_array(ign)) {
        list = json_incref(ign);
    } else if (json_is_string(ign)) {
        list = json_pack("[O]", ign);
    } else {
        octo_diag_error(lc, mark, where, "must be a list of regular expressions");
        return -1;
    }
    st->ignore = octo_xcalloc(json_array_size(list) + 1, sizeof(*st->ignore));
    st->ignore_src = octo_xcalloc(json_array_size(list) + 1, sizeof(*st->ignore_src));
    json_array_foreach(list, i, p)
    {
        octo_error err;
        char *text;

        if (json_is_object(p) || json_is_array(p) || json_is_null(p)) {
            octo_diag_error(lc, mark, where, "pattern %zu must be text", i + 1);
            bad = 1;
            continue;
        }
        text = scalar_text(p);
        memset(&err, 0, sizeof(err));
        if (octo_regex_compile(text, 0, &st->ignore[st->nignore], &err) != OCTO_OK) {
            octo_diag_error(lc, mark, where, "%s", err.msg);
            free(text);
            bad = 1;
            continue;
        }
        st->ignore_src[st->nignore++] = text;
    }
    json_decref(list);
    return bad ? -1 : 0;
}

/* Find the block: under the type's name, one of its aliases, the name
 * the flow used, or a declared block alias. Sets *key. */
static json_t *find_block(json_t *def, const struct octo_steptype *t, const char *used,
                          const char **key)
{
    const char *const *a;
    json_t *b;

    if ((b = json_object_get(def, t->t.name)) != NULL) {
        *key = t->t.name;
        return b;
    }
    if ((b = json_object_get(def, used)) != NULL) {
        *key = used;
        return b;
    }
    for (a = t->t.aliases; a != NULL && *a != NULL; a++) {
        if ((b = json_object_get(def, *a)) != NULL) {
            *key = *a;
            return b;
        }
    }
    for (a = t->t.block_aliases; a != NULL && *a != NULL; a++) {
        if ((b = json_object_get(def, *a)) != NULL) {
            *key = *a;
            return b;
        }
    }
    *key = t->t.name;
    return NULL;
}

static int is_block_key(const struct octo_steptype *t, const char *key, const char *used)
{
    const char *const *a;

    if (strcmp(key, t->t.name) == 0 || strcmp(key, used) == 0) {
        return 1;
    }
    for (a = t->t.aliases; a != NULL && *a != NULL; a++) {
        if (strcmp(key, *a) == 0) {
            return 1;
        }
    }
    for (a = t->t.block_aliases; a != NULL && *a != NULL; a++) {
        if (strcmp(key, *a) == 0) {
            return 1;
        }
    }
    return 0;
}

int octo_flow_check_step(struct octo_loadctx *lc, struct octo_step *st, json_t *def, size_t index)
{
    char mark[64];

    snprintf(mark, sizeof(mark), "steps[%zu]", index);
    return octo_flow_check_step_at(lc, st, def, index, mark);
}

int octo_flow_check_step_at(struct octo_loadctx *lc, struct octo_step *st, json_t *def,
                            size_t index, const char *mark)
{
    char m2[512];
    char where[512];
    const char *key;
    const char *block_key = NULL;
    json_t *v;
    json_t *block;
    const char *type_used;
    int bad = 0;

    st->index = index;
    st->path_data_opt = -1;
    st->line = octo_yaml_line_of(lc, mark);
    if (!json_is_object(def)) {
        /* the entry stays empty (no name, no type): nothing looks at it */
        octo_diag_error(lc, mark, mark, "a step must be a mapping with name and type, not %s",
                        json_is_string(def)  ? "a string"
                        : json_is_array(def) ? "a list"
                        : json_is_null(def)  ? "an empty entry"
                                             : "a scalar");
        return -1;
    }
    v = json_object_get(def, "name");
    if (json_is_string(v) && json_string_length(v) > 0) {
        st->name = octo_xstrdup(json_string_value(v));
    } else if (v != NULL && !json_is_null(v) && !json_is_object(v) && !json_is_array(v)) {
        st->name = scalar_text(v);
    } else {
        /* the original stored such a step's result under a null key, and
         * an error in the step crashed its error handling: a name that
         * says where the step is keeps the result reachable */
        char dflt[256];

        snprintf(dflt, sizeof(dflt), "%s", mark);
        st->name = octo_xstrdup(dflt);
        octo_diag_warn(lc, mark, mark, "the step has no name; its result is stored under \"%s\"",
                       dflt);
    }
    snprintf(where, sizeof(where), "steps[%zu] (\"%s\")", index, st->name);
    st->label = octo_xstrdup(where);
    v = json_object_get(def, "type");
    if (!json_is_string(v)) {
        snprintf(m2, sizeof(m2), "%s.type", mark);
        octo_diag_error(lc, v != NULL ? m2 : mark, where, "type is required");
        return -1;
    }
    type_used = json_string_value(v);
    st->type = octo_plugins_find(type_used);
    if (st->type == NULL) {
        char known[1024];
        char why[OCTO_ERROR_MSG_LEN];
        const char *names[1025];
        const char *hint;
        size_t k;
        size_t n = 0;

        for (k = 0; k < octo_plugins_type_count() && n < 1024; k++) {
            names[n++] = octo_plugins_type_at(k)->t.name;
        }
        names[n] = NULL;
        hint = octo_did_you_mean(type_used, names);
        octo_plugins_known(known, sizeof(known));
        snprintf(m2, sizeof(m2), "%s.type", mark);
        if (octo_plugins_refusal(type_used, why, sizeof(why))) {
            /* the plugin is there but was refused: say so where it matters */
            octo_diag_error(lc, m2, where, "unknown step type \"%s\": %s", type_used, why);
        } else if (hint != NULL) {
            octo_diag_error(lc, m2, where,
                            "unknown step type \"%s\" (did you mean \"%s\"? "
                            "known: %s)",
                            type_used, hint, known);
        } else {
            /* no directory in the message: it goes to API clients too
             * (`octoflow plugins` shows where plugins are looked for) */
            octo_diag_error(lc, m2, where,
                            "unknown step type \"%s\" (known: %s; `octoflow "
                            "plugins` lists the plugins and where they are loaded from)",
                            type_used, known[0] != '\0' ? known : "none");
        }
        return -1;
    }
    /* common keys */
    json_object_foreach(def, key, v)
    {
        size_t k;
        const char *cands[16];
        size_t n = 0;

        for (k = 0; COMMON_KEYS[k] != NULL; k++) {
            if (strcmp(COMMON_KEYS[k], key) == 0) {
                break;
            }
            cands[n++] = COMMON_KEYS[k];
        }
        if (COMMON_KEYS[k] != NULL || is_block_key(st->type, key, type_used)) {
            continue;
        }
        for (; COMMON_KEYS[k] != NULL; k++) {
            cands[n++] = COMMON_KEYS[k];
        }
        cands[n++] = st->type->t.name;
        cands[n] = NULL;
        snprintf(m2, sizeof(m2), "%s.%s", mark, key);
        octo_diag_unknown_key(lc, m2, where, key, cands);
    }
    v = json_object_get(def, "result_key");
    if (json_is_string(v) && json_string_length(v) > 0) {
        st->result_key = octo_xstrdup(json_string_value(v));
    } else {
        if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
            snprintf(m2, sizeof(m2), "%s.result_key", mark);
            octo_diag_error(lc, m2, where, "result_key must be text");
            bad = 1;
        }
        st->result_key = octo_xstrdup(st->name);
    }
    snprintf(m2, sizeof(m2), "%s.when", mark);
    {
        char w2[600];

        snprintf(w2, sizeof(w2), "%s.when", where);
        if (compile_when(lc, st, json_object_get(def, "when"), m2, w2) != 0) {
            bad = 1;
        }
        snprintf(m2, sizeof(m2), "%s.ignore_errors", mark);
        snprintf(w2, sizeof(w2), "%s.ignore_errors", where);
        if (compile_ignore(lc, st, json_object_get(def, "ignore_errors"), m2, w2) != 0) {
            bad = 1;
        }
        v = json_object_get(def, "on_error_goto");
        if (json_is_string(v) && json_string_length(v) > 0) {
            /* checked once all steps are known */
            st->on_error_goto = octo_xstrdup(json_string_value(v));
        } else if (v != NULL && !json_is_null(v)) {
            snprintf(m2, sizeof(m2), "%s.on_error_goto", mark);
            snprintf(w2, sizeof(w2), "%s.on_error_goto", where);
            octo_diag_error(lc, m2, w2, "must be the name of a step");
            bad = 1;
        }
        snprintf(m2, sizeof(m2), "%s.retry", mark);
        snprintf(w2, sizeof(w2), "%s.retry", where);
        if (octo_retry_compile(lc, json_object_get(def, "retry"), m2, w2, &st->retry) != 0) {
            bad = 1;
        }
        v = json_object_get(def, "jq_expression");
        snprintf(m2, sizeof(m2), "%s.jq_expression", mark);
        snprintf(w2, sizeof(w2), "%s.jq_expression", where);
        if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
            octo_diag_error(lc, m2, w2, "must be a jq expression (text)");
            bad = 1;
        } else if (json_is_string(v) && json_string_length(v) > 0 &&
                   !(lc->flags & OCTO_FLOW_SHALLOW)) {
            octo_error err;

            memset(&err, 0, sizeof(err));
            if (octo_jq_compile(json_string_value(v), &st->jq, &err) != OCTO_OK) {
                octo_diag_error(lc, m2, w2, "%s", err.msg);
                bad = 1;
            }
        }
    }
    block = find_block(def, st->type, type_used, &block_key);
    st->block_key = octo_xstrdup(block_key);
    snprintf(m2, sizeof(m2), "%s.%s", mark, block_key);
    {
        char w2[600];

        snprintf(w2, sizeof(w2), "%s.%s", where, block_key);
        if (octo_flow_check_block(lc, st, block, block != NULL ? m2 : mark, w2) != 0) {
            bad = 1;
        }
        if (!bad && !(lc->flags & OCTO_FLOW_SHALLOW)) {
            octo_error err;
            int rc;

            memset(&err, 0, sizeof(err));
            rc = st->type->t.prepare(octo_host_table(), st->options, &st->inst, &err);
            if (rc != OCTO_OK) {
                /* a plugin names the option in err.field: point at its
                 * line, not at the block's */
                char m3[512];

                if (err.field[0] != '\0') {
                    snprintf(m3, sizeof(m3), "%s.%s", m2, err.field);
                    snprintf(w2, sizeof(w2), "%s.%s.%s", where, block_key, err.field);
                }
                octo_diag_error(lc, err.field[0] != '\0' ? m3 : m2, w2, "%s",
                                err.msg[0] != '\0' ? err.msg : octo_strerror(rc));
                bad = 1;
            } else {
                st->prepared = 1;
            }
        }
    }
    return bad ? -1 : 0;
}

void octo_flow_step_free(struct octo_step *st)
{
    size_t i;

    if (st->prepared && st->type->t.destroy != NULL) {
        st->type->t.destroy(octo_host_table(), st->inst);
    }
    for (i = 0; i < st->nwhen; i++) {
        octo_tpl_unref(st->when[i]);
    }
    free(st->when);
    for (i = 0; i < st->nignore; i++) {
        octo_regex_free(st->ignore[i]);
        free(st->ignore_src[i]);
    }
    free(st->ignore);
    free(st->ignore_src);
    octo_jq_release(st->jq);
    octo_retry_free(st->retry);
    free(st->on_error_goto);
    for (i = 0; i < st->nnested; i++) {
        size_t k;

        for (k = 0; k < st->nested[i].n; k++) {
            octo_flow_step_free(&st->nested[i].steps[k]);
        }
        free(st->nested[i].steps);
        free(st->nested[i].option);
    }
    free(st->nested);
    for (i = 0; i < st->ntmpl; i++) {
        free(st->tmpl[i].option);
        free(st->tmpl[i].key);
        octo_tpl_unref(st->tmpl[i].tpl);
    }
    free(st->tmpl);
    json_decref(st->options);
    free(st->name);
    free(st->label);
    free(st->block_key);
    free(st->result_key);
    memset(st, 0, sizeof(*st));
}

/* Steps inside an option (switch cases: a list of {step: ...} entries,
 * or one step): compiled here like top-level steps, with the outer step's
 * index, and run by the plugin through host->run_nested. */
int octo_flow_check_nested(struct octo_loadctx *lc, struct octo_step *st, const char *option,
                           json_t *value, const char *mark)
{
    struct octo_nested *nest;
    size_t n = json_is_array(value) ? json_array_size(value) : 1;
    size_t i;
    int bad = 0;

    st->nested = octo_xrealloc(st->nested, (st->nnested + 1) * sizeof(*st->nested));
    nest = &st->nested[st->nnested++];
    nest->option = octo_xstrdup(option);
    nest->n = n;
    nest->steps = octo_xcalloc(n + 1, sizeof(*nest->steps));
    for (i = 0; i < n; i++) {
        char m2[600];
        json_t *def;

        if (json_is_array(value)) {
            json_t *item = json_array_get(value, i);

            snprintf(m2, sizeof(m2), "%s[%zu].step", mark, i);
            def = json_object_get(item, "step");
            if (def == NULL) {
                octo_diag_error(lc, m2, m2, "each entry needs a step");
                bad = 1;
                continue;
            }
        } else {
            snprintf(m2, sizeof(m2), "%s", mark);
            def = value;
        }
        if (octo_flow_check_step_at(lc, &nest->steps[i], def, st->index, m2) != 0) {
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
