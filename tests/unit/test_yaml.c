/* test_yaml.c - the YAML loader (PyYAML safe_load semantics, marks, errors)
 * and spot checks of the dumper (the byte-for-byte comparison with PyYAML
 * over random values is tests/e2e/test_yaml_json_diff.py). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "yaml_io.h"

/* ---- helpers ------------------------------------------------------------ */

static json_t *load_ok(const char *text)
{
    json_t *v = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_yaml_load(text, strlen(text), "t.yml", &v, NULL, &err) != OCTO_OK) {
        fail_msg("load failed for %s: %s", text, err.msg);
    }
    assert_non_null(v);
    return v;
}

/* Load "k: <scalar>" and return the value of k (new reference). */
static json_t *scalar(const char *s)
{
    char doc[256];
    json_t *root;
    json_t *v;

    snprintf(doc, sizeof(doc), "k: %s\n", s);
    root = load_ok(doc);
    v = json_incref(json_object_get(root, "k"));
    json_decref(root);
    assert_non_null(v);
    return v;
}

/* The error message of a load that must fail. */
static void load_err(const char *text, char *msg, size_t cap)
{
    json_t *v = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_yaml_load(text, strlen(text), "t.yml", &v, NULL, &err) == OCTO_OK) {
        char *d = json_dumps(v, JSON_ENCODE_ANY);

        fail_msg("load should fail for %s, gave %s", text, d);
    }
    assert_int_equal(err.code, OCTO_EINVAL);
    assert_null(v);
    snprintf(msg, cap, "%s", err.msg);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL) {
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
    }
}

/* k: s gives the JSON value expected (exact type: 1 and 1.0 differ). */
static void check_scalar(const char *s, const char *expected_json)
{
    json_t *v = scalar(s);

    octo_test_assert_json(v, expected_json);
    json_decref(v);
}

static char *dump(json_t *v, unsigned flags)
{
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;
    char *s;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_dump(v, flags, &b, &err), 0);
    s = octo_buf_steal(&b, NULL);
    assert_non_null(s);
    return s;
}

static void check_dump(const char *json_text, unsigned flags, const char *expected)
{
    json_t *v = json_loads(json_text, JSON_DECODE_ANY, NULL);
    char *s;

    assert_non_null(v);
    s = dump(v, flags);
    assert_string_equal(s, expected);
    free(s);
    json_decref(v);
}

/* ---- scalars: the YAML 1.1 resolver --------------------------------------- */

static void test_booleans(void **state)
{
    (void)state;
    check_scalar("yes", "true");
    check_scalar("Yes", "true");
    check_scalar("YES", "true");
    check_scalar("on", "true");
    check_scalar("On", "true");
    check_scalar("ON", "true");
    check_scalar("true", "true");
    check_scalar("True", "true");
    check_scalar("TRUE", "true");
    check_scalar("no", "false");
    check_scalar("No", "false");
    check_scalar("off", "false");
    check_scalar("OFF", "false");
    check_scalar("false", "false");
    check_scalar("FALSE", "false");
    /* not booleans in YAML 1.1 as PyYAML implements it */
    check_scalar("y", "\"y\"");
    check_scalar("n", "\"n\"");
    check_scalar("yEs", "\"yEs\"");
    check_scalar("tRUE", "\"tRUE\"");
}

static void test_nulls(void **state)
{
    (void)state;
    check_scalar("~", "null");
    check_scalar("null", "null");
    check_scalar("Null", "null");
    check_scalar("NULL", "null");
    check_scalar("", "null");
    check_scalar("nULL", "\"nULL\"");
    check_scalar("none", "\"none\"");
    check_scalar("None", "\"None\"");
}

static void test_integers(void **state)
{
    (void)state;
    check_scalar("0", "0");
    check_scalar("-0", "0");
    check_scalar("+0", "0");
    check_scalar("12", "12");
    check_scalar("-12", "-12");
    check_scalar("+12", "12");
    check_scalar("012", "10"); /* YAML 1.1 octal */
    check_scalar("0755", "493");
    check_scalar("0o17", "\"0o17\""); /* YAML 1.2 octal is a string here */
    check_scalar("0x1F", "31");
    check_scalar("0xff", "255");
    check_scalar("-0x1f", "-31");
    check_scalar("0b101", "5");
    check_scalar("-0b11", "-3");
    check_scalar("1_000", "1000");
    check_scalar("0b1_0", "2");
    check_scalar("1:30", "90"); /* sexagesimal */
    check_scalar("-1:30", "-90");
    check_scalar("190:20:30", "685230");
    check_scalar("08", "\"08\""); /* not octal, not decimal */
    check_scalar("0x", "\"0x\"");
    check_scalar("1:60", "\"1:60\"");
    check_scalar("9223372036854775807", "9223372036854775807");
    check_scalar("-9223372036854775808", "-9223372036854775808");
    {
        /* beyond int64: the best JSON can do for Python's big int */
        json_t *v = scalar("18446744073709551616");

        assert_true(json_is_real(v));
        assert_true(json_real_value(v) == 18446744073709551616.0);
        json_decref(v);
    }
}

