/* yaml_load_int.h - the loader state the YAML loader's files share.
 * Private to yaml_load.c (the entry points and the event loop),
 * yaml_load_build.c (values, anchors, merge keys and marks built from
 * libyaml's events) and yaml_load_error.c (messages with file:line:column
 * and the quoted source line); nothing else includes it.
 *
 * Who owns what: a struct loader lives on the stack of one
 * octo_yaml_load call and is used by that thread only. Every json_t * in
 * a frame, an anchor, marks and root is a reference the loader owns until
 * octo__yaml_loader_cleanup (frames, anchors) or octo_yaml_load (root,
 * marks: handed to the caller or released).
 */
#ifndef OCTO_YAML_LOAD_INT_H
#define OCTO_YAML_LOAD_INT_H

#include <jansson.h>
#include <stddef.h>
#include <yaml.h>

#include <octoflow/octo_step.h>

#include "buf.h"

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

/* yaml_load_error.c: fill l->err with "origin:line:col: message" and the
 * quoted line (line > 0), else "origin: message"; returns OCTO_EINVAL. */
int octo__yaml_fail(struct loader *l, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* yaml_load_build.c: one libyaml event each; 0 or OCTO_EINVAL (err filled). */
int octo__yaml_scalar_event(struct loader *l, yaml_event_t *ev);
int octo__yaml_start_collection(struct loader *l, yaml_event_t *ev, int is_map);
int octo__yaml_end_collection(struct loader *l);
int octo__yaml_alias_event(struct loader *l, yaml_event_t *ev);
/* Release the frames still open, the anchors and the path (not root, marks). */
void octo__yaml_loader_cleanup(struct loader *l);

#endif
