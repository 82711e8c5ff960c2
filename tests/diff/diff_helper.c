/* diff_helper.c - run the core's Python-compatible emitters and the YAML
 * loader on values sent by tests/e2e/test_yaml_json_diff.py, which
 * compares the results with what /usr/bin/python3 (PyYAML 6.0, json)
 * produces for the same values.
 *
 *   octo_diff_helper MODE < records > records
 *
 * A record is "<decimal length>\n<bytes>". Every input record gives one
 * output record. Modes:
 *   yaml       input JSON text -> yaml.dump(v, default_flow_style=False)
 *   yaml-u     input JSON text -> yaml.dump(v, default_flow_style=False,
 *              allow_unicode=True)
 *   yaml-flow  input JSON text -> yaml.dump(v, default_flow_style=None)
 *   yaml-i4    input JSON text -> yaml.dump(v, default_flow_style=False, indent=4)
 *   yaml-nosort input JSON text -> yaml.dump(v, default_flow_style=False,
 *              sort_keys=False)
 *   json       input JSON text -> json.dumps(v)
 *   json-sort  input JSON text -> json.dumps(v, sort_keys=True, indent=2,
 *              ensure_ascii=False)
 *   repr       input JSON text -> repr(v)
 *   str        input JSON text -> str(v)
 *   float      input: a float as C99 hex text ("0x1.8p+1") -> repr(float)
 *   load       input: YAML text -> "OK " + json.dumps(value) (sorted keys
 *              not applied: key order is kept) or "ERR " + message
 * Input JSON is read with jansson (integers stay integers, reals reals).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "pyfmt.h"
#include "pyjson.h"
#include "yaml_io.h"

static char *read_record(size_t *len)
{
    char line[64];
    char *buf;

    if (fgets(line, sizeof(line), stdin) == NULL) {
        return NULL;
    }
    *len = (size_t)strtoull(line, NULL, 10);
    buf = malloc(*len + 1);
    if (buf == NULL || fread(buf, 1, *len, stdin) != *len) {
        fprintf(stderr, "diff_helper: short record\n");
        exit(2);
    }
    buf[*len] = '\0';
    return buf;
}

static void write_record(const char *s, size_t len)
{
    printf("%zu\n", len);
    fwrite(s, 1, len, stdout);
}

static json_t *parse(const char *text, size_t len)
{
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

    if (v == NULL) {
        fprintf(stderr, "diff_helper: bad JSON input: %s\n", je.text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *mode;
    char *in;
    size_t len;

    if (argc != 2) {
        fprintf(
            stderr,
            "usage: octo_diff_helper yaml|yaml-u|yaml-flow|yaml-i4|yaml-nosort|json|json-sort|repr|"
            "str|float|load\n");
        return 2;
    }
    mode = argv[1];
    while ((in = read_record(&len)) != NULL) {
        struct octo_buf out = OCTO_BUF_INIT;
        octo_error err;
        json_t *v = NULL;

        memset(&err, 0, sizeof(err));
        if (strncmp(mode, "yaml", 4) == 0) {
            unsigned flags = strcmp(mode, "yaml-u") == 0        ? OCTO_YAML_UNICODE
                             : strcmp(mode, "yaml-flow") == 0   ? OCTO_YAML_FLOW_LEAVES
                             : strcmp(mode, "yaml-i4") == 0     ? OCTO_YAML_INDENT(4)
                             : strcmp(mode, "yaml-nosort") == 0 ? OCTO_YAML_NO_SORT
                                                                : 0;

            v = parse(in, len);
            if (octo_yaml_dump(v, flags, &out, &err) != 0) {
                octo_buf_reset(&out);
                octo_buf_printf(&out, "ERR %s", err.msg);
            }
        } else if (strcmp(mode, "json") == 0) {
            v = parse(in, len);
            octo_pyjson_dump(v, 0, &out);
        } else if (strcmp(mode, "json-sort") == 0) {
            v = parse(in, len);
            octo_pyjson_dump(v, OCTO_JSON_SORT_KEYS | OCTO_JSON_UNICODE | OCTO_JSON_INDENT(2),
                             &out);
        } else if (strcmp(mode, "repr") == 0) {
            v = parse(in, len);
            octo_py_value_repr(v, &out);
        } else if (strcmp(mode, "str") == 0) {
            v = parse(in, len);
            octo_py_value_str(v, &out);
        } else if (strcmp(mode, "float") == 0) {
            char num[OCTO_PY_FLOAT_BUF];

            octo_buf_append(&out, num, octo_py_float_repr(strtod(in, NULL), num));
        } else if (strcmp(mode, "load") == 0) {
            if (octo_yaml_load(in, len, "doc", &v, NULL, &err) == OCTO_OK) {
                octo_buf_puts(&out, "OK ");
                octo_pyjson_dump(v, 0, &out);
            } else {
                octo_buf_printf(&out, "ERR %s", err.msg);
            }
        } else {
            fprintf(stderr, "diff_helper: unknown mode %s\n", mode);
            return 2;
        }
        write_record(octo_buf_cstr(&out), out.len);
        octo_buf_free(&out);
        json_decref(v);
        free(in);
    }
    return 0;
}
