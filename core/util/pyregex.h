/* pyregex.h - Python-compatible regular expressions on PCRE2.
 *
 * Users wrote ignore_errors patterns (and template regex filters) for
 * Python's re module. PCRE2 with UTF and UCP reads nearly the same
 * syntax; this wrapper translates the differences it can (\Z, (?P<n>),
 * (?P=n), {,n}) and sets match and depth limits so a pathological
 * pattern fails instead of hanging. Compiled patterns are immutable and
 * may be used from many threads at once (match data is per call).
 */
#ifndef OCTO_PYREGEX_H
#define OCTO_PYREGEX_H

#include <stddef.h>

#include <octoflow/octo_step.h>

#include "buf.h"

struct octo_regex;

#define OCTO_RE_IGNORECASE (1u << 0)
#define OCTO_RE_MULTILINE  (1u << 1)
#define OCTO_RE_DOTALL     (1u << 2)

#define OCTO_RE_MAX_GROUPS 32

struct octo_match {
    int matched;
    int ngroups;                          /* groups in the pattern, not counting 0 */
    size_t start[OCTO_RE_MAX_GROUPS + 1]; /* byte offsets; SIZE_MAX when unset */
    size_t end[OCTO_RE_MAX_GROUPS + 1];
};

/* Compile pattern (UTF-8). *out new (octo_regex_free). Errors name the
 * offset: "missing ) at offset 3". */
int octo_regex_compile(const char *pattern, unsigned flags, struct octo_regex **out,
                       octo_error *err);
void octo_regex_free(struct octo_regex *re);

/* Search (unanchored) / match (anchored at start, as re.match) subject
 * from byte offset start. Returns 1 matched, 0 not, negative on a limit
 * or other failure (err filled when not NULL). */
int octo_regex_search(const struct octo_regex *re, const char *subject, size_t len, size_t start,
                      struct octo_match *m, octo_error *err);
int octo_regex_match(const struct octo_regex *re, const char *subject, size_t len,
                     struct octo_match *m, octo_error *err);

/* Iterate over successive non-overlapping matches as re.finditer does
 * (Python 3.7+ rules for empty matches). Zero the iterator first; each
 * call returns 1 with the next match in *m, 0 at the end, negative on
 * failure. */
struct octo_regex_iter {
    size_t pos;
    int retry_nonempty; /* the previous match was empty at pos */
    int done;
};
int octo_regex_next(const struct octo_regex *re, const char *subject, size_t len,
                    struct octo_regex_iter *it, struct octo_match *m, octo_error *err);

/* Number of capture groups; index of a named group or -1. */
int octo_regex_groups(const struct octo_regex *re);
int octo_regex_group_index(const struct octo_regex *re, const char *name);

/* re.sub(pattern, repl, subject, count): repl in Python syntax (\1, \g<1>,
 * \g<name>, \n, \\). count 0 = all. Returns 0 or negative (err filled). */
int octo_regex_sub(const struct octo_regex *re, const char *repl, const char *subject, size_t len,
                   size_t count, struct octo_buf *out, octo_error *err);

#endif
