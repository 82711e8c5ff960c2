/* yaml_load.c - YAML to JSON with PyYAML safe_load semantics.
 *
 * DESIGN
 * ------
 * libyaml's parser gives events; we build json_t values on an explicit
 * stack (no recursion, so deep documents cannot overflow the C stack).
 * Plain scalars are typed by the YAML 1.1 resolver PyYAML uses
 * (yaml_resolve.c); quoted scalars are strings; explicit standard tags
 * (!!str, !!int, ...) are honoured; other tags are refused, as safe_load
 * refuses them. Anchors map to json_t references: an alias shares the
 * anchored value (json_incref), and the total size reached through
 * aliases is capped so a "billion laughs" document fails instead of
 * exhausting memory later. Merge keys (<<) follow PyYAML's flatten rules:
 * explicit keys win; in a list of sources the earlier win; of two "<<"
 * keys in one mapping the later wins.
 *
 * Marks: when asked, the loader records the 1-based line of every node
 * under a path string ("steps[2].rest.uri") so validation can name
 * file:line.
 *
 * Non-string mapping keys are turned into strings the way json.dumps
 * turns Python keys into JSON: 1 -> "1", true -> "true", null -> "null".
 *
 * Documents loaded with marks (flows, config.yml) are held to more than
 * PyYAML: a key given twice in one mapping is an error naming both lines
 * (PyYAML keeps the last one silently). Data files keep PyYAML's rule.
 * Their errors with a position quote the source line with a caret under
 * the column, as compilers do (never for data files: a line may hold
 * anything).
 */
#include "yaml_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "pyfmt.h"
#include "xalloc.h"
#include "yaml_resolve.h"

#define MAX_DEPTH       512
#define MAX_ALIAS_NODES 1000000

struct frame {
    json_t *value; /* the collection being built */
    int is_map;
    json_t *key;       /* map: pending key (string), NULL when expecting one */
    int pending_merge; /* map: the pending key is "<<" */
    json_t *merge;     /* map: array of merge sources, in source order */
    char *anchor;      /* anchor of this collection, registered at its end */
    size_t path_len;   /* length of the path prefix of this collection */
    size_t index;      /* seq: next item index */
    int line;
    json_t *keylines; /* map, with marks: the line of each key, for duplicates */
};

struct anchor {
    char *name;
    json_t *value;
    size_t nodes;
};

struct loader {
    const char *origin;
    const char *text; /* the source, for the line quoted in errors */
    size_t len;
    octo_error *err;
    struct frame stack[MAX_DEPTH];
    int depth;
    struct anchor *anchors;
    size_t nanchors;
    size_t cap_anchors;
    size_t alias_nodes;
    json_t *marks;
    struct octo_buf path;
    json_t *root;
};

static int fail(struct loader *l, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "\n    <the source line>\n    <caret under col>" ("" when the line is
 * not in the text). Long lines are cut around the column; tabs are kept
 * in the caret line so it lines up. */
static void quote_line(const struct loader *l, int line, int col, char *out, size_t cap)
{
    const char *p = l->text;
    const char *end = l->text != NULL ? l->text + l->len : NULL;
    const char *eol;
    size_t n;
    size_t start = 0;
    size_t c = col > 0 ? (size_t)col - 1 : 0;
    size_t i;
    size_t w;

    out[0] = '\0';
    /* only for the project's own files (loaded with marks: flows,
     * config.yml): a data file's line may hold anything, secrets too */
    if (p == NULL || l->marks == NULL) {
        return;
    }
    for (i = 1; i < (size_t)line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if (nl == NULL) {
            return;
        }
        p = nl + 1;
    }
    if (p >= end) {
        return;
    }
    eol = memchr(p, '\n', (size_t)(end - p));
    n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }
    if (c > n) {
        c = n;
    }
    if (c > 80) { /* keep the caret on screen */
        start = c - 60;
    }
    if (n - start > 120) {
        n = start + 120;
    }
    w = (size_t)snprintf(out, cap, "\n    ");
    /* the line as valid UTF-8 text (messages become JSON strings): a byte
     * that is not part of a whole UTF-8 character, or a control
     * character, is shown as '?' */
    for (i = start; i < n && w + 8 < cap;) {
        unsigned cp = 0;
        size_t len = octo_utf8_decode((const unsigned char *)p + i, n - i, &cp);

        if (len == 0 || cp == 0x7F || (cp < 0x20 && cp != '\t')) {
            out[w++] = '?';
            i++;
            continue;
        }
        memcpy(out + w, p + i, len);
        w += len;
        i += len;
    }
    w += (size_t)snprintf(out + w, cap - w, "\n    ");
    for (i = start; i < c && w + 2 < cap; i++) {
        out[w++] = p[i] == '\t' ? '\t' : ' ';
    }
    if (w + 2 < cap) {
        out[w++] = '^';
        out[w] = '\0';
    }
}