static void test_floats(void **state)
{
    (void)state;
    check_scalar("1.5", "1.5");
    check_scalar("-1.5", "-1.5");
    check_scalar("+1.5", "1.5");
    check_scalar(".5", "0.5");
    check_scalar("-.5", "\"-.5\""); /* PyYAML: a sign needs a digit before the dot */
    check_scalar("+.5", "\"+.5\"");
    check_scalar("5.", "5.0");
    check_scalar("1.0", "1.0");
    check_scalar("1_0.5", "10.5");
    check_scalar("1.0e+3", "1000.0");
    check_scalar("1.0E-3", "0.001");
    check_scalar("1:30.5", "90.5");
    /* PyYAML's float needs a dot and a signed exponent */
    check_scalar("1e3", "\"1e3\"");
    check_scalar("1E3", "\"1E3\"");
    check_scalar("1e+3", "\"1e+3\"");
    check_scalar("1.0e3", "\"1.0e3\"");
    check_scalar("1.2.3", "\"1.2.3\"");
    /* JSON has no inf/nan: the text is kept */
    check_scalar(".inf", "\".inf\"");
    check_scalar("-.Inf", "\"-.Inf\"");
    check_scalar(".NaN", "\".NaN\"");
    check_scalar("inf", "\"inf\"");
    check_scalar("nan", "\"nan\"");
}

static void test_strings_and_dates(void **state)
{
    (void)state;
    check_scalar("hello world", "\"hello world\"");
    check_scalar("a:b", "\"a:b\"");
    check_scalar("2024-01-01", "\"2024-01-01\""); /* dates keep their text */
    check_scalar("2001-12-14t21:59:43.10-05:00", "\"2001-12-14t21:59:43.10-05:00\"");
    check_scalar("2024-01-01 10:00:00", "\"2024-01-01 10:00:00\"");
    check_scalar("'123'", "\"123\"");
    check_scalar("\"yes\"", "\"yes\"");
    check_scalar("'~'", "\"~\"");
    check_scalar("''", "\"\"");
    check_scalar("'it''s'", "\"it's\"");
    check_scalar("\"tab\\there\"", "\"tab\\there\"");
    check_scalar("\"\\u00e9\\x41\\N\"", "\"\\u00e9A\\u0085\"");
    check_scalar("caf\xc3\xa9", "\"caf\\u00e9\"");
    check_scalar("a #comment", "\"a\"");
    check_scalar("a#b", "\"a#b\"");
    check_scalar("=", "\"=\"");
}

static void test_block_scalars(void **state)
{
    json_t *v;

    (void)state;
    v = load_ok("lit: |\n  line1\n   line2\n\n  line3\n"
                "strip: |-\n  a\n  b\n\n"
                "keep: |+\n  a\n\n\n"
                "fold: >\n  one\n  two\n\n  three\n  four\n"
                "foldstrip: >-\n  x\n  y\n"
                "indent: |2\n    four\n  two\n"
                "last: end\n");
    assert_string_equal(json_string_value(json_object_get(v, "lit")), "line1\n line2\n\nline3\n");
    assert_string_equal(json_string_value(json_object_get(v, "strip")), "a\nb");
    assert_string_equal(json_string_value(json_object_get(v, "keep")), "a\n\n\n");
    assert_string_equal(json_string_value(json_object_get(v, "fold")), "one two\nthree four\n");
    assert_string_equal(json_string_value(json_object_get(v, "foldstrip")), "x y");
    assert_string_equal(json_string_value(json_object_get(v, "indent")), "  four\ntwo\n");
    /* block scalars are strings even when they look like numbers */
    json_decref(v);
    v = load_ok("n: |-\n  123\nb: >-\n  yes\n");
    octo_test_assert_json(v, "{\"n\": \"123\", \"b\": \"yes\"}");
    json_decref(v);
}

