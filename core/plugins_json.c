/* plugins_json.c - the loaded plugins, their step types and option
 * schemas as JSON (`octoflow plugins`, the editor schema, the docs). */
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "plugins.h"
#include "version.h"

static const char *opt_type_name(octo_opt_type t)
{
    static const char *const names[] = {"?",    "string", "int",   "number", "bool",
                                        "enum", "object", "array", "any"};

    return (t >= OCTO_OPT_STRING && t <= OCTO_OPT_ANY) ? names[t] : "?";
}

static json_t *option_json(const octo_option *o)
{
    static const struct {
        unsigned flag;
        const char *name;
    } flags[] = {{OCTO_OPT_REQUIRED, "required"},
                 {OCTO_OPT_TEMPLATE, "template"},
                 {OCTO_OPT_PATH_DATA, "path_data"},
                 {OCTO_OPT_PATH_TPL, "path_templates"},
                 {OCTO_OPT_PATH_FLOWS, "path_flows"},
                 {OCTO_OPT_DATA_KEY, "data_key"},
                 {OCTO_OPT_SECRET, "secret"},
                 {OCTO_OPT_JQ, "jq"},
                 {OCTO_OPT_DEPRECATED, "deprecated"},
                 {OCTO_OPT_NOCASE, "nocase"},
                 {OCTO_OPT_INPUT_NEEDED, "input_needed"}};
    json_t *j = json_object();
    json_t *fl = json_array();
    size_t i;

    json_object_set_new(j, "name", json_string(o->name));
    json_object_set_new(j, "type", json_string(opt_type_name(o->type)));
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (o->flags & flags[i].flag) {
            json_array_append_new(fl, json_string(flags[i].name));
        }
    }
    json_object_set_new(j, "flags", fl);
    json_object_set_new(j, "default",
                        o->def != NULL ? json_loads(o->def, JSON_DECODE_ANY, NULL) : json_null());
    if (o->values != NULL) {
        json_t *v = json_array();
        const char *const *p;

        for (p = o->values; *p != NULL; p++) {
            json_array_append_new(v, json_string(*p));
        }
        json_object_set_new(j, "values", v);
    }
    json_object_set_new(j, "summary", o->summary != NULL ? json_string(o->summary) : json_null());
    if (o->replaced_by != NULL) {
        json_object_set_new(j, "replaced_by", json_string(o->replaced_by));
    }
    return j;
}

json_t *octo_plugins_json(void)
{
    json_t *root = json_object();
    json_t *plugins = json_array();
    json_t *problems = json_array();
    size_t i;
    size_t k;

    for (i = 0; i < octo_plugins_count(); i++) {
        const struct octo_plugin_info *p = octo_plugins_at(i);
        json_t *pj = json_object();
        json_t *steps = json_array();
        char abi[32];

        snprintf(abi, sizeof(abi), "%u.%u", p->abi_major, p->abi_minor);
        json_object_set_new(pj, "name", json_string(p->name));
        json_object_set_new(pj, "version", json_string(p->version));
        json_object_set_new(pj, "abi", json_string(abi));
        json_object_set_new(pj, "file", json_string(p->file));
        for (k = 0; k < octo_plugins_type_count(); k++) {
            const struct octo_steptype *t = octo_plugins_type_at(k);
            json_t *tj;
            json_t *opts;
            json_t *aliases;
            const char *const *a;
            size_t o;

            if (t->plugin != i) {
                continue;
            }
            aliases = json_array();
            tj = json_object();
            opts = json_array();
            json_object_set_new(tj, "name", json_string(t->t.name));
            for (a = t->t.aliases; a != NULL && *a != NULL; a++) {
                json_array_append_new(aliases, json_string(*a));
            }
            json_object_set_new(tj, "aliases", aliases);
            json_object_set_new(tj, "summary",
                                t->t.summary != NULL ? json_string(t->t.summary) : json_null());
            json_object_set_new(tj, "doc", t->t.doc != NULL ? json_string(t->t.doc) : json_null());
            for (o = 0; o < t->nopts; o++) {
                json_array_append_new(opts, option_json(&t->opts[o]));
            }
            json_object_set_new(tj, "options", opts);
            json_array_append_new(steps, tj);
        }
        json_object_set_new(pj, "steps", steps);
        json_array_append_new(plugins, pj);
    }
    for (i = 0; i < octo_plugins_problem_count(); i++) {
        json_array_append_new(problems, json_string(octo_plugins_problem(i)));
    }
    json_object_set_new(root, "core_version", json_string(OCTO_VERSION));
    json_object_set_new(root, "abi", json_sprintf("%d.%d", OCTO_ABI_MAJOR, OCTO_ABI_MINOR));
    json_object_set_new(root, "searched", json_string(octo_plugins_searched()));
    json_object_set_new(root, "plugins", plugins);
    json_object_set_new(root, "problems", problems);
    return root;
}