static int fail(struct loader *l, int line, int col, const char *fmt, ...)
{
    char msg[OCTO_ERROR_MSG_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    l->err->code = OCTO_EINVAL;
    if (line > 0) {
        char quote[300];

        quote_line(l, line, col, quote, sizeof(quote));
        if (snprintf(l->err->msg, sizeof(l->err->msg), "%s:%d:%d: %s%s", l->origin, line, col, msg,
                     quote) >= (int)sizeof(l->err->msg)) {
            octo_utf8_trim_tail(l->err->msg);
        }
    } else {
        snprintf(l->err->msg, sizeof(l->err->msg), "%s: %s", l->origin, msg);
    }
    return OCTO_EINVAL;
}

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
            return fail(l, line, col, "a mapping or sequence cannot be used as a mapping key");
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
                return fail(l, line, col,
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
                    return fail(l, line, col,
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
            return fail(l, line, col,
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

static int scalar_event(struct loader *l, yaml_event_t *ev)
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
            return fail(l, line, col, "%s", msg);
        }
    } else if (plain) {
        v = octo_yaml_construct_plain(text, len, &merge_key);
    } else {
        v = json_stringn(text, len);
    }
    if (v == NULL) {
        return fail(l, line, col, "invalid scalar (not UTF-8?)");
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

static int start_collection(struct loader *l, yaml_event_t *ev, int is_map)
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
        return fail(l, line, col, "could not determine a constructor for the tag '%s'", tag);
    }
    if (l->depth > 0 && l->stack[l->depth - 1].is_map && l->stack[l->depth - 1].key == NULL &&
        !l->stack[l->depth - 1].pending_merge) {
        return fail(l, line, col,
                    "found unhashable key: a mapping or sequence cannot be a mapping key");
    }
    if (l->depth >= MAX_DEPTH) {
        return fail(l, line, col, "document nests deeper than %d levels", MAX_DEPTH);
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

static int end_collection(struct loader *l)
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

static int alias_event(struct loader *l, yaml_event_t *ev)
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
                return fail(l, line, col, "recursive alias '%s' is not supported", name);
            }
        }
        return fail(l, line, col, "found undefined alias '%s'", name);
    }
    l->alias_nodes += a->nodes;
    if (l->alias_nodes > MAX_ALIAS_NODES) {
        return fail(l, line, col,
                    "aliases expand to more than %d nodes (a \"billion laughs\" document?)",
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

static void loader_cleanup(struct loader *l)
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

int octo_yaml_load(const char *text, size_t len, const char *origin, json_t **out, json_t **marks,
                   octo_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct loader l;
    int rc = OCTO_OK;
    int docs = 0;
    int done = 0;

    *out = NULL;
    if (marks != NULL) {
        *marks = NULL;
    }
    memset(&l, 0, sizeof(l));
    l.origin = origin != NULL ? origin : "<yaml>";
    l.text = text;
    l.len = len;
    l.err = err;
    if (marks != NULL) {
        l.marks = json_object();
    }
    if (!yaml_parser_initialize(&parser)) { /* fails only when malloc does */
        octo_oom(sizeof(yaml_parser_t));
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done && rc == OCTO_OK) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail(&l, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
                      "%s%s%s", parser.problem ? parser.problem : "syntax error",
                      parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            docs++;
            if (docs > 1) {
                rc = fail(&l, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                          "expected a single document in the stream, but found another document");
            }
            break;
        case YAML_SCALAR_EVENT:
            rc = scalar_event(&l, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = start_collection(&l, &ev, 0);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = start_collection(&l, &ev, 1);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = end_collection(&l);
            break;
        case YAML_ALIAS_EVENT:
            rc = alias_event(&l, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    loader_cleanup(&l);
    if (rc != OCTO_OK) {
        json_decref(l.root);
        json_decref(l.marks);
        return rc;
    }
    *out = l.root != NULL ? l.root : json_null();
    if (marks != NULL) {
        *marks = l.marks;
    }
    return OCTO_OK;
}

int octo_yaml_load_file(const char *path, const char *origin, json_t **out, json_t **marks,
                        octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;
    int rc;

    *out = NULL;
    if (marks != NULL) {
        *marks = NULL;
    }
    rc = octo_buf_read_file(&b, path);
    if (rc == -1) {
        int e = errno;

        err->code = e == ENOENT ? OCTO_ENOENT : OCTO_EIO;
        snprintf(err->msg, sizeof(err->msg), "%s: %s", origin, strerror(e));
        return err->code;
    }
    if (rc != 0) {
        octo_buf_free(&b);
        err->code = OCTO_EIO;
        snprintf(err->msg, sizeof(err->msg), "%s: read error", origin);
        return OCTO_EIO;
    }
    rc = octo_yaml_load(b.data != NULL ? b.data : "", b.len, origin, out, marks, err);
    octo_buf_free(&b);
    return rc;
}

int octo_yaml_key_line(json_t *marks, const char *path)
{
    char buf[520];

    if (marks == NULL || path == NULL) {
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s\001k", path);
    return json_object_get(marks, buf) != NULL
               ? (int)json_integer_value(json_object_get(marks, buf))
               : octo_yaml_line(marks, path);
}

int octo_yaml_line(json_t *marks, const char *path)
{
    char buf[512];
    size_t n;
    json_t *v;

    if (marks == NULL || path == NULL) {
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", path);
    for (;;) {
        v = json_object_get(marks, buf);
        if (v != NULL) {
            return (int)json_integer_value(v);
        }
        n = strlen(buf);
        if (n == 0) {
            return 0;
        }
        while (n > 0 && buf[n - 1] != '.' && buf[n - 1] != '[') {
            n--;
        }
        if (n > 0) {
            n--;
        }
        buf[n] = '\0';
    }
}