static void test_structure_and_order(void **state)
{
    json_t *v;
    void *it;

    (void)state;
    v = load_ok("zeta: 1\nalpha:\n  - a\n  - {x: [1, 2], y: {}}\n  - []\nmid: null\n");
    octo_test_assert_json(
        v, "{\"zeta\": 1, \"alpha\": [\"a\", {\"x\": [1, 2], \"y\": {}}, []], \"mid\": null}");
    /* the file's key order is kept (Python dicts keep insertion order) */
    it = json_object_iter(v);
    assert_string_equal(json_object_iter_key(it), "zeta");
    it = json_object_iter_next(v, it);
    assert_string_equal(json_object_iter_key(it), "alpha");
    json_decref(v);

    /* duplicate keys: the last value wins, at the first key's place */
    v = load_ok("a: 1\nb: 2\na: 3\n");
    octo_test_assert_json(v, "{\"a\": 3, \"b\": 2}");
    assert_string_equal(json_object_iter_key(json_object_iter(v)), "a");
    json_decref(v);

    /* empty documents are null; CRLF and a BOM are fine */
    v = load_ok("");
    assert_true(json_is_null(v));
    json_decref(v);
    v = load_ok("# only a comment\n");
    assert_true(json_is_null(v));
    json_decref(v);
    v = load_ok("\xef\xbb\xbf"
                "a: 1\r\nb: [x, y]\r\n");
    octo_test_assert_json(v, "{\"a\": 1, \"b\": [\"x\", \"y\"]}");
    json_decref(v);
    v = load_ok("--- \nk: v\n...\n");
    octo_test_assert_json(v, "{\"k\": \"v\"}");
    json_decref(v);
    v = load_ok("- 1\n- two\n");
    octo_test_assert_json(v, "[1, \"two\"]");
    json_decref(v);
    v = load_ok("just text\n");
    octo_test_assert_json(v, "\"just text\"");
    json_decref(v);
}

static void test_non_string_keys(void **state)
{
    json_t *v;

    (void)state;
    /* keys become text the way json.dumps writes Python keys */
    v = load_ok("1: int\n1.5: float\n~: none\nyes: bool\nno: other\n0x10: hex\n2024-01-01: date\n");
    octo_test_assert_json(
        v, "{\"1\": \"int\", \"1.5\": \"float\", \"null\": \"none\", \"true\": \"bool\", "
           "\"false\": \"other\", \"16\": \"hex\", \"2024-01-01\": \"date\"}");
    json_decref(v);
    /* a step key written "on:" is the boolean true, as PyYAML reads it */
    v = load_ok("on: push\n");
    assert_non_null(json_object_get(v, "true"));
    json_decref(v);
}

static void test_tags(void **state)
{
    json_t *v;
    char msg[OCTO_ERROR_MSG_LEN];

    (void)state;
    v = load_ok("s: !!str 123\nb: !!str yes\ni: !!int \"42\"\nf: !!float 1\nt: !!bool yes\n"
                "n: !!null ''\nx: ! 12\nlong: !<tag:yaml.org,2002:str> 7\n"
                "m: !!map {a: 1}\nq: !!seq [1]\nbin: !!binary aGk=\n");
    octo_test_assert_json(
        v, "{\"s\": \"123\", \"b\": \"yes\", \"i\": 42, \"f\": 1.0, \"t\": true, "
           "\"n\": null, \"x\": \"12\", \"long\": \"7\", \"m\": {\"a\": 1}, \"q\": [1], "
           "\"bin\": \"aGk=\"}");
    json_decref(v);

    /* unknown and Python tags are refused, as safe_load refuses them */
    load_err("a: !foo bar\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:1:4: ");
    assert_contains(msg, "could not determine a constructor for the tag '!foo'");
    load_err("a: !!python/object:os.system {}\n", msg, sizeof(msg));
    assert_contains(msg, "tag:yaml.org,2002:python/object:os.system");
    load_err("a: !!python/name:os.system ''\n", msg, sizeof(msg));
    assert_contains(msg, "could not determine a constructor");
    load_err("- !custom [1]\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:1:3: could not determine a constructor for the tag '!custom'");
    /* a standard tag on a value it cannot take */
    load_err("a: !!int abc\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:1:4: invalid value for tag !!int: 'abc'");
}

