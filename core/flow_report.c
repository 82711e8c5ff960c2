/* flow_report.c - flows as the front door reports them: validation
 * results for `octoflow validate` and the dashboard, the list of flow
 * files, the path check of API requests. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <octoflow/core.h>

#include "config.h"
#include "flow.h"
#include "paths.h"
#include "plugins.h"
#include "xalloc.h"

int octo_flow_path_check(const char *rel, octo_error *err)
{
    char abs[PATH_MAX];

    return octo_path_resolve(OCTO_ROOT_FLOWS, rel, 0, abs, sizeof(abs), err);
}

int octo_flow_check(const char *flow, unsigned flags, json_t **report, octo_error *err)
{
    struct octo_flow *f = NULL;
    struct octo_diags d;
    json_t *r;
    int rc;

    *report = NULL;
    octo_diags_init(&d);
    rc = octo_flow_open_arg(flow, flags, &f, &d, err);
    if (rc == OCTO_ENOENT && json_array_size(d.errors) == 0) {
        octo_diags_free(&d);
        return OCTO_ENOENT;
    }
    r = json_object();
    json_object_set_new(r, "path", json_string(flow));
    json_object_set_new(r, "valid", json_boolean(rc == OCTO_OK));
    if (rc != OCTO_OK && json_array_size(d.errors) == 0) {
        json_array_append_new(d.errors, json_string(err->msg));
    }
    json_object_set(r, "errors", d.errors);
    json_object_set(r, "warnings", d.warnings);
    if (f != NULL) {
        json_t *steps = json_array();
        size_t i;

        for (i = 0; i < f->nsteps; i++) {
            json_array_append_new(steps,
                                  json_pack("{s:s, s:s, s:i}", "name", f->steps[i].name, "type",
                                            f->steps[i].type->t.name, "line", f->steps[i].line));
        }
        json_object_set_new(r, "name", json_string(f->name));
        json_object_set_new(r, "steps", steps);
        json_object_set_new(r, "cron", f->cron != NULL ? json_string(f->cron) : json_null());
        json_object_set_new(r, "every_seconds",
                            f->every_seconds > 0 ? json_integer(f->every_seconds) : json_null());
        octo_flow_unref(f);
    }
    octo_diags_free(&d);
    *report = r;
    return OCTO_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s);
    size_t b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void collect(const char *dir, const char *rel, json_t *out, int depth, int any)
{
    DIR *d;
    struct dirent *de;

    if (depth > 16 || (d = opendir(dir)) == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char abs[PATH_MAX];
        char r[PATH_MAX];
        struct stat st;

        if (de->d_name[0] == '.') {
            continue;
        }
        if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", dir, de->d_name) >= sizeof(abs) ||
            (size_t)snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
                sizeof(r) ||
            stat(abs, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            collect(abs, r, out, depth + 1, any);
        } else if (S_ISREG(st.st_mode) &&
                   (any || ends_with(de->d_name, ".yml") || ends_with(de->d_name, ".yaml"))) {
            json_array_append_new(out, json_string(r));
        }
    }
    closedir(d);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static json_t *sorted_files(const char *dir, int any)
{
    json_t *a = json_array();
    json_t *out = json_array();
    json_t **items;
    size_t n;
    size_t i;

    collect(dir, "", a, 0, any);
    n = json_array_size(a);
    items = octo_xcalloc(n + 1, sizeof(*items));
    for (i = 0; i < n; i++) {
        items[i] = json_array_get(a, i);
    }
    qsort(items, n, sizeof(*items), by_text);
    for (i = 0; i < n; i++) {
        json_array_append(out, items[i]);
    }
    free(items);
    json_decref(a);
    return out;
}

json_t *octo_flow_files(void)
{
    return sorted_files(octo_config()->flows_path, 0);
}

json_t *octo_template_files(void)
{
    return sorted_files(octo_config()->templates_path, 1);
}
