/* yaml_load_build.c - values built from libyaml's events for the YAML
 * loader (yaml_load.c has the design notes and the event loop).
 *
 * Why a file of its own: this is the part that holds PyYAML's rules - the
 * explicit frame stack, anchors and aliases with the expansion cap, merge
 * keys, keys turned into text as json.dumps does, the duplicate-key check
 * and the line marks - apart from the parser driving it.
 */
#include <stdlib.h>
#include <string.h>

#include "pyfmt.h"
#include "xalloc.h"
#include "yaml_load_int.h"
#include "yaml_resolve.h"

static size_t count_nodes(json_t *v)
{
    size_t n = 1;
    size_t i;
    const char *k;
    json_t *item;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            n += count_nodes(item);
        }
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, item)
        {
            n += count_nodes(item);
        }
    }
    return n;
}

static void anchor_add(struct loader *l, const char *name, json_t *value)
{
    size_t i;

    for (i = 0; i < l->nanchors; i++) {
        if (strcmp(l->anchors[i].name, name) == 0) {
            json_decref(l->anchors[i].value);
            l->anchors[i].value = json_incref(value);
            l->anchors[i].nodes = count_nodes(value);
            return;
        }
    }
    if (l->nanchors == l->cap_anchors) {
        size_t cap = l->cap_anchors ? l->cap_anchors * 2 : 8;

        l->anchors = octo_xrealloc(l->anchors, cap * sizeof(*l->anchors));
        l->cap_anchors = cap;
    }
    l->anchors[l->nanchors].name = octo_xstrdup(name);
    l->anchors[l->nanchors].value = json_incref(value);
    l->anchors[l->nanchors].nodes = count_nodes(value);
    l->nanchors++;
}

static struct anchor *anchor_find(struct loader *l, const char *name)
{
    size_t i;

    for (i = l->nanchors; i > 0; i--) {
        if (strcmp(l->anchors[i - 1].name, name) == 0) {
            return &l->anchors[i - 1];
        }
    }
    return NULL;
}

static void mark(struct loader *l, int line)
{
    if (l->marks != NULL) {
        json_object_set_new(l->marks, octo_buf_cstr(&l->path), json_integer(line));
    }
}

/* Text of a scalar used as a mapping key, as json.dumps writes keys. */
static json_t *key_text(json_t *v)
{
    struct octo_buf b = OCTO_BUF_INIT;
    char num[OCTO_PY_FLOAT_BUF];
    json_t *s;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_incref(v);
    case JSON_INTEGER:
        octo_buf_printf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        octo_buf_append(&b, num, octo_py_float_repr(json_real_value(v), num));
        break;
    case JSON_TRUE:
        octo_buf_puts(&b, "true");
        break;
    case JSON_FALSE:
        octo_buf_puts(&b, "false");
        break;
    case JSON_NULL:
        octo_buf_puts(&b, "null");
        break;
    default:
        return NULL;
    }
    s = json_stringn(octo_buf_cstr(&b), b.len);
    octo_buf_free(&b);
    return s;
}

/* Extend the path for a child of the top frame; returns the old length. */
static size_t path_push(struct loader *l)
{
    size_t old = l->path.len;
    struct frame *f;

    if (l->marks == NULL || l->depth == 0) {
        return old;
    }
    f = &l->stack[l->depth - 1];
    if (f->is_map) {
        if (f->key != NULL) {
            if (old > 0) {
                octo_buf_putc(&l->path, '.');
            }
            octo_buf_puts(&l->path, json_string_value(f->key));
        }
    } else {
        octo_buf_printf(&l->path, "[%zu]", f->index);
    }
    return old;
}

static void path_pop(struct loader *l, size_t len)
{
    if (l->marks != NULL) {
        l->path.len = len;
        if (l->path.data != NULL) {
            l->path.data[len] = '\0';
        }
    }
}

/* Insert key/value into map m: later calls override the value and keep
 * the key's first position (Python dict assignment). Steals value. */
static int map_set(json_t *m, const char *key, json_t *value)
{
    return json_object_set_new(m, key, value);
}

/* Attach a finished value (stolen) to the current parent, or make it the
 * root. line is the value's line (for marks of scalars). */
