/* plugins.c - plugin loader and step type registry (see plugins.h). */
#include "plugins.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "log.h"
#include "xalloc.h"

#ifndef OCTO_INSTALLED_PLUGINDIR
#define OCTO_INSTALLED_PLUGINDIR "/usr/local/lib/octoflow/plugins"
#endif
/* The plugin directory relative to the executable's (bin/ -> lib/...):
 * an install moved to another prefix still finds its plugins. */
#ifndef OCTO_PLUGINDIR_FROM_BINDIR
#define OCTO_PLUGINDIR_FROM_BINDIR "../lib/octoflow/plugins"
#endif
/* Where the administrator puts third-party plugins (also searched). */
#define OCTO_LOCAL_PLUGINDIR "/usr/local/lib/octoflow/plugins"

#define MAX_PLUGINS  256
#define MAX_TYPES    1024
#define MAX_PROBLEMS 64

static struct octo_plugin_info g_plugins[MAX_PLUGINS];
static size_t g_nplugins;
static struct octo_steptype g_types[MAX_TYPES];
static size_t g_ntypes;
static char *g_problems[MAX_PROBLEMS];
static char *g_problem_files[MAX_PROBLEMS]; /* base name of the refused file, or NULL */
static size_t g_nproblems;
static char g_searched[4 * PATH_MAX];

/* A refusal; path (may be NULL) is the refused file, so a flow that then
 * names its step type can be told why it is missing. */
static void add_problem_for(const char *path, const char *msg)
{
    if (g_nproblems < MAX_PROBLEMS) {
        g_problems[g_nproblems] = octo_xstrdup(msg);
        g_problem_files[g_nproblems] = NULL;
        if (path != NULL) {
            const char *base = strrchr(path, '/');

            g_problem_files[g_nproblems] = octo_xstrdup(base != NULL ? base + 1 : path);
        }
        g_nproblems++;
    }
    octo_log(OCTO_LOG_WARN, "plugin refused: %s", msg);
}

static void add_problem(const char *msg)
{
    add_problem_for(NULL, msg);
}

int octo_plugins_refusal(const char *type_name, char *out, size_t cap)
{
    char want[160];
    size_t i;

    snprintf(want, sizeof(want), "%s.so", type_name);
    for (i = 0; i < g_nproblems; i++) {
        const char *msg = g_problems[i];
        const char *colon;

        if (g_problem_files[i] == NULL || strcmp(g_problem_files[i], want) != 0) {
            continue;
        }
        /* the messages read "<path>: <reason>": keep the reason only */
        colon = strstr(msg, want);
        colon = colon != NULL ? strstr(colon, ": ") + 2 : msg;
        if (strncmp(colon, "refused: ", 9) == 0) {
            colon += 9;
        } else if (strncmp(colon, "refused to load: ", 17) == 0) {
            colon += 17;
        }
        snprintf(out, cap, "plugin %s was refused: %s", want, colon);
        return 1;
    }
    return 0;
}

static int valid_name(const char *s)
{
    if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z')) {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

static const struct octo_steptype *find_in(const struct octo_steptype *types, size_t n,
                                           const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *const *a;

        if (strcmp(types[i].t.name, name) == 0) {
            return &types[i];
        }
        for (a = types[i].t.aliases; a != NULL && *a != NULL; a++) {
            if (strcmp(*a, name) == 0) {
                return &types[i];
            }
        }
    }
    return NULL;
}

const struct octo_steptype *octo_plugins_find(const char *name)
{
    return name != NULL ? find_in(g_types, g_ntypes, name) : NULL;
}

static int check_default(const octo_option *o, const char *file, const char *type, octo_error *err)
{
    json_error_t je;
    json_t *v;
    int ok = 1;

    if (o->def == NULL) {
        return OCTO_OK;
    }
    v = json_loads(o->def, JSON_DECODE_ANY, &je);
    if (v == NULL) {
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: step type \"%s\" option \"%s\": default %s is not JSON", file,
                              type, o->name, o->def);
    }
    switch (o->type) {
    case OCTO_OPT_STRING:
    case OCTO_OPT_ENUM:
        ok = json_is_string(v);
        break;
    case OCTO_OPT_INT:
        ok = json_is_integer(v);
        break;
    case OCTO_OPT_NUMBER:
        ok = json_is_number(v);
        break;
    case OCTO_OPT_BOOL:
        ok = json_is_boolean(v);
        break;
    case OCTO_OPT_OBJECT:
        ok = json_is_object(v);
        break;
    case OCTO_OPT_ARRAY:
        ok = json_is_array(v);
        break;
    default:
        break;
    }
    if (ok && o->type == OCTO_OPT_ENUM && o->values != NULL) {
        const char *const *val;

        ok = 0;
        for (val = o->values; *val != NULL; val++) {
            if (strcmp(*val, json_string_value(v)) == 0) {
                ok = 1;
            }
        }
    }
    json_decref(v);
    if (!ok) {
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: step type \"%s\" option \"%s\": default %s does not match the "
                              "option's type",
                              file, type, o->name, o->def);
    }
    return OCTO_OK;
}

