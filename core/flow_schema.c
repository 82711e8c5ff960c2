/* flow_schema.c - check a step's block against its type's option schema.
 *
 * For each option of the schema: presence (REQUIRED), type, enum values
 * (case-insensitive with NOCASE, stored lower-cased), default when absent,
 * deprecation warning, confinement of static paths, and compilation of
 * TEMPLATE options (a string, or the string members of an object, that
 * contain template syntax). Keys the schema does not know are warnings
 * with a did-you-mean, errors in strict mode. The validated block is a
 * new object (st->options); the flow file's value is never modified.
 */
#include "flow_diag.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "paths.h"
#include "plugins.h"
#include "pyfmt.h"
#include "secrets.h"
#include "template/template.h"
#include "tplcache.h"
#include "xalloc.h"

static const char *type_name(octo_opt_type t)
{
    switch (t) {
    case OCTO_OPT_STRING:
        return "a string";
    case OCTO_OPT_INT:
        return "an integer";
    case OCTO_OPT_NUMBER:
        return "a number";
    case OCTO_OPT_BOOL:
        return "a boolean (true/false)";
    case OCTO_OPT_ENUM:
        return "one of the listed values";
    case OCTO_OPT_OBJECT:
        return "a mapping";
    case OCTO_OPT_ARRAY:
        return "a list";
    default:
        return "a value";
    }
}