static void test_anchors_and_aliases(void **state)
{
    json_t *v;
    char msg[OCTO_ERROR_MSG_LEN];

    (void)state;
    v = load_ok("base: &b {x: 1, y: [a, b]}\nname: &n hello\ncopy: *b\nlist: [*n, *n, *b]\n");
    octo_test_assert_json(v,
                          "{\"base\": {\"x\": 1, \"y\": [\"a\", \"b\"]}, \"name\": \"hello\", "
                          "\"copy\": {\"x\": 1, \"y\": [\"a\", \"b\"]}, "
                          "\"list\": [\"hello\", \"hello\", {\"x\": 1, \"y\": [\"a\", \"b\"]}]}");
    json_decref(v);

    /* an anchor may be redefined: later aliases see the new value */
    v = load_ok("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
    octo_test_assert_json(v, "{\"a\": 1, \"b\": 1, \"c\": 2, \"d\": 2}");
    json_decref(v);

    load_err("a: *nope\n", msg, sizeof(msg));
    assert_string_equal(msg, "t.yml:1:4: found undefined alias 'nope'");
    load_err("a: &r [1, *r]\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:1:11: ");
    assert_contains(msg, "recursive alias 'r'");
}

static void test_merge_keys(void **state)
{
    json_t *v;
    void *it;
    char msg[OCTO_ERROR_MSG_LEN];

    (void)state;
    /* one source; explicit keys win whatever their position */
    v = load_ok("base: &b {x: 1, y: 2}\n"
                "m:\n  y: 20\n  <<: *b\n  z: 3\n");
    octo_test_assert_json(json_object_get(v, "m"), "{\"x\": 1, \"y\": 20, \"z\": 3}");
    /* merged keys come first, in the source's order (as PyYAML builds it) */
    it = json_object_iter(json_object_get(v, "m"));
    assert_string_equal(json_object_iter_key(it), "x");
    json_decref(v);

    /* a list of sources: earlier sources win over later ones */
    v = load_ok("a: &a {k: from_a, only_a: 1}\n"
                "b: &b {k: from_b, only_b: 2}\n"
                "m:\n  <<: [*a, *b]\n  own: 0\n");
    octo_test_assert_json(json_object_get(v, "m"),
                          "{\"k\": \"from_a\", \"only_a\": 1, \"only_b\": 2, \"own\": 0}");
    json_decref(v);

    /* two "<<" keys in one mapping: the later wins (PyYAML's flatten order);
     * regression test for a core fix */
    v = load_ok("a: &a {k: from_a, x: 1}\nb: &b {k: from_b, y: 2}\n"
                "m:\n  <<: *a\n  <<: *b\n");
    octo_test_assert_json(json_object_get(v, "m"), "{\"k\": \"from_b\", \"x\": 1, \"y\": 2}");
    it = json_object_iter(json_object_get(v, "m"));
    assert_string_equal(json_object_iter_key(it), "k");
    json_decref(v);
    /* in a list, the keys of the last source come first (as PyYAML orders them) */
    v = load_ok("a: &a {k: 1, x: 1}\nb: &b {k: 2, y: 2}\nm:\n  <<: [*a, *b]\n");
    it = json_object_iter(json_object_get(v, "m"));
    assert_string_equal(json_object_iter_key(it), "k");
    it = json_object_iter_next(json_object_get(v, "m"), it);
    assert_string_equal(json_object_iter_key(it), "y");
    json_decref(v);

    /* an inline mapping as the source, and a nested merge */
    v = load_ok("a: &a {p: 1}\nb: &b {<<: *a, q: 2}\nc: {<<: *b, r: 3}\nd: {<<: {s: 4}}\n");
    octo_test_assert_json(json_object_get(v, "c"), "{\"p\": 1, \"q\": 2, \"r\": 3}");
    octo_test_assert_json(json_object_get(v, "d"), "{\"s\": 4}");
    json_decref(v);

    /* the source is not modified by the merge */
    v = load_ok("a: &a {k: 1}\nb:\n  <<: *a\n  k: 2\nc: *a\n");
    octo_test_assert_json(v, "{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}, \"c\": {\"k\": 1}}");
    json_decref(v);

    /* "<<" quoted is an ordinary key */
    v = load_ok("'<<': {a: 1}\n");
    octo_test_assert_json(v, "{\"<<\": {\"a\": 1}}");
    json_decref(v);

    load_err("m:\n  <<: 5\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:2:7: ");
    assert_contains(msg, "expected a mapping or list of mappings for merging, but found a scalar");
    load_err("m:\n  <<: [{a: 1}, 2]\n", msg, sizeof(msg));
    assert_contains(msg, "expected a mapping for merging, but found a scalar");
    load_err("m:\n  <<: [[1]]\n", msg, sizeof(msg));
    assert_contains(msg, "expected a mapping for merging, but found a sequence");
}

/* Duplicate keys: an error naming both lines when loaded with marks
 * (flows, config.yml); PyYAML's last-wins for data files (no marks). */
static void test_duplicate_keys(void **state)
{
    const char *text = "name: a\nsteps:\n  - x: 1\n    y: 2\n    x: 3\n";
    json_t *v = NULL;
    json_t *marks = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_load(text, strlen(text), "d.yml", &v, &marks, &err), OCTO_EINVAL);
    assert_null(v);
    assert_string_equal(err.msg, "d.yml:5:5: duplicate key \"x\": it is also at line 3 (YAML would "
                                 "keep the last one silently; remove one of them)\n"
                                 "        x: 3\n        ^");
    /* without marks (data files): PyYAML's rule, the last one wins */
    v = load_ok(text);
    octo_test_assert_json(v, "{\"name\": \"a\", \"steps\": [{\"x\": 3, \"y\": 2}]}");
    json_decref(v);
    /* the same key in two mappings, and a merge key overridden, are fine */
    text = "a: {x: 1}\nb: {x: 2}\nbase: &b {k: 1}\nc:\n  <<: *b\n  k: 2\n";
    assert_int_equal(octo_yaml_load(text, strlen(text), "d.yml", &v, &marks, &err), OCTO_OK);
    octo_test_assert_json(json_object_get(v, "c"), "{\"k\": 2}");
    json_decref(v);
    json_decref(marks);
    /* with marks (the project's files) the source line is quoted with a
     * caret under the column; a tab-indented line keeps its tab */
    text = "a: *nope\n";
    assert_int_equal(octo_yaml_load(text, strlen(text), "t.yml", &v, &marks, &err), OCTO_EINVAL);
    assert_string_equal(err.msg, "t.yml:1:4: found undefined alias 'nope'\n    a: *nope\n       ^");
    text = "a:\n\t- [x\n";
    assert_int_equal(octo_yaml_load(text, strlen(text), "t.yml", &v, &marks, &err), OCTO_EINVAL);
    assert_non_null(strstr(err.msg, ":2:1: found character that cannot start any token"));
    assert_non_null(strstr(err.msg, "\n    \t- [x\n    ^"));
    /* the quoted line stays valid UTF-8 (messages become JSON strings):
     * bytes that are no character, and control characters, show as '?' */
    text = "nam\xff\xffr\xe2\x95\x8e\x9b\xf5\x8c\x8b\x9a\xed\xa0\x80: 1\nx: *y\x01\xc3\xa9\n";
    assert_int_equal(octo_yaml_load(text, strlen(text), "t.yml", &v, &marks, &err), OCTO_EINVAL);
    v = json_string(err.msg);
    assert_non_null(v);
    json_decref(v);
    v = NULL;
    /* without marks (data files) no line is quoted: it may hold anything */
    load_err("a: *nope\n", err.msg, sizeof(err.msg));
    assert_string_equal(err.msg, "t.yml:1:4: found undefined alias 'nope'");
}

