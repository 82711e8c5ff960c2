/* octo_mock_step.c - running a step on the mock host the way the core
 * runs it (see octoflow/octo_mock_host.h): defaults and REQUIRED options,
 * the DATA_KEY input, args->paths, then prepare / run / destroy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"

/* the mock prepare() hands out */
struct mock_inst {
    json_t *options;
    void *inst;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);

    if (p == NULL) {
        abort();
    }
    return p;
}

static const octo_option *option_at(const octo_step_type *t, size_t i)
{
    return (const octo_option *)(const void *)((const char *)t->options + i * t->option_size);
}

int octo_mock_load(octo_mock *m, octo_plugin_entry_fn entry, const char *type,
                   const octo_step_type **out, octo_error *err)
{
    const octo_plugin *p = NULL;
    size_t i;
    int rc;

    *out = NULL;
    octo_mock_make_current(m);
    rc = entry(octo_mock_host(m), &p, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    for (i = 0; p != NULL && p->steps != NULL && p->steps[i] != NULL; i++) {
        const octo_step_type *t = p->steps[i];
        const char *const *a;

        if (strcmp(t->name, type) == 0) {
            *out = t;
            return OCTO_OK;
        }
        for (a = t->aliases; a != NULL && *a != NULL; a++) {
            if (strcmp(*a, type) == 0) {
                *out = t;
                return OCTO_OK;
            }
        }
    }
    return octo_mock_error_set(err, OCTO_ENOENT, NULL, "the plugin has no step type %s", type);
}

int octo_mock_prepare(octo_mock *m, const octo_step_type *t, json_t *options, void **inst,
                      octo_error *err)
{
    struct mock_inst *mi;
    json_t *opts = json_is_object(options) ? json_copy(options) : json_object();
    size_t i;
    int rc;

    *inst = NULL;
    octo_mock_make_current(m);
    for (i = 0; option_at(t, i)->name != NULL; i++) {
        const octo_option *o = option_at(t, i);
        json_t *v = json_object_get(opts, o->name);

        if (v != NULL && !json_is_null(v)) {
            continue;
        }
        if (o->flags & OCTO_OPT_REQUIRED) {
            json_decref(opts);
            return octo_mock_error_set(err, OCTO_EINVAL, o->name, "is required (%s)",
                                       o->summary != NULL ? o->summary : o->name);
        }
        if (o->def != NULL) {
            json_t *d = json_loads(o->def, JSON_DECODE_ANY, NULL);

            if (d == NULL) {
                json_decref(opts);
                return octo_mock_error_set(err, OCTO_EINVAL, o->name, "the default is not JSON: %s",
                                           o->def);
            }
            json_object_set_new(opts, o->name, d);
        } else if (v != NULL) {
            json_object_del(opts, o->name); /* null means absent, as in the core */
        }
    }
    mi = xmalloc(sizeof(*mi));
    mi->options = opts;
    mi->inst = NULL;
    rc = t->prepare(octo_mock_host(m), opts, &mi->inst, err);
    if (rc != OCTO_OK) {
        json_decref(opts);
        free(mi);
        return rc;
    }
    *inst = mi;
    return OCTO_OK;
}

/* args->paths: the PATH_* options whose root the test set. */
static int resolve_paths(octo_mock *m, const octo_step_type *t, json_t *opts, json_t **paths,
                         octo_error *err)
{
    size_t i;

    *paths = NULL;
    for (i = 0; option_at(t, i)->name != NULL; i++) {
        const octo_option *o = option_at(t, i);
        const char *rel = json_string_value(json_object_get(opts, o->name));
        int root = (o->flags & OCTO_OPT_PATH_DATA)    ? OCTO_ROOT_DATA
                   : (o->flags & OCTO_OPT_PATH_TPL)   ? OCTO_ROOT_TEMPLATES
                   : (o->flags & OCTO_OPT_PATH_FLOWS) ? OCTO_ROOT_FLOWS
                                                      : 0;
        char *abs = NULL;

        if (root == 0 || rel == NULL || !octo_mock_root_set(m, root)) {
            continue;
        }
        if (octo_mock_path_resolve(root, rel, 0, &abs, err) != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "%s", o->name);
            json_decref(*paths);
            *paths = NULL;
            return OCTO_EPATH;
        }
        if (*paths == NULL) {
            *paths = json_object();
        }
        json_object_set_new(*paths, o->name, json_string(abs));
        free(abs);
    }
    return OCTO_OK;
}

int octo_mock_run_prepared(octo_mock *m, const octo_step_type *t, void *inst, json_t **out,
                           octo_error *err)
{
    struct mock_inst *mi = inst;
    octo_run_args args;
    json_t *paths = NULL;
    size_t i;
    int rc;

    *out = NULL;
    octo_mock_make_current(m);
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.options = mi->options;
    args.step_name = "mock step";
    for (i = 0; option_at(t, i)->name != NULL; i++) {
        const octo_option *o = option_at(t, i);
        const char *key = json_string_value(json_object_get(mi->options, o->name));

        if (!(o->flags & OCTO_OPT_DATA_KEY) || key == NULL || key[0] == '\0') {
            continue;
        }
        args.input = octo_mock_data_get(octo_mock_ctx(m), key);
        if (args.input == NULL && (o->flags & OCTO_OPT_INPUT_NEEDED)) {
            return octo_mock_error_set(err, OCTO_EINVAL, o->name,
                                       "data_key \"%s\" is not in the flow data", key);
        }
    }
    rc = resolve_paths(m, t, mi->options, &paths, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    args.paths = paths;
    rc = t->run(octo_mock_host(m), octo_mock_ctx(m), mi->inst, &args, out, err);
    json_decref(paths);
    if (rc != OCTO_OK) {
        json_decref(*out); /* a plugin bug the core tolerates too */
        *out = NULL;
        if (err->code == 0) {
            err->code = rc;
        }
    } else if (*out == NULL) {
        *out = json_null();
    }
    return rc;
}

void octo_mock_destroy(octo_mock *m, const octo_step_type *t, void *inst)
{
    struct mock_inst *mi = inst;

    if (mi == NULL) {
        return;
    }
    octo_mock_make_current(m);
    if (t->destroy != NULL) {
        t->destroy(octo_mock_host(m), mi->inst);
    }
    json_decref(mi->options);
    free(mi);
}

int octo_mock_run_step(octo_mock *m, const octo_step_type *t, json_t *options, json_t **out,
                       octo_error *err)
{
    void *inst = NULL;
    int rc = octo_mock_prepare(m, t, options, &inst, err);

    *out = NULL;
    if (rc != OCTO_OK) {
        return rc;
    }
    rc = octo_mock_run_prepared(m, t, inst, out, err);
    octo_mock_destroy(m, t, inst);
    return rc;
}
