/* redact.c - registry of secret values and their redaction (redact.h).
 *
 * DESIGN
 * ------
 * A normalising matcher. Secrets come back to us encoded by whoever
 * echoed them (a server's JSON, Python's repr, our own YAML dump folding
 * a long value, a query string), so looking for the exact text is not
 * enough. Each text is searched as it is, then, when it holds anything
 * decodable, through successive decoded views (redact_decode.c undoes
 * one layer of JSON / Python / YAML escapes, %XX, HTML entities and YAML
 * line folding per pass; up to MAX_PASSES layers, a JSON string inside a
 * YAML dump being two). A hit in a decoded view is mapped back to the
 * original bytes it came from, and those are replaced by "***".
 * Enumerating encodings instead would not work for folding (where the
 * line breaks fall depends on the column) and multiplies with nesting.
 * Three forms are registered next to each value because decoding cannot
 * undo them without breaking others: spaces as '+' (query strings: '+'
 * stays '+' in the decoded views, as a literal '+' in a secret must), the
 * reading of \x runs as UTF-8 (redact_decode.h), and the Latin-1 mojibake
 * of a server that decoded the UTF-8 bytes as Latin-1 ("Z\u00c3\u00bcrich").
 *
 * Speed: every log line and API string passes here. All forms of all
 * secrets are indexed by first byte, with a bitmap of their first two
 * bytes, so a view costs one pass over its bytes plus a memcmp per
 * candidate position. A text is decoded only when it holds something
 * decodable (\ % & '' or a line break) and the anchor of some secret -
 * its longest run of letters, digits and "_.-", which no encoding here
 * changes (anchor_of) - so most lines are searched once, undecoded. The
 * limit: a secret whose anchor does not come back as it is (all escaped,
 * \u0041 for A) is not found. bench/redact measures it.
 *
 * A pthread rwlock guards the registry: lookups take the read lock,
 * registration (a secret fetched, rare) the write lock and rebuilds the
 * index.
 */
#include "redact.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact_decode.h"
#include "xalloc.h"

#define MIN_SECRET_LEN 4
#define MAX_PASSES     4

struct form {
    char *text;
    size_t len;
};

/* Strings indexed for search: sorted by first byte, with a table of the
 * first bytes and a bitmap of the first two. */
struct index {
    struct form *forms;
    size_t n;
    size_t first[257];          /* forms starting with byte b: [first[b], first[b + 1]) */
    unsigned char starts[256];  /* 1: some form starts with byte b */
    uint64_t pairs[65536 / 64]; /* bit (b0 << 8 | b1): some form starts b0 b1 */
};

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static char **g_values; /* registered values, for dedup and the count */
static size_t g_count;
static size_t g_cap;
static struct index g_forms;   /* every form of every value */
static struct index g_anchors; /* the anchor of every value (see anchor_of) */
static int g_unanchored;       /* some value has no anchor: always decode */

static int form_cmp(const void *a, const void *b)
{
    const struct form *x = a;
    const struct form *y = b;

    return (int)(unsigned char)x->text[0] - (int)(unsigned char)y->text[0];
}

/* Append a form (copied). Write lock held. */
static void add_form(struct form **forms, size_t *n, size_t *cap, const char *text)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;

        *forms = octo_xrealloc(*forms, c * sizeof(**forms));
        *cap = c;
    }
    (*forms)[*n].text = octo_xstrdup(text);
    (*forms)[*n].len = strlen(text);
    (*n)++;
}

/* The registered forms of one value: itself, spaces as '+', the UTF-8
 * reading of its Latin-1 runs, and its Latin-1 mojibake. Write lock held. */
static void add_forms(struct form **forms, size_t *n, size_t *cap, const char *value)
{
    char *plus = NULL;
    char *folded = octo__redact_utf8_fold(value);
    char *mojibake = octo__redact_latin1_mojibake(value);

    add_form(forms, n, cap, value);
    if (strchr(value, ' ') != NULL) {
        plus = octo_xstrdup(value);
        for (char *p = plus; *p != '\0'; p++) {
            if (*p == ' ') {
                *p = '+';
            }
        }
        add_form(forms, n, cap, plus);
    }
    if (folded != NULL && strlen(folded) >= MIN_SECRET_LEN) {
        add_form(forms, n, cap, folded);
    }
    if (mojibake != NULL) {
        add_form(forms, n, cap, mojibake);
    }
    free(plus);
    free(folded);
    free(mojibake);
}