/* Copy and check one step type descriptor into dst. */
static int take_type(const octo_step_type *src, const char *file, size_t plugin_index,
                     struct octo_steptype *dst, octo_error *err)
{
    size_t n = 0;
    size_t i;
    const char *p;

    memset(dst, 0, sizeof(*dst));
    if (src == NULL ||
        src->struct_size < offsetof(octo_step_type, destroy) + sizeof(src->destroy)) {
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: step type descriptor too small (struct_size %u, need at least "
                              "%zu)",
                              file, src != NULL ? src->struct_size : 0,
                              offsetof(octo_step_type, destroy) + sizeof(src->destroy));
    }
    memcpy(&dst->t, src, src->struct_size < sizeof(dst->t) ? src->struct_size : sizeof(dst->t));
    if (!valid_name(dst->t.name)) {
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: step type name \"%s\" is not [a-z][a-z0-9_]*", file,
                              dst->t.name != NULL ? dst->t.name : "(null)");
    }
    if (dst->t.run == NULL || dst->t.prepare == NULL) {
        return octo_error_set(err, OCTO_EABI, NULL, "%s: step type \"%s\" has no %s function", file,
                              dst->t.name, dst->t.run == NULL ? "run" : "prepare");
    }
    if (dst->t.options != NULL) {
        if (dst->t.option_size < offsetof(octo_option, replaced_by) + sizeof(void *)) {
            return octo_error_set(err, OCTO_EABI, NULL,
                                  "%s: step type \"%s\": option_size %u too small", file,
                                  dst->t.name, dst->t.option_size);
        }
        p = (const char *)dst->t.options;
        while (((const octo_option *)(p + n * dst->t.option_size))->name != NULL) {
            n++;
            if (n > 256) {
                return octo_error_set(err, OCTO_EABI, NULL,
                                      "%s: step type \"%s\": option list not terminated", file,
                                      dst->t.name);
            }
        }
    }
    dst->opts = octo_xcalloc(n + 1, sizeof(*dst->opts));
    dst->nopts = n;
    dst->data_key_opt = -1;
    for (i = 0; i < n; i++) {
        const octo_option *o = (const octo_option *)(p + i * dst->t.option_size);
        int rc;

        memcpy(&dst->opts[i], o,
               dst->t.option_size < sizeof(octo_option) ? dst->t.option_size : sizeof(octo_option));
        if (dst->opts[i].type < OCTO_OPT_STRING || dst->opts[i].type > OCTO_OPT_ANY) {
            octo_error_set(err, OCTO_EABI, NULL,
                           "%s: step type \"%s\" option \"%s\": unknown type %d", file, dst->t.name,
                           o->name, (int)o->type);
            free(dst->opts);
            dst->opts = NULL;
            return OCTO_EABI;
        }
        rc = check_default(&dst->opts[i], file, dst->t.name, err);
        if (rc != OCTO_OK) {
            free(dst->opts);
            dst->opts = NULL;
            return rc;
        }
        if (dst->opts[i].flags & OCTO_OPT_DATA_KEY) {
            if (dst->data_key_opt >= 0) {
                free(dst->opts);
                dst->opts = NULL;
                return octo_error_set(err, OCTO_EABI, NULL,
                                      "%s: step type \"%s\" declares two DATA_KEY options", file,
                                      dst->t.name);
            }
            dst->data_key_opt = (int)i;
        }
    }
    dst->plugin = plugin_index;
    return OCTO_OK;
}