static void test_refusals(void **state)
{
    char msg[OCTO_ERROR_MSG_LEN];

    (void)state;
    load_err("a: 1\n---\nb: 2\n", msg, sizeof(msg));
    assert_string_equal(msg, "t.yml:2:1: expected a single document in the stream, but found "
                             "another document");
    load_err("---\na: 1\n--- \nb: 2\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:3:1: expected a single document");

    /* complex keys cannot be JSON keys */
    load_err("? [a, b]\n: 1\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:1:3: ");
    assert_contains(msg, "unhashable key");
    load_err("{a: 1}: x\n", msg, sizeof(msg));
    assert_contains(msg, "unhashable key");

    /* syntax errors name line and column */
    load_err("a: [1, 2\nb: 3\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:2:");
    assert_contains(msg, "flow sequence");
    load_err("a: 1\n b: 2\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:2:3: mapping values are not allowed in this context");
    load_err("a:\n\t- 1\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:2:1: found character that cannot start any token");
    load_err("key: \"unterminated\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:2:1: found unexpected end of stream");
    load_err("a: \xff\xfe\n", msg, sizeof(msg));
    assert_contains(msg, "t.yml:");
    assert_contains(msg, "invalid");
}

static void test_depth_limit(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;
    char msg[OCTO_ERROR_MSG_LEN];
    json_t *v;
    int i;

    (void)state;
    for (i = 0; i < 600; i++) {
        octo_buf_putc(&b, '[');
    }
    for (i = 0; i < 600; i++) {
        octo_buf_putc(&b, ']');
    }
    load_err(octo_buf_cstr(&b), msg, sizeof(msg));
    assert_contains(msg, "document nests deeper than 512 levels");
    octo_buf_reset(&b);
    for (i = 0; i < 500; i++) {
        octo_buf_putc(&b, '[');
    }
    for (i = 0; i < 500; i++) {
        octo_buf_putc(&b, ']');
    }
    v = load_ok(octo_buf_cstr(&b));
    assert_true(json_is_array(v));
    json_decref(v);
    octo_buf_free(&b);
}

