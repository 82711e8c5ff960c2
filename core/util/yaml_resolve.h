/* yaml_resolve.h - PyYAML's YAML 1.1 scalar resolver and constructors
 * (internal to the YAML loader and dumper). Pure functions. */
#ifndef OCTO_YAML_RESOLVE_H
#define OCTO_YAML_RESOLVE_H

#include <jansson.h>
#include <stddef.h>

enum octo_yaml_kind {
    OCTO_YK_STR = 0,
    OCTO_YK_NULL,
    OCTO_YK_BOOL,
    OCTO_YK_INT,
    OCTO_YK_FLOAT,
    OCTO_YK_TIMESTAMP,
    OCTO_YK_MERGE,
    OCTO_YK_VALUE
};

/* The type PyYAML's resolver gives the plain scalar s. */
enum octo_yaml_kind octo_yaml_resolve(const char *s, size_t len);

/* Value of a plain scalar (new reference; NULL on allocation failure).
 * *is_merge is set for the merge key "<<". */
json_t *octo_yaml_construct_plain(const char *s, size_t len, int *is_merge);

/* Value of a scalar with an explicit tag (!!str, !!int, ...; new
 * reference), or NULL with a message in msg for an unknown tag or a value
 * the tag cannot take. */
json_t *octo_yaml_construct_tagged(const char *tag, const char *s, size_t len, char *msg,
                                   size_t msglen);

#endif
