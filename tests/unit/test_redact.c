/* test_redact.c - redaction of registered secrets in every form a server
 * or a dump gives them back (issue 9): exact text, JSON escapes (\u00e4,
 * upper and lower case, with and without ensure_ascii, \/), Python
 * repr/str (backslash doubled, \xe4 and \xc3\xa4), YAML double quotes as
 * our own dump writes them, folded over lines, percent-encoding (quote
 * and quote_plus, both hex cases), HTML entities, two layers (JSON inside
 * YAML, JSON inside a query string, Python inside YAML single quotes), a
 * server's Latin-1 mojibake, and the Basic-auth base64 forms. The
 * encoded texts are made here by the core's own encoders (JSON, Python
 * text, YAML) or by small encoders of this file, never typed in. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyfmt.h"
#include "pyjson.h"
#include "redact.h"
#include "yaml_io.h"

/* Non-ASCII, backslash, both quotes, spaces, > 80 bytes: YAML folds it.
 * Start9f, Mid3q and End7z are markers that survive every encoding. */
#define SECRET                                                                                     \
    "Start9f Z\xc3\xbcrich \"quo\\ted\" it's a p\xc3\xa4ss phrase \xe2\x82\xac with spaces Mid3q " \
    "long enough to be folded by YAML End7z"

static void setup_secret(void)
{
    octo_redact_clear();
    assert_true(strlen(SECRET) > 80);
    assert_int_equal(octo_redact_add(SECRET), 0);
}

/* Redact text; fail when a marker of the secret survives or no "***"
 * replaced it; the text around the secret is kept. */
static void check_gone(const char *what, const char *text)
{
    struct octo_buf b = OCTO_BUF_INIT;
    const char *r;

    octo_buf_printf(&b, "before <%s> after", text);
    octo_redact_buf(&b);
    r = octo_buf_cstr(&b);
    if (strstr(r, "Start9f") != NULL || strstr(r, "Mid3q") != NULL || strstr(r, "End7z") != NULL ||
        strstr(r, "***") == NULL) {
        fail_msg("%s form not redacted:\n  in:  %s\n  out: %s", what, text, r);
    }
    if (strncmp(r, "before <", 8) != 0 || strcmp(r + strlen(r) - 7, "> after") != 0) {
        fail_msg("%s: the text around the secret changed: %s", what, r);
    }
    octo_buf_free(&b);
}

/* Percent-encoding of s as Python's quote (safe "/") or quote_plus. */
static void percent(const char *s, int plus, int lower, struct octo_buf *out)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("_.-~", c) != NULL || (!plus && c == '/')) {
            octo_buf_putc(out, (char)c);
        } else if (plus && c == ' ') {
            octo_buf_putc(out, '+');
        } else {
            octo_buf_printf(out, lower ? "%%%02x" : "%%%02X", c);
        }
    }
}

/* Python's ascii() of a str: \xe4, \u20ac, \\ and \' escapes. */
static void py_ascii(const char *s, struct octo_buf *out)
{
    size_t len = strlen(s);
    size_t i = 0;

    octo_buf_putc(out, '\'');
    while (i < len) {
        unsigned cp;
        size_t n = octo_utf8_decode((const unsigned char *)s + i, len - i, &cp);

        if (cp == '\\' || cp == '\'') {
            octo_buf_printf(out, "\\%c", (char)cp);
        } else if (cp < 0x80) {
            octo_buf_putc(out, (char)cp);
        } else if (cp < 0x100) {
            octo_buf_printf(out, "\\x%02x", cp);
        } else {
            octo_buf_printf(out, "\\u%04x", cp);
        }
        i += n;
    }
    octo_buf_putc(out, '\'');
}

/* Python's repr() of the UTF-8 bytes: b'...\xc3\xbc...'. */
static void py_bytes_repr(const char *s, struct octo_buf *out)
{
    octo_buf_puts(out, "b'");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\\' || c == '\'') {
            octo_buf_printf(out, "\\%c", c);
        } else if (c >= 0x80) {
            octo_buf_printf(out, "\\x%02x", c);
        } else {
            octo_buf_putc(out, (char)c);
        }
    }
    octo_buf_putc(out, '\'');
}

/* HTML escaping (html.escape): & < > " ' and, for the test, the
 * non-ASCII characters as decimal references. */