static void test_alias_bomb(void **state)
{
    /* "billion laughs": 10 levels of 10 aliases each would be 10^10 nodes */
    static const char *bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                              "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                              "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                              "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                              "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                              "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                              "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                              "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    char msg[OCTO_ERROR_MSG_LEN];
    json_t *v;

    (void)state;
    load_err(bomb, msg, sizeof(msg));
    assert_contains(msg, "t.yml:");
    assert_contains(msg, "aliases expand to more than 1000000 nodes");
    /* a document with many (small) aliases under the cap still loads */
    v = load_ok("a: &a [1, 2, 3]\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n");
    assert_int_equal(json_array_size(json_object_get(v, "b")), 8);
    json_decref(v);
}

static void test_marks(void **state)
{
    static const char *text = "name: demo\n"         /* 1 */
                              "steps:\n"             /* 2 */
                              "- name: one\n"        /* 3 */
                              "  type: rest\n"       /* 4 */
                              "  rest:\n"            /* 5 */
                              "    uri: http://x\n"  /* 6 */
                              "    headers:\n"       /* 7 */
                              "      Accept: json\n" /* 8 */
                              "- name: two\n"        /* 9 */
                              "  list:\n"            /* 10 */
                              "  - a\n"              /* 11 */
                              "  - [b, c]\n"         /* 12 */
                              "  when: [x,\n"        /* 13 */
                              "    y]\n";            /* 14 */
    json_t *v = NULL;
    json_t *marks = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_load(text, strlen(text), "f.yml", &v, &marks, &err), OCTO_OK);
    assert_non_null(marks);
    assert_int_equal(octo_yaml_line(marks, ""), 1);
    assert_int_equal(octo_yaml_line(marks, "name"), 1);
    assert_int_equal(octo_yaml_line(marks, "steps"), 3);
    assert_int_equal(octo_yaml_line(marks, "steps[0]"), 3);
    assert_int_equal(octo_yaml_line(marks, "steps[0].type"), 4);
    assert_int_equal(octo_yaml_line(marks, "steps[0].rest"), 6);
    assert_int_equal(octo_yaml_line(marks, "steps[0].rest.uri"), 6);
    assert_int_equal(octo_yaml_line(marks, "steps[0].rest.headers.Accept"), 8);
    assert_int_equal(octo_yaml_line(marks, "steps[1]"), 9);
    assert_int_equal(octo_yaml_line(marks, "steps[1].list[0]"), 11);
    assert_int_equal(octo_yaml_line(marks, "steps[1].list[1]"), 12);
    assert_int_equal(octo_yaml_line(marks, "steps[1].list[1][1]"), 12);
    assert_int_equal(octo_yaml_line(marks, "steps[1].when[1]"), 14);
    /* unknown paths fall back to their nearest known parent */
    assert_int_equal(octo_yaml_line(marks, "steps[0].rest.nothere"), 6);
    assert_int_equal(octo_yaml_line(marks, "steps[1].list"), 11); /* the first "-" */
    assert_int_equal(octo_yaml_line(marks, "steps[1].list[7]"), 11);
    assert_int_equal(octo_yaml_line(marks, "steps[5].x"), 3);
    assert_int_equal(octo_yaml_line(NULL, "steps"), 0);
    json_decref(v);
    json_decref(marks);

    /* marks through anchors, aliases and merges */
    {
        static const char *t2 = "b: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\nc: *b\n";

        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_yaml_load(t2, strlen(t2), "g.yml", &v, &marks, &err), OCTO_OK);
        assert_int_equal(octo_yaml_line(marks, "b.x"), 2);
        assert_int_equal(octo_yaml_line(marks, "m.y"), 5);
        assert_int_equal(octo_yaml_line(marks, "c"), 6);
        json_decref(v);
        json_decref(marks);
    }
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/octo-yaml-XXXXXX";
    int fd = mkstemp(path);
    json_t *v = NULL;
    octo_error err;
    FILE *fp;

    (void)state;
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    fputs("a: [1, yes]\n", fp);
    fclose(fp);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_load_file(path, "x.yml", &v, NULL, &err), OCTO_OK);
    octo_test_assert_json(v, "{\"a\": [1, true]}");
    json_decref(v);
    unlink(path);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_load_file(path, "x.yml", &v, NULL, &err), OCTO_ENOENT);
    assert_null(v);
    assert_contains(err.msg, "x.yml: No such file or directory");
}