static int attach(struct loader *l, json_t *value, int line, int col, int is_merge_key)
{
    struct frame *f;

    if (l->depth == 0) {
        l->root = value;
        return 0;
    }
    f = &l->stack[l->depth - 1];
    if (!f->is_map) {
        json_array_append_new(f->value, value);
        f->index++;
        return 0;
    }
    if (f->key == NULL && !f->pending_merge) {
        json_t *k;

        if (is_merge_key) {
            f->pending_merge = 1;
            json_decref(value);
            return 0;
        }
        k = key_text(value);
        json_decref(value);
        if (k == NULL) {
            return octo__yaml_fail(l, line, col,
                                   "a mapping or sequence cannot be used as a mapping key");
        }
        if (l->marks != NULL) {
            json_t *first;

            if (f->keylines == NULL) {
                f->keylines = json_object();
            }
            first = json_object_get(f->keylines, json_string_value(k));
            if (first != NULL) {
                int first_line = (int)json_integer_value(first);
                char key[128];

                snprintf(key, sizeof(key), "%s", json_string_value(k));
                json_decref(k);
                return octo__yaml_fail(
                    l, line, col,
                    "duplicate key \"%s\": it is also at line %d (YAML would keep the "
                    "last one silently; remove one of them)",
                    key, first_line);
            }
            json_object_set_new(f->keylines, json_string_value(k), json_integer(line));
            /* the key's own line as "<path>\001k": marks name the line of
             * a value, and a block collection starts below its key, but an
             * unknown key is best shown on its own line (octo_yaml_key_line) */
            {
                size_t old = l->path.len;

                if (old > 0) {
                    octo_buf_putc(&l->path, '.');
                }
                octo_buf_puts(&l->path, json_string_value(k));
                octo_buf_puts(&l->path, "\001k");
                mark(l, line);
                path_pop(l, old);
            }
        }
        f->key = k;
        return 0;
    }
    if (f->pending_merge) {
        f->pending_merge = 0;
        if (f->merge == NULL) {
            f->merge = json_array();
        }
        if (json_is_object(value)) {
            json_array_append_new(f->merge, value);
        } else if (json_is_array(value)) {
            size_t i;
            json_t *item;

            json_array_foreach(value, i, item)
            {
                if (!json_is_object(item)) {
                    /* Fix (test_yaml.c, test_merge_keys): name the item's
                     * kind before releasing the list that owns it (this
                     * read freed memory and said "a scalar" for "<<: [[1]]") */
                    const char *kind = json_is_array(item) ? "a sequence" : "a scalar";

                    json_decref(value);
                    return octo__yaml_fail(
                        l, line, col,
                        "while constructing a mapping: expected a mapping for merging, "
                        "but found %s",
                        kind);
                }
            }
            /* Fix (test_yaml.c, test_merge_keys): f->merge holds the
             * sources in PyYAML's flatten_mapping order - "<<" keys in
             * the order they appear, the items of a list reversed - and
             * apply_merge lets later sources win. So within one list the
             * first item wins, and of two "<<" keys the second wins, as
             * in PyYAML (this used to make the first "<<" key win). */
            for (i = json_array_size(value); i > 0; i--) {
                json_array_append(f->merge, json_array_get(value, i - 1));
            }
            json_decref(value);
        } else {
            json_decref(value);
            return octo__yaml_fail(
                l, line, col,
                "while constructing a mapping: expected a mapping or list of mappings "
                "for merging, but found a scalar");
        }
        return 0;
    }
    map_set(f->value, json_string_value(f->key), value);
    json_decref(f->key);
    f->key = NULL;
    return 0;
}

/* Apply merge sources of frame f to its mapping (explicit keys win;
 * f->merge is in PyYAML's merge order: later sources win; merged keys
 * come first). */
static void apply_merge(struct frame *f)
{
    json_t *merged;
    size_t i;
    const char *k;
    json_t *v;

    if (f->merge == NULL) {
        return;
    }
    merged = json_object();
    /* later sources win; a key keeps the place of its first source */
    for (i = 0; i < json_array_size(f->merge); i++) {
        json_object_foreach(json_array_get(f->merge, i), k, v)
        {
            json_object_set(merged, k, v);
        }
    }
    json_object_foreach(f->value, k, v)
    {
        json_object_set(merged, k, v);
    }
    json_object_clear(f->value);
    json_object_update(f->value, merged);
    json_decref(merged);
    json_decref(f->merge);
    f->merge = NULL;
}

int octo__yaml_scalar_event(struct loader *l, yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    int line = (int)ev->start_mark.line + 1;
    int col = (int)ev->start_mark.column + 1;
    int plain = ev->data.scalar.plain_implicit && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    int merge_key = 0;
    json_t *v = NULL;
    char msg[160];
    size_t old;
    int rc;

    if (tag != NULL && strcmp(tag, "!") == 0) {
        tag = NULL;
        plain = 0;
    }
    if (tag != NULL) {
        v = octo_yaml_construct_tagged(tag, text, len, msg, sizeof(msg));
        if (v == NULL) {
            return octo__yaml_fail(l, line, col, "%s", msg);
        }
    } else if (plain) {
        v = octo_yaml_construct_plain(text, len, &merge_key);
    } else {
        v = json_stringn(text, len);
    }
    if (v == NULL) {
        return octo__yaml_fail(l, line, col, "invalid scalar (not UTF-8?)");
    }
    if (l->depth > 0 && l->stack[l->depth - 1].is_map && l->stack[l->depth - 1].key == NULL &&
        !l->stack[l->depth - 1].pending_merge) {
        /* a key: no mark of its own */
        return attach(l, v, line, col, merge_key);
    }
    old = path_push(l);
    mark(l, line);
    path_pop(l, old);
    if (ev->data.scalar.anchor != NULL) {
        anchor_add(l, (const char *)ev->data.scalar.anchor, v);
    }
    rc = attach(l, v, line, col, 0);
    return rc;
}