static void html(const char *s, struct octo_buf *out)
{
    size_t len = strlen(s);
    size_t i = 0;

    while (i < len) {
        unsigned cp;
        size_t n = octo_utf8_decode((const unsigned char *)s + i, len - i, &cp);

        if (cp == '"') {
            octo_buf_puts(out, "&quot;");
        } else if (cp == '\'') {
            octo_buf_puts(out, "&#x27;");
        } else if (cp == '&') {
            octo_buf_puts(out, "&amp;");
        } else if (cp >= 0x80) {
            octo_buf_printf(out, "&#%u;", cp);
        } else {
            octo_buf_putc(out, (char)cp);
        }
        i += n;
    }
}

static void test_redact_exact_and_json_forms(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    json_t *v = json_pack("{s:s}", "token", SECRET);
    char *upper;

    (void)state;
    setup_secret();
    check_gone("exact", SECRET);
    /* Python's json.dumps (ensure_ascii): \u00fc, \", \\ */
    octo_pyjson_string(SECRET, strlen(SECRET), 1, &b);
    assert_non_null(strstr(octo_buf_cstr(&b), "\\u00fc"));
    check_gone("JSON ensure_ascii", octo_buf_cstr(&b));
    /* jansson writes upper-case hex */
    upper = strdup(octo_buf_cstr(&b));
    for (char *p = strstr(upper, "\\u"); p != NULL; p = strstr(p + 2, "\\u")) {
        for (int k = 2; k < 6; k++) {
            if (p[k] >= 'a' && p[k] <= 'f') {
                p[k] = (char)(p[k] - 'a' + 'A');
            }
        }
    }
    check_gone("JSON upper-case \\u", upper);
    free(upper);
    octo_buf_reset(&b);
    /* without ensure_ascii: raw UTF-8, only \" and \\ escaped */
    octo_pyjson_string(SECRET, strlen(SECRET), 0, &b);
    check_gone("JSON UTF-8", octo_buf_cstr(&b));
    octo_buf_reset(&b);
    /* a whole JSON document, as a server echoes it */
    octo_pyjson_dump(v, 0, &b);
    check_gone("JSON document", octo_buf_cstr(&b));
    octo_buf_free(&b);
    json_decref(v);
    octo_redact_clear();
}

static void test_redact_python_forms(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    json_t *v = json_pack("{s:s, s:[s]}", "token", SECRET, "list", SECRET);

    (void)state;
    setup_secret();
    /* str() of a dict: repr of its strings, the backslash doubled */
    octo_py_value_str(v, &b);
    assert_non_null(strstr(octo_buf_cstr(&b), "quo\\\\ted"));
    check_gone("Python str(dict)", octo_buf_cstr(&b));
    octo_buf_reset(&b);
    octo_py_str_repr(SECRET, strlen(SECRET), &b);
    check_gone("Python repr", octo_buf_cstr(&b));
    octo_buf_reset(&b);
    py_ascii(SECRET, &b);
    assert_non_null(strstr(octo_buf_cstr(&b), "Z\\xfcrich"));
    check_gone("Python ascii (\\xfc)", octo_buf_cstr(&b));
    octo_buf_reset(&b);
    py_bytes_repr(SECRET, &b);
    assert_non_null(strstr(octo_buf_cstr(&b), "Z\\xc3\\xbcrich"));
    check_gone("Python bytes repr (\\xc3\\xbc)", octo_buf_cstr(&b));
    octo_buf_free(&b);
    json_decref(v);
    octo_redact_clear();
}