static void test_resolve_plain(void **state)
{
    (void)state;
    assert_string_equal(octo_yaml_resolve_plain("yes", 3), "bool");
    assert_string_equal(octo_yaml_resolve_plain("~", 1), "null");
    assert_string_equal(octo_yaml_resolve_plain("", 0), "null");
    assert_string_equal(octo_yaml_resolve_plain("0x1f", 4), "int");
    assert_string_equal(octo_yaml_resolve_plain("1:30", 4), "int");
    assert_string_equal(octo_yaml_resolve_plain("1.5", 3), "float");
    assert_string_equal(octo_yaml_resolve_plain(".inf", 4), "float");
    assert_string_equal(octo_yaml_resolve_plain("1e3", 3), "str");
    assert_string_equal(octo_yaml_resolve_plain("2024-01-01", 10), "timestamp");
    assert_string_equal(octo_yaml_resolve_plain("<<", 2), "merge");
    assert_string_equal(octo_yaml_resolve_plain("=", 1), "value");
    assert_string_equal(octo_yaml_resolve_plain("hello", 5), "str");
    /* the length is honoured (text need not be NUL-terminated) */
    assert_string_equal(octo_yaml_resolve_plain("12abc", 2), "int");
}

/* ---- dumper --------------------------------------------------------------- */

static void test_dump_basics(void **state)
{
    (void)state;
    /* expected texts are PyYAML 6.0's yaml.dump(v, default_flow_style=False) */
    check_dump("{\"b\": 1, \"a\": [1, \"yes\", null, 1.5, true, \"x y\", \"\"]}", 0,
               "a:\n- 1\n- 'yes'\n- null\n- 1.5\n- true\n- x y\n- ''\nb: 1\n");
    check_dump("\"abc\"", 0, "abc\n...\n");
    check_dump("\"yes\"", 0, "'yes'\n");
    check_dump("null", 0, "null\n...\n");
    check_dump("12", 0, "12\n...\n");
    check_dump("{}", 0, "{}\n");
    check_dump("[]", 0, "[]\n");
    check_dump("{\"multi\": \"line1\\nline2\", \"lead\": \" x\", \"colon\": \"a: b\", "
               "\"hash\": \"a #b\", \"num\": \"012\", \"date\": \"2024-01-01\", \"tilde\": \"~\"}",
               0,
               "colon: 'a: b'\ndate: '2024-01-01'\nhash: 'a #b'\nlead: ' x'\n"
               "multi: 'line1\n\n  line2'\nnum: '012'\ntilde: '~'\n");
    check_dump("[1e16, 1e-5, 0.1, -0.0, 1.0, 12345678901234567890.0]", 0,
               "- 1.0e+16\n- 1.0e-05\n- 0.1\n- -0.0\n- 1.0\n- 1.2345678901234567e+19\n");
    check_dump("{\"k\": \"caf\\u00e9\"}", 0, "k: \"caf\\xE9\"\n");
}

static void test_dump_flags(void **state)
{
    (void)state;
    check_dump("{\"k\": \"caf\\u00e9\"}", OCTO_YAML_UNICODE, "k: caf\xc3\xa9\n");
    check_dump("{\"z\": 1, \"a\": 2}", OCTO_YAML_NO_SORT, "z: 1\na: 2\n");
    check_dump("{\"z\": 1, \"a\": 2}", 0, "a: 2\nz: 1\n");
    check_dump("{\"a\": {\"b\": [1, {\"c\": 2}]}}", OCTO_YAML_INDENT(4),
               "a:\n    b:\n    - 1\n    -   c: 2\n");
    check_dump("{\"a\": [1, 2], \"b\": {\"c\": 1}, \"d\": [[1]]}", OCTO_YAML_FLOW_LEAVES,
               "a: [1, 2]\nb: {c: 1}\nd:\n- [1]\n");
}

static void test_dump_round_trip(void **state)
{
    static const char *doc =
        "{\"s\": [\"yes\", \"No\", \"~\", \"null\", \"0x1F\", \"1:30\", "
        "\"1.0e+3\", \"1e3\", \"2024-01-01\", \" pad \", \"a: b\", \"#x\", "
        "\"it's\", \"\\\"q\\\"\", \"l1\\nl2\\n\", \"\\t\", \"\\u00e9\\u65e5\", "
        "\"<<\", \"=\", \"-\", \"---\", \"\"], \"n\": [0, -7, 1.5, 1e300, "
        "true, false, null], \"yes\": {\"1\": {}}}";
    json_t *v = json_loads(doc, 0, NULL);
    json_t *back = NULL;
    octo_error err;
    char *s;

    (void)state;
    assert_non_null(v);
    s = dump(v, 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_load(s, strlen(s), "dump", &back, NULL, &err), OCTO_OK);
    assert_true(json_equal(v, back));
    json_decref(back);
    free(s);
    s = dump(v, OCTO_YAML_UNICODE | OCTO_YAML_FLOW_LEAVES);
    assert_int_equal(octo_yaml_load(s, strlen(s), "dump", &back, NULL, &err), OCTO_OK);
    assert_true(json_equal(v, back));
    json_decref(back);
    free(s);
    json_decref(v);
}

