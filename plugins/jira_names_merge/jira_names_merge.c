/* jira_names_merge.c - rename Jira custom fields to their labels.
 *
 *   type: jira_names_merge          # also accepted: jira_fields
 *   jira_names_merge:               # the block may also be written jira_fields:
 *     data_key: tickets_raw         # a Jira search response fetched with expand=names
 *     list_key: issues              # default issues
 *
 * The original's algorithm (docs/steps.md, jira_names_merge), without
 * mutating the input: for each issue, over a snapshot of its fields in
 * order, a null or empty-list value is dropped (any key); a customfield_*
 * key whose label in "names" is a non-empty string is replaced by the
 * normalised label ('.', '-' and ' ' become '_', then lower-cased), which
 * overwrites a field of that name if there is one. The output is the list
 * of transformed issues. A response without "names" is an error asking
 * for expand=names. An issue without "fields" is passed through (the
 * original crashed). The first version's unused "names:" option is
 * accepted with a deprecation warning.
 */
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

static int merge_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    (void)h;
    (void)err;
    *inst = options;
    return OCTO_OK;
}

/* Lower-case one code point: ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic capitals (what Jira labels use in practice). */
static unsigned lower_cp(unsigned c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 0x50;
    }
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && (c & 1) == 0) {
        return c + 1;
    }
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1) == 1) {
        return c + 1;
    }
    return c;
}

/* normalise(label): '.', '-', ' ' -> '_', lower-cased; malloc'd. */
static char *normalise(const char *s)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(n * 2 + 1);
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;

    if (out == NULL) {
        return NULL;
    }
    while (*p != '\0') {
        unsigned c = *p;
        size_t len = 1;

        if (c >= 0xC0 && c < 0xE0 && (p[1] & 0xC0) == 0x80) {
            c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
            len = 2;
        } else if (c >= 0xE0 && c < 0xF0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            c = ((c & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            len = 3;
        } else if (c >= 0x80) {
            /* 4-byte sequences and stray bytes are copied as they are */
            size_t k = 1;

            while (p[k] != '\0' && (p[k] & 0xC0) == 0x80 && k < 4) {
                k++;
            }
            memcpy(out + o, p, k);
            o += k;
            p += k;
            continue;
        }
        if (c == '.' || c == '-' || c == ' ') {
            c = '_';
        }
        c = lower_cp(c);
        if (c < 0x80) {
            out[o++] = (unsigned char)c;
        } else if (c < 0x800) {
            out[o++] = (unsigned char)(0xC0 | (c >> 6));
            out[o++] = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (unsigned char)(0xE0 | (c >> 12));
            out[o++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (unsigned char)(0x80 | (c & 0x3F));
        }
        p += len;
    }
    out[o] = '\0';
    return (char *)out;
}

static int merge_fields(json_t *fields, json_t *names, json_t **out)
{
    json_t *res = json_copy(fields); /* shallow: values are shared, never modified */
    const char **keys;
    json_t **vals;
    size_t n = json_object_size(fields);
    size_t i = 0;
    const char *k;
    json_t *v;

    keys = calloc(n + 1, sizeof(*keys));
    vals = calloc(n + 1, sizeof(*vals));
    if (res == NULL || keys == NULL || vals == NULL) {
        json_decref(res);
        free(keys);
        free(vals);
        return -1;
    }
    json_object_foreach(fields, k, v)
    { /* the snapshot */
        keys[i] = k;
        vals[i] = v;
        i++;
    }
    for (i = 0; i < n; i++) {
        if (json_is_null(vals[i]) || (json_is_array(vals[i]) && json_array_size(vals[i]) == 0)) {
            json_object_del(res, keys[i]);
        } else if (strncmp(keys[i], "customfield_", 12) == 0) {
            const char *label = json_string_value(json_object_get(names, keys[i]));

            if (label != NULL && label[0] != '\0') {
                char *norm = normalise(label);

                if (norm == NULL) {
                    break;
                }
                json_object_set(res, norm, vals[i]);
                if (strcmp(norm, keys[i]) != 0) {
                    json_object_del(res, keys[i]);
                }
                free(norm);
            }
        }
    }
    free(keys);
    free(vals);
    *out = res;
    return 0;
}

static int merge_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                     json_t **out, octo_error *err)
{
    json_t *opts = inst;
    const char *list_key = json_string_value(json_object_get(opts, "list_key"));
    json_t *raw = args->input;
    json_t *issues;
    json_t *names;
    json_t *result;
    json_t *issue;
    size_t i;

    (void)ctx;
    *out = NULL;
    if (!json_is_object(raw)) {
        return h->error_set(err, OCTO_EINVAL, "data_key",
                            "the input must be a Jira search response (a mapping)");
    }
    issues = json_object_get(raw, list_key);
    if (issues == NULL || json_is_null(issues)) {
        issues = NULL;
    } else if (!json_is_array(issues)) {
        return h->error_set(err, OCTO_EINVAL, "list_key", "\"%s\" in the response is not a list",
                            list_key);
    }
    names = json_object_get(raw, "names");
    if (!json_is_object(names)) {
        return h->error_set(err, OCTO_EINVAL, NULL,
                            "Field names not found in %s list, add expand=names to the query",
                            list_key);
    }
    result = json_array();
    json_array_foreach(issues, i, issue)
    {
        json_t *fields = json_object_get(issue, "fields");
        json_t *copy;
        json_t *merged = NULL;

        if (!json_is_object(issue) || !json_is_object(fields)) {
            json_array_append(result, issue);
            continue;
        }
        if (merge_fields(fields, names, &merged) != 0) {
            json_decref(result);
            return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
        }
        copy = json_copy(issue);
        json_object_set_new(copy, "fields", merged);
        json_array_append_new(result, copy);
    }
    *out = result;
    return OCTO_OK;
}

static const octo_option merge_options[] = {
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_DATA_KEY | OCTO_OPT_INPUT_NEEDED,
     .summary = "key of the flow data holding the Jira search response (expand=names)"},
    {.name = "list_key",
     .type = OCTO_OPT_STRING,
     .def = "\"issues\"",
     .summary = "key of the list of issues in the response"},
    {.name = "names",
     .type = OCTO_OPT_ANY,
     .flags = OCTO_OPT_DEPRECATED,
     .summary = "ignored (the first version required it and never used it)",
     .replaced_by = "expand=names in the Jira query"},
    {.name = NULL},
};

static const char *const merge_aliases[] = {"jira_fields", NULL};

static const octo_step_type merge_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_PURE,
    .name = "jira_names_merge",
    .summary = "Rename Jira custom fields to their labels and drop empty fields",
    .options = merge_options,
    .option_size = sizeof(octo_option),
    .prepare = merge_prepare,
    .run = merge_run,
    .aliases = merge_aliases,
};

static const octo_step_type *const merge_steps[] = {&merge_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(merge_plugin, "octo-step-jira-names-merge", "1.0.0", merge_steps);
OCTO_PLUGIN_DEFINE_ENTRY(merge_plugin)