int octo_plugins_load_file(const char *path, octo_error *err)
{
    struct stat st;
    void *h;
    octo_plugin_entry_fn entry;
    const octo_plugin *desc = NULL;
    octo_plugin local;
    octo_error perr;
    struct octo_steptype staged[64];
    size_t nstaged = 0;
    size_t i;
    int rc;
    const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;

    memset(&perr, 0, sizeof(perr));
    if (stat(path, &st) != 0) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "%s: %s", path, strerror(errno));
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        return octo_error_set(err, OCTO_EACCES, NULL,
                              "%s: refused: the file is writable by group or others", path);
    }
    if (g_nplugins >= MAX_PLUGINS) {
        return octo_error_set(err, OCTO_EABI, NULL, "%s: too many plugins", path);
    }
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == NULL) {
        const char *e = dlerror();

        return octo_error_set(err, OCTO_EABI, NULL, "%s: cannot be loaded: %s", path,
                              e != NULL ? e : "unknown error");
    }
    *(void **)(&entry) = dlsym(h, OCTO_PLUGIN_ENTRY_SYMBOL);
    if (entry == NULL) {
        dlclose(h);
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: not an Octoflow plugin (no " OCTO_PLUGIN_ENTRY_SYMBOL ")", path);
    }
    rc = entry(octo_host_table(), &desc, &perr);
    if (rc != OCTO_OK || desc == NULL) {
        return octo_error_set(err, OCTO_EABI, NULL, "%s: refused to load: %s", path,
                              perr.msg[0] != '\0' ? perr.msg : octo_strerror(rc));
    }
    if (desc->struct_size < offsetof(octo_plugin, steps) + sizeof(void *)) {
        return octo_error_set(err, OCTO_EABI, NULL,
                              "%s: plugin descriptor too small (struct_size %u, need at least "
                              "%zu)",
                              path, desc->struct_size,
                              offsetof(octo_plugin, steps) + sizeof(void *));
    }
    memset(&local, 0, sizeof(local));
    memcpy(&local, desc, desc->struct_size < sizeof(local) ? desc->struct_size : sizeof(local));
    if (local.abi_major != OCTO_ABI_MAJOR || local.abi_minor > OCTO_ABI_MINOR) {
        return octo_error_set(
            err, OCTO_EABI, NULL, "%s: built for step ABI %u.%u, core provides %d.%d", path,
            (unsigned)local.abi_major, (unsigned)local.abi_minor, OCTO_ABI_MAJOR, OCTO_ABI_MINOR);
    }
    if (local.steps == NULL || local.steps[0] == NULL) {
        return octo_error_set(err, OCTO_EABI, NULL, "%s: provides no step type", path);
    }
    for (i = 0; local.steps[i] != NULL; i++) {
        const struct octo_steptype *dup;

        if (nstaged >= sizeof(staged) / sizeof(staged[0]) || g_ntypes + nstaged >= MAX_TYPES) {
            rc = octo_error_set(err, OCTO_EABI, NULL, "%s: too many step types", path);
            goto refuse;
        }
        rc = take_type(local.steps[i], path, g_nplugins, &staged[nstaged], err);
        if (rc != OCTO_OK) {
            goto refuse;
        }
        nstaged++;
        dup = octo_plugins_find(staged[nstaged - 1].t.name);
        if (dup == NULL) {
            dup = find_in(staged, nstaged - 1, staged[nstaged - 1].t.name);
        }
        if (dup != NULL) {
            rc = octo_error_set(
                err, OCTO_EABI, NULL, "%s: step type \"%s\" is already provided by %s", path,
                staged[nstaged - 1].t.name,
                dup >= g_types && dup < g_types + g_ntypes ? g_plugins[dup->plugin].file : path);
            goto refuse;
        }
        for (const char *const *a = staged[nstaged - 1].t.aliases; a != NULL && *a != NULL; a++) {
            dup = octo_plugins_find(*a);
            if (!valid_name(*a) || dup != NULL) {
                rc = octo_error_set(err, OCTO_EABI, NULL,
                                    "%s: step type alias \"%s\" is invalid or already provided by "
                                    "%s",
                                    path, *a, dup != NULL ? g_plugins[dup->plugin].file : path);
                goto refuse;
            }
        }
    }
    snprintf(g_plugins[g_nplugins].file, sizeof(g_plugins[g_nplugins].file), "%s", path);
    snprintf(g_plugins[g_nplugins].name, sizeof(g_plugins[g_nplugins].name), "%s",
             local.name != NULL ? local.name : base);
    snprintf(g_plugins[g_nplugins].version, sizeof(g_plugins[g_nplugins].version), "%s",
             local.version != NULL ? local.version : "");
    g_plugins[g_nplugins].abi_major = local.abi_major;
    g_plugins[g_nplugins].abi_minor = local.abi_minor;
    g_nplugins++;
    for (i = 0; i < nstaged; i++) {
        staged[i].abi_minor = local.abi_minor;
        g_types[g_ntypes++] = staged[i];
    }
    return OCTO_OK;
