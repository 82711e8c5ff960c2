/* flow_load.c - load a flow file into an immutable, compiled octo_flow.
 *
 * Flow keys: name, steps, finally_step, cron, every_seconds (and
 * description, which is documented and ignored). every_seconds is a whole
 * number of seconds from 1 to one year (0: no schedule, as the original);
 * a cron expression must parse. Steps are validated and
 * compiled by flow_step.c. A flow with any error is not returned; its
 * warnings travel with it (octo_flow.warnings) and in the diagnostics.
 */
#include "flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cron.h"
#include "errors.h"
#include "flow_diag.h"
#include "timeout_check.h"
#include "xalloc.h"
#include "yaml_io.h"

/* Any other key warns with a did-you-mean rather than fails: the original
 * ignored unknown keys, and flows written for it carry some. */
static const char *const FLOW_KEYS[] = {"name",      "steps",         "finally_step",
                                        "cron",      "every_seconds", "description",
                                        "max_steps", "undefined",     NULL};

struct octo_flow *octo_flow_ref(struct octo_flow *f)
{
    if (f != NULL) {
        atomic_fetch_add(&f->refs, 1);
    }
    return f;
}

static void flow_free(struct octo_flow *f)
{
    size_t i;

    for (i = 0; i < f->nsteps; i++) {
        octo_flow_step_free(&f->steps[i]);
    }
    free(f->steps);
    free(f->path);
    free(f->abs_path);
    free(f->file_name);
    free(f->name);
    free(f->cron);
    json_decref(f->warnings);
    json_decref(f->first_named);
    json_decref(f->last_named);
    free(f->deep_error);
    json_decref(f->deep_warnings);
    free(f);
}

void octo_flow_unref(struct octo_flow *f)
{
    if (f != NULL && atomic_fetch_sub(&f->refs, 1) == 1) {
        flow_free(f);
    }
}

/* Steps by name, built once a flow's steps are read: goto targets and
 * the load's checks look names up without scanning the steps (a flow of
 * 2000 steps checked each name against every other one). Entries that are
 * not steps (a string in the list) have no name and are not indexed.
 * Two indexes because the original resolved a duplicated name both ways:
 * a goto went to the LAST step of that name (its name table was built
 * by overwriting), finally_step ran the FIRST. */
static void index_names(struct octo_flow *f)
{
    size_t i;

    f->first_named = json_object();
    f->last_named = json_object();
    for (i = 0; i < f->nsteps; i++) {
        const char *name = f->steps[i].name;

        if (name == NULL) {
            continue;
        }
        if (json_object_get(f->first_named, name) == NULL) {
            json_object_set_new(f->first_named, name, json_integer((json_int_t)i));
        }
        json_object_set_new(f->last_named, name, json_integer((json_int_t)i));
    }
}

static long lookup(const json_t *index, const char *name)
{
    json_t *v = json_object_get(index, name);

    return v != NULL ? (long)json_integer_value(v) : -1;
}

long octo_flow_goto_index(const struct octo_flow *f, const char *name)
{
    return lookup(f->last_named, name);
}

long octo_flow_step_index(const struct octo_flow *f, const char *name)
{
    return lookup(f->first_named, name);
}

static void check_schedule(struct octo_loadctx *lc, struct octo_flow *f, json_t *root)
{
    json_t *v = json_object_get(root, "every_seconds");

    if (json_is_integer(v) && json_integer_value(v) == 0) {
        /* the original read 0 as "no schedule": keep such flows loading */
        octo_diag_warn(lc, "every_seconds", "every_seconds", "0 means no schedule");
    } else if (v != NULL && !json_is_null(v)) {
        octo_error err;

        memset(&err, 0, sizeof(err));
        if (octo_interval_from_json("every_seconds", v, &f->every_seconds, &err) != OCTO_OK) {
            octo_diag_error(lc, "every_seconds", NULL, "%s", err.msg);
        }
    }
    v = json_object_get(root, "cron");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v)) {
            octo_diag_error(lc, "cron", "cron", "must be a cron expression (text)");
        } else if (json_string_length(v) > 0) {
            struct octo_cron *c = NULL;
            octo_error err;

            memset(&err, 0, sizeof(err));
            if (octo_cron_parse(json_string_value(v), &c, &err) != OCTO_OK) {
                octo_diag_error(lc, "cron", "cron", "%s", err.msg);
            } else {
                octo_cron_free(c);
                f->cron = octo_xstrdup(json_string_value(v));
            }
        }
    }
}