static void free_forms(struct form *forms, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(forms[i].text);
    }
    free(forms);
}

/* Sort forms (taken) into ix, replacing what it held. Write lock held. */
static void index_set(struct index *ix, struct form *forms, size_t n)
{
    size_t i;
    size_t b;

    if (n > 0) {
        qsort(forms, n, sizeof(*forms), form_cmp);
    }
    free_forms(ix->forms, ix->n);
    memset(ix, 0, sizeof(*ix));
    ix->forms = forms;
    ix->n = n;
    for (i = 0; i < n; i++) {
        unsigned b0 = (unsigned char)forms[i].text[0];
        unsigned pair = b0 << 8 | (unsigned char)forms[i].text[1];

        ix->first[b0 + 1]++;
        ix->starts[b0] = 1;
        ix->pairs[pair / 64] |= UINT64_C(1) << (pair % 64);
    }
    for (b = 1; b <= 256; b++) {
        ix->first[b] += ix->first[b - 1];
    }
}

/* Characters none of the encodings undone here escapes: ASCII letters
 * and digits and "_.-" (what percent-encoding, the most eager, leaves in
 * Python, Java and JavaScript alike; "~" is encoded by some). */
static int unescaped(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* The longest run of unescaped characters of value, when it has
 * MIN_SECRET_LEN or more, into out (cap bytes); 0 when there is none.
 * YAML folds only at spaces or after an escape, so every form of a value
 * holds its anchor as it is: a text without any anchor needs no
 * decoding. */
static int anchor_of(const char *value, char *out, size_t cap)
{
    size_t best = 0;
    size_t best_at = 0;
    size_t i = 0;

    while (value[i] != '\0') {
        size_t j = i;

        while (value[j] != '\0' && unescaped(value[j])) {
            j++;
        }
        if (j - i > best) {
            best = j - i;
            best_at = i;
        }
        i = j > i ? j : i + 1;
    }
    if (best < MIN_SECRET_LEN || best >= cap) {
        return 0;
    }
    memcpy(out, value + best_at, best);
    out[best] = '\0';
    return 1;
}

/* Rebuild both indexes from g_values. Write lock held. */
static void rebuild(void)
{
    struct form *forms = NULL;
    struct form *anchors = NULL;
    size_t n = 0;
    size_t cap = 0;
    size_t na = 0;
    size_t acap = 0;
    int unanchored = 0;
    size_t i;

    for (i = 0; i < g_count; i++) {
        char a[256];

        add_forms(&forms, &n, &cap, g_values[i]);
        if (!anchor_of(g_values[i], a, sizeof(a))) {
            unanchored = 1;
        } else {
            add_form(&anchors, &na, &acap, a);
        }
    }
    index_set(&g_forms, forms, n);
    index_set(&g_anchors, anchors, na);
    g_unanchored = unanchored;
}

int octo_redact_add(const char *value)
{
    size_t i;

    if (value == NULL || strlen(value) < MIN_SECRET_LEN) {
        return 0;
    }
    pthread_rwlock_wrlock(&g_lock);
    for (i = 0; i < g_count; i++) {
        if (strcmp(g_values[i], value) == 0) {
            goto out;
        }
    }
    if (g_count == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;

        g_values = octo_xrealloc(g_values, cap * sizeof(*g_values));
        g_cap = cap;
    }
    g_values[g_count++] = octo_xstrdup(value);
    rebuild();
out:
    pthread_rwlock_unlock(&g_lock);
    return 0;
}

void octo_redact_clear(void)
{
    size_t i;

    pthread_rwlock_wrlock(&g_lock);
    for (i = 0; i < g_count; i++) {
        free(g_values[i]);
    }
    free(g_values);
    g_values = NULL;
    g_count = 0;
    g_cap = 0;
    index_set(&g_forms, NULL, 0);
    index_set(&g_anchors, NULL, 0);
    g_unanchored = 0;
    pthread_rwlock_unlock(&g_lock);
}

size_t octo_redact_count(void)
{
    size_t n;

    pthread_rwlock_rdlock(&g_lock);
    n = g_count;
    pthread_rwlock_unlock(&g_lock);
    return n;
}

/* Spans [start, end) of the original text to replace. */
struct spans {
    size_t (*v)[2];
    size_t n;
    size_t cap;
};

static void span_add(struct spans *sp, size_t start, size_t end)
{
    if (sp->n > 0 && sp->v[sp->n - 1][0] <= start && start <= sp->v[sp->n - 1][1]) {
        if (end > sp->v[sp->n - 1][1]) {
            sp->v[sp->n - 1][1] = end; /* the common case: overlapping the last one */
        }
        return;
    }
    if (sp->n == sp->cap) {
        size_t c = sp->cap ? sp->cap * 2 : 8;

        /* aborts rather than drop a span: a dropped span is a leaked secret */
        sp->v = octo_xrealloc(sp->v, c * sizeof(*sp->v));
        sp->cap = c;
    }
    sp->v[sp->n][0] = start;
    sp->v[sp->n][1] = end;
    sp->n++;
}

/* Every occurrence of a string of ix in t (n bytes) or, when v is not
 * NULL, in the view v (t == v->data), as spans of the original; with sp
 * NULL, only whether there is one. Read lock held. */
static int find(const struct index *ix, const char *t, size_t n, const struct octo_rdview *v,
                struct spans *sp)
{
    size_t i;
    int found = 0;

    if (n < MIN_SECRET_LEN) {
        return 0;
    }
    for (i = 0; i + MIN_SECRET_LEN <= n; i++) {
        unsigned b0;
        unsigned pair;
        size_t k;

        while (i + MIN_SECRET_LEN <= n && !ix->starts[(unsigned char)t[i]]) {
            i++;
        }
        if (i + MIN_SECRET_LEN > n) {
            break;
        }
        b0 = (unsigned char)t[i];
        pair = b0 << 8 | (unsigned char)t[i + 1];
        if (!(ix->pairs[pair / 64] & (UINT64_C(1) << (pair % 64)))) {
            continue;
        }
        for (k = ix->first[b0]; k < ix->first[b0 + 1]; k++) {
            const struct form *f = &ix->forms[k];

            if (f->len <= n - i && memcmp(t + i, f->text, f->len) == 0) {
                found = 1;
                if (sp == NULL) {
                    return 1;
                }
                if (v == NULL) {
                    span_add(sp, i, i + f->len);
                } else {
                    span_add(sp, v->from[i], octo__redact_view_end(v, i, f->len));
                }
            }
        }
    }
    return found;
}

/* Decode text (a view of the original through v, or the original when v
 * is NULL) layer after layer, every encoding at once, searching each
 * layer, until nothing changes or MAX_PASSES. a and b are the two
 * buffers the layers alternate in. Read lock held. */
static void chain(const char *text, size_t n, const struct octo_rdview *v, unsigned found,
                  struct octo_rdview *a, struct octo_rdview *b, struct spans *sp)
{
    const uint32_t *from = v != NULL ? v->from : NULL;
    int pass;

    for (pass = 0; pass < MAX_PASSES && found != 0; pass++) {
        struct octo_rdview *next = text == a->data ? b : a;

        if (octo__redact_decode(text, from, n, OCTO_RD_BACKSLASH | OCTO_RD_OTHER, next) != 1) {
            return;
        }
        find(&g_forms, next->data, next->len, next, sp);
        text = next->data;
        n = next->len;
        from = next->from;
        found = octo__redact_decodable(text, n);
    }
}

static int span_cmp(const void *a, const void *b)
{
    const size_t *x = a;
    const size_t *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Redact s (len bytes) into out; returns 1 when something was replaced.
 * Read lock held. Out of memory while decoding: the views found so far
 * count (the undecoded text is always searched). */
static int redact_locked(const char *s, size_t len, struct octo_buf *out)
{
    /* views of short texts (most log lines) live on the stack */
    enum { STACK_BYTES = 512 };
    char da[STACK_BYTES];
    char db[STACK_BYTES];
    char dc[STACK_BYTES];
    uint32_t fa[STACK_BYTES + 1];
    uint32_t fb[STACK_BYTES + 1];
    uint32_t fc[STACK_BYTES + 1];
    struct octo_rdview a = {da, fa, 0, STACK_BYTES, 0};
    struct octo_rdview b = {db, fb, 0, STACK_BYTES, 0};
    struct octo_rdview c = {dc, fc, 0, STACK_BYTES, 0};
    struct spans sp = {NULL, 0, 0};
    const unsigned both = OCTO_RD_BACKSLASH | OCTO_RD_OTHER;
    unsigned found;
    size_t pos = 0;
    size_t i;

    if (g_forms.n == 0) {
        return 0;
    }
    find(&g_forms, s, len, NULL, &sp);
    found = octo__redact_decodable(s, len);
    if (found != 0 && !g_unanchored && !find(&g_anchors, s, len, NULL, NULL)) {
        found = 0; /* no secret's anchor: no decoded view can hold one */
    }
    chain(s, len, NULL, found, &a, &b, &sp);
    if (found == both && octo__redact_decode(s, NULL, len, OCTO_RD_OTHER, &c) == 1) {
        /* literal backslashes inside another layer (HTML, YAML single
         * quotes, a query string): a chain that first undoes that layer
         * alone, so "it\''s" reads "it\'s" before "it's" */
        find(&g_forms, c.data, c.len, &c, &sp);
        chain(c.data, c.len, &c, octo__redact_decodable(c.data, c.len), &a, &b, &sp);
    }
    octo__redact_view_free(&a);
    octo__redact_view_free(&b);
    octo__redact_view_free(&c);
    if (sp.n == 0) {
        free(sp.v);
        return 0;
    }
    qsort(sp.v, sp.n, sizeof(*sp.v), span_cmp);
    for (i = 0; i < sp.n; i++) {
        size_t start = sp.v[i][0];
        size_t end = sp.v[i][1];

        if (end <= pos) {
            continue; /* inside the previous replacement */
        }
        if (start < pos) {
            start = pos;
        }
        octo_buf_append(out, s + pos, start - pos);
        octo_buf_puts(out, OCTO_REDACTED);
        pos = end;
    }
    octo_buf_append(out, s + pos, len - pos);
    free(sp.v);
    return 1;
}

void octo_redact_inplace(char *s, size_t cap)
{
    struct octo_buf out = OCTO_BUF_INIT;

    if (s == NULL || cap == 0) {
        return;
    }
    pthread_rwlock_rdlock(&g_lock);
    if (redact_locked(s, strlen(s), &out)) {
        snprintf(s, cap, "%s", octo_buf_cstr(&out));
    }
    pthread_rwlock_unlock(&g_lock);
    octo_buf_free(&out);
}

void octo_redact_buf(struct octo_buf *b)
{
    struct octo_buf out = OCTO_BUF_INIT;

    if (b->len == 0) {
        return;
    }
    pthread_rwlock_rdlock(&g_lock);
    if (redact_locked(b->data, b->len, &out)) {
        octo_buf_free(b);
        *b = out;
        out.data = NULL;
    }
    pthread_rwlock_unlock(&g_lock);
    octo_buf_free(&out);
}

static json_t *redact_value_locked(json_t *v)
{
    struct octo_buf out = OCTO_BUF_INIT;
    json_t *copy = NULL;
    size_t i;
    const char *k;
    json_t *item;

    switch (json_typeof(v)) {
    case JSON_STRING:
        if (redact_locked(json_string_value(v), json_string_length(v), &out)) {
            copy = json_stringn(octo_buf_cstr(&out), out.len);
        }
        octo_buf_free(&out);
        return copy != NULL ? copy : json_incref(v);
    case JSON_ARRAY:
        json_array_foreach(v, i, item)
        {
            json_t *r = redact_value_locked(item);

            if (r != item && copy == NULL) {
                copy = json_copy(v);
            }
            if (copy != NULL) {
                json_array_set(copy, i, r);
            }
            json_decref(r);
        }
        return copy != NULL ? copy : json_incref(v);
    case JSON_OBJECT:
        json_object_foreach(v, k, item)
        {
            json_t *r = redact_value_locked(item);
            int key_changed;

            octo_buf_reset(&out);
            key_changed = redact_locked(k, strlen(k), &out);
            if ((r != item || key_changed) && copy == NULL) {
                copy = json_object();
                /* re-insert every key in order, redacting as we go */
                json_decref(r);
                octo_buf_free(&out);
                json_object_foreach(v, k, item)
                {
                    json_t *rv = redact_value_locked(item);
                    struct octo_buf kb = OCTO_BUF_INIT;

                    if (redact_locked(k, strlen(k), &kb)) {
                        json_object_set_new(copy, octo_buf_cstr(&kb), rv);
                    } else {
                        json_object_set_new(copy, k, rv);
                    }
                    octo_buf_free(&kb);
                }
                return copy;
            }
            json_decref(r);
        }
        octo_buf_free(&out);
        return json_incref(v);
    default:
        return json_incref(v);
    }
}

json_t *octo_redact_json(json_t *v)
{
    json_t *r;

    if (v == NULL) {
        return NULL;
    }
    pthread_rwlock_rdlock(&g_lock);
    r = g_count > 0 ? redact_value_locked(v) : json_incref(v);
    pthread_rwlock_unlock(&g_lock);
    return r;
}