/* Corners where PyYAML's emitter differs from libyaml's (the first
 * implementation used libyaml's; regression tests for the core fix).
 * Expected texts are PyYAML 6.0's. */
static void check_dump_value(json_t *v, unsigned flags, const char *expected)
{
    char *s = dump(v, flags);

    assert_string_equal(s, expected);
    free(s);
    json_decref(v);
}

static char *repeat(const char *unit, int n)
{
    struct octo_buf b = OCTO_BUF_INIT;
    int i;

    for (i = 0; i < n; i++) {
        octo_buf_puts(&b, unit);
    }
    return octo_buf_steal(&b, NULL);
}

static void test_dump_pyyaml_corners(void **state)
{
    char *k;
    char *exp;
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    /* an empty key is not a simple key */
    check_dump_value(json_pack("{s:i}", "", 1), 0, "? ''\n: 1\n");
    /* a simple key: characters + 5 (its "!!str" tag) under 128 */
    k = repeat("a", 122);
    octo_buf_printf(&b, "%s: 1\n", k);
    check_dump_value(json_pack("{s:i}", k, 1), 0, octo_buf_cstr(&b));
    free(k);
    octo_buf_reset(&b);
    k = repeat("a", 123);
    octo_buf_printf(&b, "? %s\n: 1\n", k);
    check_dump_value(json_pack("{s:i}", k, 1), 0, octo_buf_cstr(&b));
    free(k);
    octo_buf_reset(&b);
    /* ... counted in characters, not bytes */
    k = repeat("\xc3\xa9", 100);
    octo_buf_printf(&b, "%s: 1\n", k);
    check_dump_value(json_pack("{s:i}", k, 1), OCTO_YAML_UNICODE, octo_buf_cstr(&b));
    free(k);
    octo_buf_reset(&b);
    /* "\r" is not a line break for PyYAML's analysis */
    check_dump_value(json_pack("{s:i}", "cr\rx", 1), 0, "\"cr\\rx\": 1\n");
    /* long double-quoted scalars break with an escaped line break */
    k = repeat("caf\xc3\xa9 ", 20);
    exp = repeat("caf\\xE9 ", 9);
    octo_buf_printf(&b, "x: \"%scaf\\xE9\\\n  \\ %scaf\\xE9\\\n  \\ \"\n", exp, exp);
    check_dump_value(json_pack("{s:s}", "x", k), 0, octo_buf_cstr(&b));
    free(k);
    free(exp);
    octo_buf_reset(&b);
    /* ... also right after an escape sequence */
    k = repeat("\xc3\xa9", 30);
    exp = repeat("\\xE9", 20);
    {
        char *rest = repeat("\\xE9", 10);

        octo_buf_printf(&b, "x: \"%s\\\n  %s\"\n", exp, rest);
        free(rest);
    }
    check_dump_value(json_pack("{s:s}", "x", k), 0, octo_buf_cstr(&b));
    free(k);
    free(exp);
    octo_buf_reset(&b);
    /* allow_unicode still escapes characters beyond the BMP when quoting */
    check_dump_value(json_pack("{s:s}", "k", "tab\there \xf0\x9f\x98\x80 caf\xc3\xa9"),
                     OCTO_YAML_UNICODE, "k: \"tab\\there \\U0001F600 caf\xc3\xa9\"\n");
    octo_buf_free(&b);
}

static void test_dump_too_deep(void **state)
{
    json_t *root = json_array();
    json_t *cur = root;
    struct octo_buf b = OCTO_BUF_INIT;
    octo_error err;
    int i;

    (void)state;
    for (i = 0; i < 1100; i++) {
        json_t *n = json_array();

        json_array_append_new(cur, n);
        cur = n;
    }
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_yaml_dump(root, 0, &b, &err), -1);
    assert_int_equal(err.code, OCTO_EINTERNAL);
    assert_string_equal(err.msg, "YAML output failed: value nests too deeply");
    octo_buf_free(&b);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_strings_and_dates),
        cmocka_unit_test(test_block_scalars),
        cmocka_unit_test(test_structure_and_order),
        cmocka_unit_test(test_non_string_keys),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_anchors_and_aliases),
        cmocka_unit_test(test_merge_keys),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_resolve_plain),
        cmocka_unit_test(test_dump_basics),
        cmocka_unit_test(test_dump_flags),
        cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_dump_pyyaml_corners),
        cmocka_unit_test(test_dump_too_deep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
