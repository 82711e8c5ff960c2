/* yaml_io.h - YAML <-> JSON with PyYAML's semantics.
 *
 * Users' flow files, secrets and config were written for PyYAML's
 * safe_load (YAML 1.1 scalars: yes/no/on/off booleans, ~ null, 0755
 * octal, 1:30 sexagesimal, "1e3" a string but "1.0e+3" a float, dates kept
 * as text, merge keys <<). The loader follows it and records the line of
 * every node so that validation messages can say file:line. The dumper
 * writes what yaml.dump writes, byte for byte (block style, sorted keys,
 * width 80, quoting chosen by the YAML 1.1 resolver).
 * Thread-safe: no shared state.
 */
#ifndef OCTO_YAML_IO_H
#define OCTO_YAML_IO_H

#include <jansson.h>
#include <stddef.h>

#include <octoflow/octo_step.h>

#include "buf.h"

/* Parse one YAML document. text need not be NUL-terminated. origin names
 * the source in messages ("flows/a.yml"). On success *out is a new
 * reference (null for an empty document) and, when marks is not NULL,
 * *marks is a new object mapping node paths to 1-based line numbers:
 * "" for the root, "steps" , "steps[0]", "steps[0].rest.uri" (object keys
 * joined with ".", array items as "[i]"). Errors (syntax, more than one
 * document, alias expansion over the cap, a non-string-able key) fill err
 * with "origin:line:column: message" and return OCTO_EINVAL. */
int octo_yaml_load(const char *text, size_t len, const char *origin, json_t **out, json_t **marks,
                   octo_error *err);

/* Read and parse a file (path absolute or relative to the cwd). A missing
 * file gives OCTO_ENOENT. */
int octo_yaml_load_file(const char *path, const char *origin, json_t **out, json_t **marks,
                        octo_error *err);

/* Line of the node at path in marks (borrowed), trying its parents when
 * the path itself is absent; 0 when unknown. */
int octo_yaml_line(json_t *marks, const char *path);
/* The line of the key itself at path (a block mapping or list under a key
 * starts on a later line), else octo_yaml_line. */
int octo_yaml_key_line(json_t *marks, const char *path);

/* Dump value (borrowed) as yaml.dump does; flags are OCTO_YAML_* from
 * octoflow/octo_step.h. Returns 0, or -1 on an emitter failure (err
 * filled). */
int octo_yaml_dump(json_t *value, unsigned flags, struct octo_buf *out, octo_error *err);

/* The tag PyYAML's resolver gives a plain scalar: one of "null", "bool",
 * "int", "float", "str" (timestamps and merge/value are "str"-like for us
 * but reported as "timestamp" / "merge" so the dumper can quote them). */
const char *octo_yaml_resolve_plain(const char *s, size_t len);

#endif