/* Check and compile a parsed flow (root and marks borrowed). abs_path is
 * the file's path (display for text loaded from memory), st its stat (NULL
 * for text). */
static int load_parsed(json_t *root, json_t *marks, const char *abs_path, const char *display,
                       const struct stat *st, unsigned flags, struct octo_flow **out,
                       struct octo_diags *diags, octo_error *err)
{
    struct octo_loadctx lc;
    struct octo_flow *f = NULL;
    json_t *steps;
    json_t *v;
    const char *key;
    const char *base;
    size_t i;
    int rc;

    /* every check below records into lc and goes on: one load reports
     * all the flow's errors, and only then does a single one fail it */
    memset(&lc, 0, sizeof(lc));
    lc.display = display;
    lc.flags = flags;
    lc.diags = diags;
    lc.marks = marks;
    f = octo_xcalloc(1, sizeof(*f));
    atomic_init(&f->refs, 1);
    f->finally_index = -1;
    f->shallow = (flags & OCTO_FLOW_SHALLOW) != 0;
    f->warnings = json_array();
    f->abs_path = octo_xstrdup(abs_path);
    f->path = octo_xstrdup(display);
    base = strrchr(abs_path, '/');
    f->file_name = octo_xstrdup(base != NULL ? base + 1 : abs_path);
    if (st != NULL) {
        f->mtime = st->st_mtim;
        f->size = st->st_size;
        f->ino = st->st_ino;
    }
    if (json_is_null(root)) {
        octo_diag_error(&lc, "", NULL, "the flow file is empty");
        goto done;
    }
    if (!json_is_object(root)) {
        octo_diag_error(&lc, "", NULL,
                        "a flow must be a mapping with \"name\" and \"steps\", not a %s",
                        json_is_array(root) ? "list" : "scalar");
        goto done;
    }
    json_object_foreach(root, key, v)
    {
        size_t k;

        for (k = 0; FLOW_KEYS[k] != NULL; k++) {
            if (strcmp(FLOW_KEYS[k], key) == 0) {
                break;
            }
        }
        if (FLOW_KEYS[k] == NULL) {
            octo_diag_unknown_key(&lc, key, NULL, key, FLOW_KEYS);
        }
    }
    v = json_object_get(root, "name");
    if (json_is_string(v) && json_string_length(v) > 0) {
        f->name = octo_xstrdup(json_string_value(v));
    } else {
        if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
            octo_diag_error(&lc, "name", "name", "must be text");
        }
        f->name = octo_xstrdup(f->file_name);
    }
    check_schedule(&lc, f, root);
    steps = json_object_get(root, "steps");
    if (steps == NULL || json_is_null(steps)) {
        /* `step:` for `steps:` used to load as an empty flow that "worked" */
        octo_diag_error(&lc, steps != NULL ? "steps" : "", NULL,
                        "the flow has no steps (a flow needs a list of steps under \"steps\")");
    } else if (json_is_array(steps) && json_array_size(steps) == 0) {
        octo_diag_warn(&lc, "steps", NULL, "the flow has no steps: it does nothing");
    } else if (!json_is_array(steps)) {
        octo_diag_error(&lc, "steps", "steps", "must be a list of steps");
    } else {
        f->steps = octo_xcalloc(json_array_size(steps) + 1, sizeof(*f->steps));
        json_array_foreach(steps, i, v)
        {
            octo_flow_check_step(&lc, &f->steps[i], v, i);
            f->nsteps = i + 1;
        }
    }
    index_names(f);
    v = json_object_get(root, "finally_step");
    if (json_is_string(v) && json_string_length(v) > 0) {
        f->finally_index = octo_flow_step_index(f, json_string_value(v));
        if (f->finally_index < 0) {
            octo_diag_warn(&lc, "finally_step", "finally_step",
                           "no step is named \"%s\"; nothing runs when the flow fails",
                           json_string_value(v));
        }
    } else if (v != NULL && !json_is_null(v)) {
        octo_diag_error(&lc, "finally_step", "finally_step", "must be the name of a step");
    }
    v = json_object_get(root, "max_steps");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000000) {
            octo_diag_error(&lc, "max_steps", "max_steps",
                            "must be a number of steps in 1..100000000");
        } else {
            f->max_steps = (long)json_integer_value(v);
        }
    }
    v = json_object_get(root, "undefined");
    if (json_is_string(v) && (strcmp(json_string_value(v), "strict") == 0 ||
                              strcmp(json_string_value(v), "warn") == 0)) {
        f->undefined_strict = strcmp(json_string_value(v), "strict") == 0;
    } else if (v != NULL && !json_is_null(v)) {
        octo_diag_error(&lc, "undefined", "undefined", "must be warn or strict");
    }
    octo_flow_check_control(&lc, f);