static void test_redact_yaml_folded(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    struct octo_buf nested = OCTO_BUF_INIT;
    json_t *v = json_pack("{s:s, s:{s:s}}", "token", SECRET, "deep", "inner", SECRET);
    json_t *w;
    octo_error err;

    (void)state;
    setup_secret();
    memset(&err, 0, sizeof(err));
    /* our YAML dump (PyYAML's output) of the value: double quotes, \xFC,
     * folded over two lines with an escaped line break */
    assert_int_equal(octo_yaml_dump(v, 0, &b, &err), OCTO_OK);
    assert_non_null(strstr(octo_buf_cstr(&b), "\\xFC"));
    assert_non_null(strstr(octo_buf_cstr(&b), "\\\n"));
    check_gone("YAML dump, folded", octo_buf_cstr(&b));
    /* the JSON text of the secret inside a YAML dump: two layers */
    octo_pyjson_string(SECRET, strlen(SECRET), 1, &nested);
    w = json_pack("{s:s}", "body", octo_buf_cstr(&nested));
    octo_buf_reset(&b);
    assert_int_equal(octo_yaml_dump(w, 0, &b, &err), OCTO_OK);
    assert_non_null(strstr(octo_buf_cstr(&b), "'\"Start9f Z\\u00fcrich \\\"quo\\\\ted"));
    check_gone("JSON inside YAML (single quotes)", octo_buf_cstr(&b));
    /* ... and in double quotes when the text needs them (a tab) */
    json_decref(w);
    octo_buf_reset(&b);
    octo_buf_puts(&nested, "\t");
    w = json_pack("{s:s}", "body", octo_buf_cstr(&nested));
    assert_int_equal(octo_yaml_dump(w, 0, &b, &err), OCTO_OK);
    assert_non_null(strstr(octo_buf_cstr(&b), "Z\\\\u00fcrich"));
    check_gone("JSON inside YAML (double quotes)", octo_buf_cstr(&b));
    /* a secret without escapes folded at a space (plain style) */
    octo_redact_clear();
    assert_int_equal(octo_redact_add("plain words Start9f that go on and on Mid3q until the "
                                     "line is longer than eighty End7z"),
                     0);
    json_decref(w);
    w = json_pack("{s:s}", "k",
                  "plain words Start9f that go on and on Mid3q until the line is "
                  "longer than eighty End7z");
    octo_buf_reset(&b);
    assert_int_equal(octo_yaml_dump(w, 0, &b, &err), OCTO_OK);
    assert_non_null(strchr(octo_buf_cstr(&b), '\n') != strrchr(octo_buf_cstr(&b), '\n') ? "folded"
                                                                                        : NULL);
    check_gone("YAML plain, folded", octo_buf_cstr(&b));
    octo_buf_free(&b);
    octo_buf_free(&nested);
    json_decref(v);
    json_decref(w);
    octo_redact_clear();
}

static void test_redact_percent_and_html(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    struct octo_buf j = OCTO_BUF_INIT;
    int plus;
    int lower;

    (void)state;
    setup_secret();
    for (plus = 0; plus <= 1; plus++) {
        for (lower = 0; lower <= 1; lower++) {
            octo_buf_reset(&b);
            octo_buf_puts(&b, "GET https://h/x?a=1&token=");
            percent(SECRET, plus, lower, &b);
            octo_buf_puts(&b, "&b=2");
            check_gone(plus ? "quote_plus" : "quote", octo_buf_cstr(&b));
        }
    }
    /* the JSON text of the secret sent in a query string */
    octo_pyjson_string(SECRET, strlen(SECRET), 1, &j);
    octo_buf_reset(&b);
    percent(octo_buf_cstr(&j), 1, 0, &b);
    check_gone("JSON in a query string", octo_buf_cstr(&b));
    octo_buf_reset(&b);
    html(SECRET, &b);
    check_gone("HTML entities", octo_buf_cstr(&b));
    octo_buf_free(&b);
    octo_buf_free(&j);
    octo_redact_clear();
}

/* The Basic-auth base64 is registered by the secrets module; its forms
 * (%2B %2F %3D, JSON \/) are caught like any secret's. */
static void test_redact_base64_forms(void **state)
{
    static const char *const b64 = "dXNlcjpw/8OkKz9zcyt3b3JkLz0+Pz8/Pz8=";
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    octo_redact_clear();
    assert_int_equal(octo_redact_add(b64), 0);
    octo_buf_printf(&b, "Authorization: Basic %s", b64);
    octo_redact_buf(&b);
    assert_string_equal(octo_buf_cstr(&b), "Authorization: Basic ***");
    octo_buf_reset(&b);
    octo_buf_puts(&b, "?auth=");
    percent(b64, 1, 0, &b);
    assert_non_null(strstr(octo_buf_cstr(&b), "%2F"));
    octo_redact_buf(&b);
    assert_string_equal(octo_buf_cstr(&b), "?auth=***");
    octo_buf_reset(&b);
    octo_buf_puts(&b, "{\"a\": \"dXNlcjpw\\/8OkKz9zcyt3b3JkLz0+Pz8\\/Pz8=\"}");
    octo_redact_buf(&b);
    assert_string_equal(octo_buf_cstr(&b), "{\"a\": \"***\"}");
    octo_buf_free(&b);
    octo_redact_clear();
}

/* Text without secrets comes out unchanged, escapes and all; several
 * secrets and forms in one line are all replaced; json redaction. */