static const char *json_kind(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static void add_tmpl(struct octo_step *st, const char *option, const char *key,
                     struct octo_tpl *tpl)
{
    struct octo_tmpl_opt *n = octo_xrealloc(st->tmpl, (st->ntmpl + 1) * sizeof(*n));

    st->tmpl = n;
    n[st->ntmpl].option = octo_xstrdup(option);
    n[st->ntmpl].key = key != NULL ? octo_xstrdup(key) : NULL;
    n[st->ntmpl].tpl = tpl;
    st->ntmpl++;
}

/* Compile s as a template when it holds template syntax. */
static int compile_tmpl(struct octo_loadctx *lc, struct octo_step *st, const char *option,
                        const char *key, const char *s, const char *mark, const char *where)
{
    struct octo_tpl *tpl = NULL;
    octo_error err;
    char name[256];

    if (!octo_tpl_is_template(s)) {
        return 0;
    }
    memset(&err, 0, sizeof(err));
    snprintf(name, sizeof(name), "%s", where);
    if (octo_tpl_compile(s, strlen(s), name, octo_flow_tpl_env(), &tpl, &err) != OCTO_OK) {
        octo_diag_error(lc, mark, NULL, "%s", err.msg);
        return -1;
    }
    add_tmpl(st, option, key, tpl);
    return 0;
}

/* Check one value against one option; returns the value to store (new
 * reference) or NULL after recording an error. */
static json_t *check_value(struct octo_loadctx *lc, const octo_option *o, json_t *v,
                           const char *mark, const char *where)
{
    const char *const *val;

    switch (o->type) {
    case OCTO_OPT_STRING:
        if (json_is_string(v)) {
            return json_incref(v);
        }
        if (json_is_number(v) || json_is_boolean(v)) {
            /* YAML read 123 or yes; the option wants text: use Python's str() */
            struct octo_buf b = OCTO_BUF_INIT;
            json_t *s;

            octo_py_value_str(v, &b);
            s = json_string(octo_buf_cstr(&b));
            octo_buf_free(&b);
            return s;
        }
        break;
    case OCTO_OPT_INT:
        if (json_is_integer(v)) {
            return json_incref(v);
        }
        break;
    case OCTO_OPT_NUMBER:
        if (json_is_number(v)) {
            return json_incref(v);
        }
        break;
    case OCTO_OPT_BOOL:
        if (json_is_boolean(v)) {
            return json_incref(v);
        }
        break;
    case OCTO_OPT_ENUM:
        if (!json_is_string(v)) {
            break;
        }
        for (val = o->values; val != NULL && *val != NULL; val++) {
            if ((o->flags & OCTO_OPT_NOCASE) ? strcasecmp(*val, json_string_value(v)) == 0
                                             : strcmp(*val, json_string_value(v)) == 0) {
                return json_string(*val);
            }
        }
        {
            struct octo_buf b = OCTO_BUF_INIT;

            for (val = o->values; val != NULL && *val != NULL; val++) {
                octo_buf_printf(&b, "%s%s", val == o->values ? "" : ", ", *val);
            }
            octo_diag_error(lc, mark, where, "\"%s\" is not one of: %s", json_string_value(v),
                            octo_buf_cstr(&b));
            octo_buf_free(&b);
        }
        return NULL;
    case OCTO_OPT_OBJECT:
        if (json_is_object(v)) {
            return json_incref(v);
        }
        break;
    case OCTO_OPT_ARRAY:
        if (json_is_array(v)) {
            return json_incref(v);
        }
        break;
    default:
        return json_incref(v);
    }
    octo_diag_error(lc, mark, where, "must be %s, not %s", type_name(o->type), json_kind(v));
    return NULL;
}

static int check_path(struct octo_loadctx *lc, const octo_option *o, const char *s,
                      const char *mark, const char *where)
{
    char abs[PATH_MAX];
    octo_error err;
    int root = (o->flags & OCTO_OPT_PATH_DATA)    ? OCTO_ROOT_DATA
               : (o->flags & OCTO_OPT_PATH_TPL)   ? OCTO_ROOT_TEMPLATES
               : (o->flags & OCTO_OPT_PATH_FLOWS) ? OCTO_ROOT_FLOWS
                                                  : 0;

    if (root == 0 || octo_tpl_is_template(s) || octo_root_dir(root) == NULL) {
        return 0;
    }
    memset(&err, 0, sizeof(err));
    if (octo_path_resolve(root, s, 0, abs, sizeof(abs), &err) != OCTO_OK) {
        octo_diag_error(lc, mark, where, "%s", err.msg);
        return -1;
    }
    /* a template or sub-flow that is not there (yet): said at validation,
     * by name under its root, never by absolute path */
    if (root != OCTO_ROOT_DATA && access(abs, F_OK) != 0) {
        octo_diag_warn(lc, mark, where,
                       "%s \"%s\" does not exist under %s (the step will fail "
                       "when it runs)",
                       root == OCTO_ROOT_TEMPLATES ? "template" : "flow", s,
                       root == OCTO_ROOT_TEMPLATES ? "TEMPLATES_PATH" : "FLOWS_PATH");
    }
    return 0;
}

int octo_flow_check_block(struct octo_loadctx *lc, struct octo_step *st, json_t *block,
                          const char *mark_base, const char *where_base)
{
    const struct octo_steptype *t = st->type;
    const char *names[260];
    const char *key;
    json_t *v;
    size_t i;
    int bad = 0;
    char mark[512];
    char where[512];

    st->options = json_object();
    st->path_data_opt = -1;
    if (block != NULL && !json_is_object(block) && !json_is_null(block)) {
        octo_diag_error(lc, mark_base, where_base, "must be a mapping, not %s", json_kind(block));
        return -1;
    }
    for (i = 0; i < t->nopts && i < 256; i++) {
        names[i] = t->opts[i].name;
    }
    names[i] = NULL;
    /* keys the schema does not know */
    if (block != NULL && json_is_object(block)) {
        json_object_foreach(block, key, v)
        {
            size_t k;

            for (k = 0; k < t->nopts; k++) {
                if (strcmp(t->opts[k].name, key) == 0) {
                    break;
                }
            }
            if (k == t->nopts) {
                snprintf(mark, sizeof(mark), "%s.%s", mark_base, key);
                octo_diag_unknown_key(lc, mark, where_base, key, names);
            }
        }
    }
    for (i = 0; i < t->nopts; i++) {
        const octo_option *o = &t->opts[i];
        json_t *val =
            block != NULL && json_is_object(block) ? json_object_get(block, o->name) : NULL;
        json_t *stored = NULL;

        snprintf(mark, sizeof(mark), "%s.%s", mark_base, o->name);
        snprintf(where, sizeof(where), "%s.%s", where_base, o->name);
        if (val == NULL || json_is_null(val)) {
            if (o->flags & OCTO_OPT_REQUIRED) {
                octo_diag_error(lc, mark_base, where, "is required (%s)",
                                o->summary != NULL ? o->summary : type_name(o->type));
                bad = 1;
                continue;
            }
            if (o->def != NULL) {
                stored = json_loads(o->def, JSON_DECODE_ANY, NULL);
            }
            if (stored != NULL) {
                json_object_set_new(st->options, o->name, stored);
            }
            continue;
        }
        if (o->flags & OCTO_OPT_DEPRECATED) {
            octo_diag_warn(
                lc, mark, where, "is deprecated%s%s%s", o->replaced_by != NULL ? " (use \"" : "",
                o->replaced_by != NULL ? o->replaced_by : "", o->replaced_by != NULL ? "\")" : "");
        }
        stored = check_value(lc, o, val, mark, where);
        if (stored == NULL) {
            bad = 1;
            continue;
        }
        if (json_is_string(stored) &&
            check_path(lc, o, json_string_value(stored), mark, where) != 0) {
            bad = 1;
        }
        if ((o->flags & OCTO_OPT_TEMPLATE) && json_is_string(stored)) {
            if (compile_tmpl(lc, st, o->name, NULL, json_string_value(stored), mark, where) != 0) {
                bad = 1;
            }
        } else if ((o->flags & OCTO_OPT_TEMPLATE) && json_is_object(stored)) {
            const char *mk;
            json_t *mv;

            json_object_foreach(stored, mk, mv)
            {
                char m2[600];
                char w2[600];

                if (!json_is_string(mv)) {
                    continue;
                }
                snprintf(m2, sizeof(m2), "%s.%s", mark, mk);
                snprintf(w2, sizeof(w2), "%s.%s", where, mk);
                if (compile_tmpl(lc, st, o->name, mk, json_string_value(mv), m2, w2) != 0) {
                    bad = 1;
                }
            }
        }
        if (o->flags & OCTO_OPT_PATH_DATA) {
            st->path_data_opt = (int)i;
        }
        if ((o->flags & OCTO_OPT_NESTED_STEPS) &&
            octo_flow_check_nested(lc, st, o->name, stored, mark) != 0) {
            bad = 1;
        }
        if (o->flags & OCTO_OPT_SECRET) {
            /* a secret name: the string itself, or an object's "secret" member */
            json_t *nv = json_is_object(stored) ? json_object_get(stored, "secret") : stored;

            if (json_is_string(nv) && octo_secrets_known(json_string_value(nv)) == 0) {
                char hint[160] = "";
                char name[128];

                if (octo_secrets_suggest(json_string_value(nv), name, sizeof(name))) {
                    snprintf(hint, sizeof(hint), " (did you mean \"%s\"?)", name);
                }
                octo_diag_warn(lc, mark, where,
                               "secret \"%s\" is not defined in secrets.yml%s (the step will "
                               "fail when it runs)",
                               json_string_value(nv), hint);
            }
        }
        json_object_set_new(st->options, o->name, stored);
    }
    if (t->data_key_opt >= 0) {
        json_t *dk = json_object_get(st->options, t->opts[t->data_key_opt].name);

        if (json_is_string(dk) && json_string_length(dk) > 0) {
            st->data_key = json_string_value(dk);
        }
    }
    return bad ? -1 : 0;
}
