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
/* Files: this one has the entry points, libyaml's event loop and the
 * marks lookups; yaml_load_build.c builds values from the events;
 * yaml_load_error.c writes the messages; yaml_load_int.h (private) holds
 * the loader state they share. */
#include "yaml_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "xalloc.h"
#include "yaml_load_int.h"

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
            rc = octo__yaml_fail(&l, (int)parser.problem_mark.line + 1,
                                 (int)parser.problem_mark.column + 1, "%s%s%s",
                                 parser.problem ? parser.problem : "syntax error",
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
                rc = octo__yaml_fail(
                    &l, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                    "expected a single document in the stream, but found another document");
            }
            break;
        case YAML_SCALAR_EVENT:
            rc = octo__yaml_scalar_event(&l, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = octo__yaml_start_collection(&l, &ev, 0);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = octo__yaml_start_collection(&l, &ev, 1);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = octo__yaml_end_collection(&l);
            break;
        case YAML_ALIAS_EVENT:
            rc = octo__yaml_alias_event(&l, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    octo__yaml_loader_cleanup(&l);
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