static void test_redact_leaves_other_text(void **state)
{
    static const char *const texts[] = {
        "a plain line",
        "escapes \\u00e4 \\x41 %41%42 &amp; it''s\n  folded \\\n  on",
        "100% & a&b \\",
        "",
    };
    size_t i;
    char buf[256];
    json_t *v;
    json_t *r;

    (void)state;
    setup_secret();
    assert_int_equal(octo_redact_add("tok-abcdef-123"), 0);
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct octo_buf b = OCTO_BUF_INIT;

        octo_buf_puts(&b, texts[i]);
        octo_redact_buf(&b);
        assert_string_equal(octo_buf_cstr(&b), texts[i]);
        octo_buf_free(&b);
    }
    snprintf(buf, sizeof(buf), "x tok-abcdef-123 y tok%%2Dabcdef%%2D123 z \"tok-abcdef-123\"");
    octo_redact_inplace(buf, sizeof(buf));
    assert_string_equal(buf, "x *** y *** z \"***\"");
    v = json_pack("{s:s, s:s}", "echo", "%22tok-abcdef-123%22", "tok-abcdef-123", "key");
    r = octo_redact_json(v);
    octo_test_assert_json(r, "{\"echo\": \"%22***%22\", \"***\": \"key\"}");
    json_decref(r);
    json_decref(v);
    octo_redact_clear();
}

/* Layers whose order matters, and a server's Latin-1 reading: Python's
 * ascii() of the secret inside YAML single quotes ("it\''s": '' first,
 * then \'), and the Latin-1 mojibake of the secret ("Z\u00c3\u00bc") in a
 * YAML dump that folds it between two \x escapes. */
static void test_redact_layers_and_mojibake(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    struct octo_buf t = OCTO_BUF_INIT;
    json_t *v;
    octo_error err;
    size_t i;

    (void)state;
    setup_secret();
    memset(&err, 0, sizeof(err));
    py_ascii(SECRET, &t);
    v = json_pack("{s:s}", "k", octo_buf_cstr(&t));
    assert_int_equal(octo_yaml_dump(v, 0, &b, &err), OCTO_OK);
    assert_non_null(strstr(octo_buf_cstr(&b), "it\\''s"));
    check_gone("Python ascii() in YAML single quotes", octo_buf_cstr(&b));
    json_decref(v);
    /* mojibake: each UTF-8 byte of the secret read as a Latin-1 character */
    octo_buf_reset(&t);
    for (i = 0; SECRET[i] != '\0'; i++) {
        char u[4];

        octo_buf_append(&t, u, octo_utf8_encode((unsigned char)SECRET[i], u));
    }
    check_gone("Latin-1 mojibake", octo_buf_cstr(&t));
    v = json_pack("{s:s}", "you_sent", octo_buf_cstr(&t));
    octo_buf_reset(&b);
    assert_int_equal(octo_yaml_dump(v, 0, &b, &err), OCTO_OK);
    assert_non_null(strstr(octo_buf_cstr(&b), "\\xC3\\xBC"));
    check_gone("Latin-1 mojibake in YAML", octo_buf_cstr(&b));
    json_decref(v);
    octo_buf_free(&b);
    octo_buf_free(&t);
    octo_redact_clear();
}

/* Texts are decoded only when they hold some secret's anchor (its longest
 * run of letters, digits and "_.-"); a secret without one (too short)
 * makes every text decoded, so its escaped forms are still found. */
static void test_redact_secret_without_anchor(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    octo_redact_clear();
    assert_int_equal(octo_redact_add("anchored-token-77"), 0);
    /* the documented limit: the anchor itself came back escaped */
    octo_buf_puts(&b, "b=anchored%2Dtoken-77");
    octo_redact_buf(&b);
    assert_string_equal(octo_buf_cstr(&b), "b=anchored%2Dtoken-77");
    /* with an unanchored secret registered every text is decoded */
    assert_int_equal(octo_redact_add("\xc3\xa4\xe2\x82\xac!?#x"), 0); /* "ä€!?#x" */
    octo_buf_reset(&b);
    octo_buf_puts(&b, "{\"a\": \"\\u00e4\\u20ac!?#x\", \"b\": \"anchored%2Dtoken-77\"}");
    octo_redact_buf(&b);
    assert_string_equal(octo_buf_cstr(&b), "{\"a\": \"***\", \"b\": \"***\"}");
    octo_buf_free(&b);
    octo_redact_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact_exact_and_json_forms),
        cmocka_unit_test(test_redact_python_forms),
        cmocka_unit_test(test_redact_yaml_folded),
        cmocka_unit_test(test_redact_percent_and_html),
        cmocka_unit_test(test_redact_base64_forms),
        cmocka_unit_test(test_redact_leaves_other_text),
        cmocka_unit_test(test_redact_layers_and_mojibake),
        cmocka_unit_test(test_redact_secret_without_anchor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
