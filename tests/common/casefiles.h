/* casefiles.h - the files of file-based test cases: tests/flows/<case>/
 * (test_flow_cases.c) and the stored template outputs of tests/templates/
 * (test_tpl_stored.c). Reading, listing, copying, comparing, and the
 * ${VARIABLES} an expected text may name. Every failure is a cmocka
 * failure (the calling test stops) naming the file at fault. Only jansson
 * and cmocka: the template tests link no core. */
#ifndef OCTO_CASEFILES_H
#define OCTO_CASEFILES_H

#include <stddef.h>

#include <jansson.h>

/* The whole file at path (malloc'd, NUL-terminated; *len its size when
 * len is not NULL), or NULL when it does not exist. */
char *cf_slurp(const char *path, size_t *len);
int cf_is_dir(const char *path);
/* 1 when dir/name is a regular file */
int cf_has_file(const char *dir, const char *name);
/* Write len bytes to path, its parent directories made. */
void cf_write_file(const char *path, const char *data, size_t len);
/* The entries of dir but . and .., sorted (malloc'd array of malloc'd
 * names, *n of them); cf_free_names releases them. */
char **cf_list_dir(const char *dir, size_t *n);
void cf_free_names(char **names, size_t n);
/* Copy the tree src into dst. */
void cf_copy_tree(const char *src, const char *dst);
/* Append the regular files under root/rel to out (borrowed array) as
 * paths relative to root ("a/b.txt"), in name order. */
void cf_walk_files(const char *root, const char *rel, json_t *out);

/* Fail unless the texts are equal; shows both and the first line that
 * differs. what names the expected file. */
void cf_compare_text(const char *what, const char *expected, size_t elen, const char *actual,
                     size_t alen);
/* The lines of text (a final newline ends the last one): new array. */
json_t *cf_lines_of(const char *text);
/* An array of strings (borrowed) as lines, each ending in "\n" (malloc'd). */
char *cf_lines_text(json_t *list);

/* The volatile values an expected text may name: ${DATA_PATH},
 * ${JOB_ID}, ${TIMESTAMP}. They are substituted, never ignored, and
 * their form is checked before use (a UUID4, 14 digits). */
struct cf_vars {
    const char *data_path;
    const char *job_id;    /* NULL: no run */
    const char *timestamp; /* NULL: no run */
};
/* text with the variables replaced (malloc'd); what names the file in
 * failures. An unknown ${NAME}, or one without a value of its form, fails. */
char *cf_subst(const char *text, const struct cf_vars *v, const char *what);
/* The reverse (malloc'd): each value written back as its variable. */
char *cf_unsubst(const char *text, const struct cf_vars *v);
/* A captured log with its clock readings masked (new string): a line's
 * leading "YYYY-MM-DD HH:MM:SS,mmm" becomes "TIME" and a duration at a
 * line's end (" in 12.3 ms") " in DURATION ms". */
char *cf_mask_log_times(const char *log);

#endif
