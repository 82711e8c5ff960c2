/* cli_info.c - `octoflow plugins` and `octoflow render`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <octoflow/core.h>

#include "buf.h"
#include "cli.h"
#include "paths.h"
#include "pyjson.h"
#include "template/template.h"

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
    } flags[] = {{OCTO_OPT_REQUIRED, "required"},   {OCTO_OPT_TEMPLATE, "template"},
                 {OCTO_OPT_PATH_DATA, "path_data"}, {OCTO_OPT_PATH_TPL, "path_templates"},
                 {OCTO_OPT_PATH_FLOWS, "path_flows"}, {OCTO_OPT_DATA_KEY, "data_key"},
                 {OCTO_OPT_SECRET, "secret"},       {OCTO_OPT_JQ, "jq"},
                 {OCTO_OPT_DEPRECATED, "deprecated"}, {OCTO_OPT_NOCASE, "nocase"},
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

static json_t *plugins_json(void)
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

int octo_cmd_plugins(int argc, char **argv, const char *exe_dir)
{
    struct octo_core_opts o;
    octo_error err;
    json_t *j;
    int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
    size_t i;
    size_t k;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.exe_dir = exe_dir;
    o.load_plugins = 1;
    o.log_level = OCTO_LOG_ERROR;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow: %s\n", err.msg);
        return OCTO_EXIT_USAGE;
    }
    if (as_json) {
        struct octo_buf b = OCTO_BUF_INIT;

        j = plugins_json();
        octo_pyjson_dump(j, OCTO_JSON_INDENT(2), &b);
        printf("%s\n", octo_buf_cstr(&b));
        octo_buf_free(&b);
        json_decref(j);
    } else {
        printf("octoflow %s, step ABI %d.%d, plugins from %s\n", OCTO_VERSION, OCTO_ABI_MAJOR,
               OCTO_ABI_MINOR, octo_plugins_searched());
        for (i = 0; i < octo_plugins_count(); i++) {
            const struct octo_plugin_info *p = octo_plugins_at(i);

            printf("\n%s %s (ABI %u.%u) %s\n", p->name, p->version, p->abi_major, p->abi_minor,
                   p->file);
            for (k = 0; k < octo_plugins_type_count(); k++) {
                const struct octo_steptype *t = octo_plugins_type_at(k);
                size_t n;

                if (t->plugin != i) {
                    continue;
                }
                printf("  type %-18s %s\n", t->t.name, t->t.summary != NULL ? t->t.summary : "");
                for (n = 0; n < t->nopts; n++) {
                    const octo_option *op = &t->opts[n];

                    printf("    %-16s %-7s%s%s %s", op->name, opt_type_name(op->type),
                           (op->flags & OCTO_OPT_REQUIRED) ? " required" : "",
                           (op->flags & OCTO_OPT_TEMPLATE) ? " templated" : "",
                           op->summary != NULL ? op->summary : "");
                    if (op->def != NULL) {
                        printf(" (default %s)", op->def);
                    }
                    printf("\n");
                }
            }
        }
        for (i = 0; i < octo_plugins_problem_count(); i++) {
            printf("\nrefused: %s\n", octo_plugins_problem(i));
        }
    }
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}

/* Loader for `render`: names under TEMPLATES_PATH (or DATA_PATH/templates,
 * or ./data/templates when it exists), compiled on each use. */
static char g_tpl_dir[PATH_MAX];

static int render_load(void *ud, const char *name, struct octo_tpl **out, octo_error *err);
static const struct octo_tpl_env g_render_env = {.load = render_load};

static int render_load(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    char abs[PATH_MAX];
    struct octo_buf src = OCTO_BUF_INIT;
    FILE *fp;
    char chunk[8192];
    size_t n;
    int rc;

    (void)ud;
    *out = NULL;
    if (g_tpl_dir[0] == '\0') {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found (no TEMPLATES_PATH)",
                              name);
    }
    rc = octo_path_resolve_in(g_tpl_dir, "TEMPLATES_PATH", name, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    fp = fopen(abs, "rb");
    if (fp == NULL) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found", name);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        octo_buf_append(&src, chunk, n);
    }
    fclose(fp);
    rc = octo_tpl_compile(octo_buf_cstr(&src), src.len, name, &g_render_env, out, err);
    octo_buf_free(&src);
    return rc;
}

int octo_cmd_render(int argc, char **argv, const char *exe_dir)
{
    const char *t = getenv("TEMPLATES_PATH");
    const char *d = getenv("DATA_PATH");
    struct stat st;

    (void)exe_dir;
    if (t != NULL && t[0] != '\0') {
        snprintf(g_tpl_dir, sizeof(g_tpl_dir), "%s", t);
    } else {
        snprintf(g_tpl_dir, sizeof(g_tpl_dir), "%s/templates",
                 d != NULL && d[0] != '\0' ? d : "data");
    }
    if (stat(g_tpl_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_tpl_dir[0] = '\0';
    }
    return octo_tpl_render_cli(argc, argv, &g_render_env);
}