int octo__yaml_start_collection(struct loader *l, yaml_event_t *ev, int is_map)
{
    const char *tag;
    const char *anchor;
    int line = (int)ev->start_mark.line + 1;
    int col = (int)ev->start_mark.column + 1;
    struct frame *f;

    if (is_map) {
        tag = (const char *)ev->data.mapping_start.tag;
        anchor = (const char *)ev->data.mapping_start.anchor;
    } else {
        tag = (const char *)ev->data.sequence_start.tag;
        anchor = (const char *)ev->data.sequence_start.anchor;
    }
    if (tag != NULL && strcmp(tag, "!") != 0 &&
        strcmp(tag, is_map ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq") != 0 &&
        !(is_map && strcmp(tag, "tag:yaml.org,2002:set") == 0) &&
        !(!is_map && (strcmp(tag, "tag:yaml.org,2002:omap") == 0 ||
                      strcmp(tag, "tag:yaml.org,2002:pairs") == 0))) {
        return octo__yaml_fail(l, line, col, "could not determine a constructor for the tag '%s'",
                               tag);
    }
    if (l->depth > 0 && l->stack[l->depth - 1].is_map && l->stack[l->depth - 1].key == NULL &&
        !l->stack[l->depth - 1].pending_merge) {
        return octo__yaml_fail(
            l, line, col, "found unhashable key: a mapping or sequence cannot be a mapping key");
    }
    if (l->depth >= MAX_DEPTH) {
        return octo__yaml_fail(l, line, col, "document nests deeper than %d levels", MAX_DEPTH);
    }
    f = &l->stack[l->depth];
    memset(f, 0, sizeof(*f));
    f->path_len = path_push(l);
    mark(l, line);
    f->is_map = is_map;
    f->line = line;
    f->value = is_map ? json_object() : json_array();
    if (anchor != NULL) {
        f->anchor = octo_xstrdup(anchor);
    }
    l->depth++;
    return 0;
}

int octo__yaml_end_collection(struct loader *l)
{
    struct frame *f = &l->stack[l->depth - 1];
    json_t *v = f->value;

    if (f->is_map) {
        apply_merge(f);
    }
    json_decref(f->key);
    f->key = NULL;
    json_decref(f->keylines);
    f->keylines = NULL;
    l->depth--;
    path_pop(l, f->path_len);
    if (f->anchor != NULL) {
        anchor_add(l, f->anchor, v);
        free(f->anchor);
        f->anchor = NULL;
    }
    return attach(l, v, f->line, 1, 0);
}

int octo__yaml_alias_event(struct loader *l, yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = (int)ev->start_mark.line + 1;
    int col = (int)ev->start_mark.column + 1;
    struct anchor *a = anchor_find(l, name);
    int i;
    size_t old;

    if (a == NULL) {
        for (i = 0; i < l->depth; i++) {
            if (l->stack[i].anchor != NULL && strcmp(l->stack[i].anchor, name) == 0) {
                return octo__yaml_fail(l, line, col, "recursive alias '%s' is not supported", name);
            }
        }
        return octo__yaml_fail(l, line, col, "found undefined alias '%s'", name);
    }
    l->alias_nodes += a->nodes;
    if (l->alias_nodes > MAX_ALIAS_NODES) {
        return octo__yaml_fail(
            l, line, col, "aliases expand to more than %d nodes (a \"billion laughs\" document?)",
            MAX_ALIAS_NODES);
    }
    if (!(l->depth > 0 && l->stack[l->depth - 1].is_map && l->stack[l->depth - 1].key == NULL &&
          !l->stack[l->depth - 1].pending_merge)) {
        old = path_push(l);
        mark(l, line);
        path_pop(l, old);
    }
    return attach(l, json_incref(a->value), line, col, 0);
}

void octo__yaml_loader_cleanup(struct loader *l)
{
    size_t i;
    int d;

    for (d = 0; d < l->depth; d++) {
        json_decref(l->stack[d].value);
        json_decref(l->stack[d].key);
        json_decref(l->stack[d].merge);
        json_decref(l->stack[d].keylines);
        free(l->stack[d].anchor);
    }
    l->depth = 0;
    for (i = 0; i < l->nanchors; i++) {
        free(l->anchors[i].name);
        json_decref(l->anchors[i].value);
    }
    free(l->anchors);
    l->anchors = NULL;
    l->nanchors = 0;
    octo_buf_free(&l->path);
}
