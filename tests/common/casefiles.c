/* casefiles.c - reading, writing and comparing the files of file-based
 * test cases (tests/flows/, tests/templates/): see casefiles.h. Every
 * failure is a cmocka failure naming the file. */
#include "casefiles.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

/* mkdir -p (0755); 0 or -1 */
static int mkdirs(const char *path)
{
    char buf[PATH_MAX];
    char *p;

    snprintf(buf, sizeof(buf), "%s", path);
    for (p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* The whole file at path (malloc'd, NUL-terminated; *len its size), or
 * NULL when it does not exist. */
char *cf_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (fp == NULL) {
        if (errno != ENOENT) {
            fail_msg("cannot open %s: %s", path, strerror(errno));
        }
        return NULL;
    }
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    if (len != NULL) {
        *len = (size_t)n;
    }
    return buf;
}

int cf_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cf_has_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void cf_write_file(const char *path, const char *data, size_t len)
{
    char dir[PATH_MAX];
    char *slash;
    FILE *fp;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        assert_int_equal(mkdirs(dir), 0);
    }
    fp = fopen(path, "wb");
    if (fp == NULL) {
        fail_msg("cannot write %s: %s", path, strerror(errno));
    }
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but . and .., sorted (malloc'd array of malloc'd
 * names, *n of them). */
char **cf_list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t cap = 0;

    *n = 0;
    if (d == NULL) {
        fail_msg("cannot list %s: %s", dir, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof(*names));
            assert_non_null(names);
        }
        names[*n] = strdup(de->d_name);
        assert_non_null(names[*n]);
        (*n)++;
    }
    closedir(d);
    if (*n > 1) {
        qsort(names, *n, sizeof(*names), cmp_names);
    }
    return names;
}

void cf_free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* Copy the tree src into dst (the case's files/ into DATA_PATH). */
void cf_copy_tree(const char *src, const char *dst)
{
    size_t n;
    size_t i;
    char **names = cf_list_dir(src, &n);

    for (i = 0; i < n; i++) {
        char s[PATH_MAX];
        char t[PATH_MAX];

        snprintf(s, sizeof(s), "%s/%s", src, names[i]);
        snprintf(t, sizeof(t), "%s/%s", dst, names[i]);
        if (cf_is_dir(s)) {
            assert_int_equal(mkdirs(t), 0);
            cf_copy_tree(s, t);
        } else {
            size_t len = 0;
            char *data = cf_slurp(s, &len);

            assert_non_null(data);
            cf_write_file(t, data, len);
            free(data);
        }
    }
    cf_free_names(names, n);
}

/* Append the regular files under root/rel to out, as paths relative to
 * root ("a/b.txt"). */
void cf_walk_files(const char *root, const char *rel, json_t *out)
{
    char dir[PATH_MAX];
    size_t n;
    size_t i;
    char **names;

    snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
    names = cf_list_dir(dir, &n);
    for (i = 0; i < n; i++) {
        char sub[PATH_MAX];
        char full[PATH_MAX];

        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
        snprintf(full, sizeof(full), "%s/%s", root, sub);
        if (cf_is_dir(full)) {
            cf_walk_files(root, sub, out);
        } else {
            json_array_append_new(out, json_string(sub));
        }
    }
    cf_free_names(names, n);
}

static int is_uuid4(const char *s)
{
    static const char *const form = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    size_t i;

    if (s == NULL || strlen(s) != 36) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        char f = form[i];
        char c = s[i];

        if ((f == '-' || f == '4') ? c != f
            : f == 'y'             ? strchr("89ab", c) == NULL || c == '\0'
                                   : strchr("0123456789abcdef", c) == NULL || c == '\0') {
            return 0;
        }
    }
    return 1;
}

static int is_timestamp(const char *s)
{
    return s != NULL && strlen(s) == 14 && strspn(s, "0123456789") == 14;
}

/* text with the ${NAME} variables replaced (malloc'd). A variable that
 * has no value, or one whose value has the wrong form, fails the case:
 * the substitution stands for a check, it never ignores anything. */
char *cf_subst(const char *text, const struct cf_vars *v, const char *what)
{
    size_t cap = strlen(text) + 1;
    size_t len = 0;
    char *out = malloc(cap);
    const char *p = text;

    assert_non_null(out);
    while (*p != '\0') {
        const char *val = NULL;
        size_t skip = 0;
        size_t vl;

        if (strncmp(p, "${DATA_PATH}", 12) == 0) {
            val = v->data_path;
            skip = 12;
        } else if (strncmp(p, "${JOB_ID}", 9) == 0) {
            if (!is_uuid4(v->job_id)) {
                fail_msg("%s names ${JOB_ID} but the run's job id \"%s\" is not a UUID4", what,
                         v->job_id != NULL ? v->job_id : "(none)");
            }
            val = v->job_id;
            skip = 9;
        } else if (strncmp(p, "${TIMESTAMP}", 12) == 0) {
            if (!is_timestamp(v->timestamp)) {
                fail_msg("%s names ${TIMESTAMP} but the run's __timestamp__ \"%s\" is not 14 "
                         "digits",
                         what, v->timestamp != NULL ? v->timestamp : "(none)");
            }
            val = v->timestamp;
            skip = 12;
        } else if (strncmp(p, "${", 2) == 0) {
            fail_msg("%s: unknown variable at \"%.20s\" (known: ${DATA_PATH}, ${JOB_ID}, "
                     "${TIMESTAMP})",
                     what, p);
        }
        if (val == NULL) {
            val = p;
            vl = 1;
            skip = 1;
        } else {
            vl = strlen(val);
        }
        if (len + vl + 1 > cap) {
            cap = (len + vl + 1) * 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, val, vl);
        len += vl;
        p += skip;
    }
    out[len] = '\0';
    return out;
}