refuse:
    for (i = 0; i < nstaged; i++) {
        free(staged[i].opts);
    }
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int octo_plugins_load_dir(const char *dir, octo_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    size_t i;

    if (d == NULL) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "plugin directory %s: %s", dir,
                              strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);

        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0) {
            continue;
        }
        if (n == cap) {
            names = octo_xrealloc(names, (cap ? cap * 2 : 16) * sizeof(*names));
            cap = cap ? cap * 2 : 16;
        }
        names[n++] = octo_xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(*names), name_cmp);
    }
    for (i = 0; i < n; i++) {
        char path[PATH_MAX];
        octo_error perr;

        memset(&perr, 0, sizeof(perr));
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (octo_plugins_load_file(path, &perr) != OCTO_OK) {
            add_problem_for(path, perr.msg);
        }
        free(names[i]);
    }
    free(names);
    return OCTO_OK;
}

int octo_plugins_load_default(const char *exe_dir)
{
    const char *env = getenv("PLUGINS_PATH");
    char local[PATH_MAX];
    struct stat st;
    octo_error err;
    size_t before = g_nplugins;

    memset(&err, 0, sizeof(err));
    if (env != NULL && env[0] != '\0') {
        char *copy = octo_xstrdup(env);
        char *save = NULL;
        char *tok;

        snprintf(g_searched, sizeof(g_searched), "%s", env);
        for (tok = strtok_r(copy, ":", &save); tok != NULL; tok = strtok_r(NULL, ":", &save)) {
            if (octo_plugins_load_dir(tok, &err) != OCTO_OK) {
                add_problem(err.msg);
            }
        }
        free(copy);
    } else {
        /* a build tree: plugins/ next to the executable, alone */
        local[0] = '\0';
        if (exe_dir != NULL) {
            snprintf(local, sizeof(local), "%s/plugins", exe_dir);
        }
        if (local[0] != '\0' && stat(local, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(g_searched, sizeof(g_searched), "%s", local);
        } else {
            char real[PATH_MAX];

            /* an install: PREFIX/lib/octoflow/plugins found from bin/,
             * wherever the prefix is; else where it was configured */
            if (exe_dir != NULL) {
                snprintf(local, sizeof(local), "%s/" OCTO_PLUGINDIR_FROM_BINDIR, exe_dir);
            }
            if (local[0] != '\0' && realpath(local, real) != NULL && stat(real, &st) == 0 &&
                S_ISDIR(st.st_mode)) {
                snprintf(g_searched, sizeof(g_searched), "%s", real);
            } else {
                snprintf(g_searched, sizeof(g_searched), "%s", OCTO_INSTALLED_PLUGINDIR);
            }
            /* and the administrator's third-party plugins */
            if (strcmp(g_searched, OCTO_LOCAL_PLUGINDIR) != 0 &&
                stat(OCTO_LOCAL_PLUGINDIR, &st) == 0 && S_ISDIR(st.st_mode)) {
                size_t n = strlen(g_searched);

                snprintf(g_searched + n, sizeof(g_searched) - n, ":%s", OCTO_LOCAL_PLUGINDIR);
            }
        }
        {
            char *copy = octo_xstrdup(g_searched);
            char *save = NULL;
            char *tok;

            for (tok = strtok_r(copy, ":", &save); tok != NULL; tok = strtok_r(NULL, ":", &save)) {
                if (octo_plugins_load_dir(tok, &err) != OCTO_OK) {
                    add_problem(err.msg);
                }
            }
            free(copy);
        }
    }
    return (int)(g_nplugins - before);
}

void octo_plugins_reset(void)
{
    size_t i;

    for (i = 0; i < g_ntypes; i++) {
        free(g_types[i].opts);
    }
    g_ntypes = 0;
    g_nplugins = 0;
    for (i = 0; i < g_nproblems; i++) {
        free(g_problems[i]);
        free(g_problem_files[i]);
    }
    g_nproblems = 0;
}

size_t octo_plugins_type_count(void)
{
    return g_ntypes;
}

const struct octo_steptype *octo_plugins_type_at(size_t i)
{
    return i < g_ntypes ? &g_types[i] : NULL;
}

size_t octo_plugins_count(void)
{
    return g_nplugins;
}

const struct octo_plugin_info *octo_plugins_at(size_t i)
{
    return i < g_nplugins ? &g_plugins[i] : NULL;
}

size_t octo_plugins_problem_count(void)
{
    return g_nproblems;
}

const char *octo_plugins_problem(size_t i)
{
    return i < g_nproblems ? g_problems[i] : NULL;
}

const char *octo_plugins_searched(void)
{
    return g_searched;
}

void octo_plugins_known(char *out, size_t cap)
{
    const char *names[MAX_TYPES];
    size_t i;
    size_t len = 0;

    for (i = 0; i < g_ntypes; i++) {
        names[i] = g_types[i].t.name;
    }
    qsort(names, g_ntypes, sizeof(names[0]), name_cmp);
    out[0] = '\0';
    for (i = 0; i < g_ntypes && len < cap; i++) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i > 0 ? ", " : "", names[i]);
    }
}
