/* template_fuzz.c - libFuzzer target: compile and render arbitrary
 * templates with a small fixed context and an in-memory loader.
 *
 * Build: CC=clang cmake -S . -B BUILD -DOCTO_FUZZ=ON && cmake --build
 *        BUILD --target template_fuzz
 * Run:   BUILD/fuzz/template_fuzz -max_total_time=60 -max_len=4096 \
 *        -dict=fuzz/template.dict fuzz/corpus/template   (corpus dir optional)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "template.h"

/* the entry point libFuzzer calls (it has no header for it) */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const FILES[][2] = {
    {"a", "A{{ x }}{% block b %}[{{ n }}]{% endblock %}"},
    {"b", "{% extends 'a' %}{% block b %}<{{ super() }}>{% endblock %}"},
    {"m",
     "{% macro f(v, w=2) %}{{ v }}-{{ w }}{{ caller() if caller }}{% endmacro %}{% set k = 1 %}"},
    {"self", "{% include 'self' %}"},
};

static int load(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    size_t i;
    for (i = 0; i < sizeof(FILES) / sizeof(FILES[0]); i++) {
        if (strcmp(FILES[i][0], name) == 0) {
            return octo_tpl_compile(FILES[i][1], strlen(FILES[i][1]), name, ud, out, err);
        }
    }
    return OCTO_ENOENT;
}

static json_t *ctx;
static struct octo_tpl_env env;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct octo_tpl *t = NULL;
    octo_error err;
    struct octo_buf out = OCTO_BUF_INIT;
    if (ctx == NULL) {
        json_error_t je;
        ctx = json_loads("{\"x\": 1, \"s\": \"h\\u00e9llo\", \"n\": null, \"l\": [3, 1, 2], "
                         "\"d\": {\"a\": {\"b\": [1, 2.5, true]}, \"k\": \"v\"}, "
                         "\"u\": [{\"name\": \"a\", \"age\": 3}, {\"name\": \"B\", \"age\": 1}]}",
                         0, &je);
        env.load = load;
        env.ud = &env;
        env.max_output = 1u << 20;
        env.max_depth = 30;
        env.max_steps = 200000;
        env.max_memory = 256u << 20;
    }
    memset(&err, 0, sizeof(err));
    if (octo_tpl_compile((const char *)data, size, "fuzz", &env, &t, &err) == OCTO_OK) {
        octo_tpl_render(t, ctx, &out, &err);
        octo_tpl_unref(t);
    }
    octo_buf_free(&out);
    return 0;
}