/* The reverse, for the OCTO_FLOW_CASES_ACTUAL output (malloc'd). */
char *cf_unsubst(const char *text, const struct cf_vars *v)
{
    const char *from[3] = {v->data_path, v->job_id, v->timestamp};
    const char *to[3] = {"${DATA_PATH}", "${JOB_ID}", "${TIMESTAMP}"};
    size_t cap = strlen(text) * 2 + 64;
    char *out = malloc(cap);
    size_t len = 0;
    const char *p = text;
    int i;

    assert_non_null(out);
    while (*p != '\0') {
        int hit = -1;

        for (i = 0; i < 3 && hit < 0; i++) {
            if (from[i] != NULL && from[i][0] != '\0' &&
                strncmp(p, from[i], strlen(from[i])) == 0) {
                hit = i;
            }
        }
        if (len + 16 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        if (hit >= 0) {
            len += (size_t)snprintf(out + len, cap - len, "%s", to[hit]);
            p += strlen(from[hit]);
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}

/* Fail unless the texts are equal, showing the first line that differs. */
void cf_compare_text(const char *what, const char *expected, size_t elen, const char *actual,
                     size_t alen)
{
    size_t i = 0;
    size_t line = 1;
    size_t bol = 0;

    if (elen == alen && memcmp(expected, actual, elen) == 0) {
        return;
    }
    while (i < elen && i < alen && expected[i] == actual[i]) {
        if (expected[i] == '\n') {
            line++;
            bol = i + 1;
        }
        i++;
    }
    print_error("--- %s: expected ---\n%.*s\n--- actual ---\n%.*s\n--- end ---\n", what, (int)elen,
                expected, (int)alen, actual);
    fail_msg("%s differs at line %zu: expected \"%.60s\", got \"%.60s\"", what, line,
             expected + bol, actual + bol);
}

/* The lines of text (a trailing newline ends the last one) as a JSON array. */
json_t *cf_lines_of(const char *text)
{
    json_t *a = json_array();
    const char *p = text;

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

        json_array_append_new(a, json_stringn(p, n));
        p += n + (nl != NULL ? 1 : 0);
    }
    return a;
}

char *cf_lines_text(json_t *list)
{
    size_t cap = 64;
    size_t len = 0;
    char *out = malloc(cap);
    size_t i;
    json_t *v;

    assert_non_null(out);
    out[0] = '\0';
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        size_t n = strlen(s);

        if (len + n + 2 > cap) {
            cap = (len + n + 2) * 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, s, n);
        len += n;
        out[len++] = '\n';
        out[len] = '\0';
    }
    return out;
}

/* The captured log with its clock readings masked (in place): each
 * line's leading "YYYY-MM-DD HH:MM:SS,mmm" becomes "TIME", and a run's
 * duration at a line's end (" in 12.3 ms") becomes " in DURATION ms".
 * Returns a new string. */
char *cf_mask_log_times(const char *log)
{
    const char *r = log;
    char *out = malloc(strlen(log) * 2 + 16); /* "DURATION" > the digits it stands for */
    char *w = out;

    assert_non_null(out);

    while (*r != '\0') {
        const char *eol = strchr(r, '\n');
        size_t n = eol != NULL ? (size_t)(eol - r) : strlen(r);
        size_t keep = n;
        int duration = 0;

        if (n >= 23 && r[4] == '-' && r[7] == '-' && r[10] == ' ' && r[13] == ':' && r[16] == ':' &&
            r[19] == ',' && strspn(r, "0123456789") == 4) {
            memcpy(w, "TIME", 4);
            w += 4;
            r += 23;
            n -= 23;
            keep = n;
        }
        if (n > 3 && memcmp(r + n - 3, " ms", 3) == 0) {
            size_t i = n - 3;

            while (i > 0 && strchr("0123456789.", r[i - 1]) != NULL) {
                i--;
            }
            if (i < n - 3 && i >= 4 && memcmp(r + i - 4, " in ", 4) == 0) {
                keep = i;
                duration = 1;
            }
        }
        memcpy(w, r, keep);
        w += keep;
        if (duration) {
            memcpy(w, "DURATION ms", 11);
            w += 11;
        }
        r += n;
        if (*r == '\n') {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return out;
}