done:
    if (lc.nerrors > 0) {
        rc = octo_error_set(err, OCTO_EINVAL, NULL, "%s", lc.first_error);
        goto out;
    }
    if (diags->warnings != NULL) {
        json_array_extend(f->warnings, diags->warnings);
    }
    *out = f;
    f = NULL;
    rc = OCTO_OK;
out:
    if (f != NULL) {
        flow_free(f);
    }
    return rc;
}

int octo_flow_load(const char *abs_path, const char *display, unsigned flags,
                   struct octo_flow **out, struct octo_diags *diags, octo_error *err)
{
    json_t *root = NULL;
    json_t *marks = NULL;
    struct stat st;
    struct octo_diags local;
    int rc;

    *out = NULL;
    local.errors = NULL;
    local.warnings = NULL;
    if (diags == NULL) {
        octo_diags_init(&local);
        diags = &local;
    }
    /* The identity the cache compares (mtime, size, inode) is taken
     * before the file is read: a file replaced during the read then looks
     * changed on the next get and is read again, never the other way. */
    if (stat(abs_path, &st) != 0) {
        int e = errno;

        octo_diags_free(&local);
        return octo_error_set(err, e == ENOENT ? OCTO_ENOENT : OCTO_EIO, NULL, "flow %s %s",
                              display, e == ENOENT ? "not found" : strerror(e));
    }
    rc = octo_yaml_load_file(abs_path, display, &root, &marks, err);
    if (rc != OCTO_OK) {
        if (diags->errors != NULL) {
            json_array_append_new(diags->errors, json_string(err->msg));
        }
        octo_diags_free(&local);
        return rc == OCTO_ENOENT ? OCTO_ENOENT : OCTO_EINVAL;
    }
    rc = load_parsed(root, marks, abs_path, display, &st, flags, out, diags, err);
    json_decref(root);
    json_decref(marks);
    octo_diags_free(&local);
    return rc;
}

int octo_flow_load_text(const char *text, size_t len, const char *display, unsigned flags,
                        struct octo_flow **out, struct octo_diags *diags, octo_error *err)
{
    json_t *root = NULL;
    json_t *marks = NULL;
    struct octo_diags local;
    int rc;

    *out = NULL;
    local.errors = NULL;
    local.warnings = NULL;
    if (diags == NULL) {
        octo_diags_init(&local);
        diags = &local;
    }
    rc = octo_yaml_load(text, len, display, &root, &marks, err);
    if (rc != OCTO_OK) {
        if (diags->errors != NULL) {
            json_array_append_new(diags->errors, json_string(err->msg));
        }
        octo_diags_free(&local);
        return OCTO_EINVAL;
    }
    rc = load_parsed(root, marks, display, display, NULL, flags, out, diags, err);
    json_decref(root);
    json_decref(marks);
    octo_diags_free(&local);
    return rc;
}
