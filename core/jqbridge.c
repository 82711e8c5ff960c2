/* jqbridge.c - jq programs with a per-program pool of jq_states (see
 * jqbridge.h).
 *
 * jq_init/jq_compile run under one global mutex: compilation is rare (flow
 * load, or a new concurrent user) and libjq 1.6's compiler has process-wide
 * state we do not want to race. Runs need no global lock: each borrows a
 * jq_state that no other thread touches meanwhile.
 */
#include "jqbridge.h"

#include <jq.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"

#define MAX_DEPTH 1000

struct octo_jq_prog {
    char *source;
    char *wrapped;
    pthread_mutex_t mu;
    jq_state **idle;
    size_t nidle;
    size_t cap;
};

static pthread_mutex_t g_compile_mu = PTHREAD_MUTEX_INITIALIZER;

struct errcap {
    struct octo_buf text;
};

static void error_cb(void *data, jv msg)
{
    struct errcap *ec = data;

    if (jv_get_kind(msg) == JV_KIND_STRING) {
        const char *s = jv_string_value(msg);

        if (strncmp(s, "jq: error: ", 11) == 0) {
            s += 11;
        }
        if (strstr(s, "compile error") == NULL || ec->text.len == 0) {
            if (ec->text.len > 0) {
                octo_buf_puts(&ec->text, "; ");
            }
            octo_buf_puts(&ec->text, s);
        }
    }
    jv_free(msg);
}

/* `input`/`inputs` read nothing: a step's program has only its input. */
static jv no_input(jq_state *jq, void *data)
{
    (void)jq;
    (void)data;
    return jv_invalid_with_msg(jv_string("No more inputs"));
}

static jq_state *new_state(const char *wrapped, const char *source, octo_error *err)
{
    struct errcap ec;
    jq_state *jq;
    int ok;

    memset(&ec, 0, sizeof(ec));
    pthread_mutex_lock(&g_compile_mu);
    jq = jq_init();
    if (jq == NULL) {
        pthread_mutex_unlock(&g_compile_mu);
        octo_error_set(err, OCTO_ENOMEM, NULL, "jq_init failed");
        return NULL;
    }
    jq_set_error_cb(jq, error_cb, &ec);
    ok = jq_compile(jq, wrapped);
    jq_set_error_cb(jq, NULL, NULL);
    jq_set_input_cb(jq, no_input, NULL);
    pthread_mutex_unlock(&g_compile_mu);
    if (!ok) {
        const char *m = octo_buf_cstr(&ec.text);
        char clean[OCTO_ERROR_MSG_LEN];
        size_t i;
        size_t n = 0;

        /* drop the "<top-level>, line 1:" tail and the wrapper text */
        for (i = 0; m[i] != '\0' && n + 1 < sizeof(clean); i++) {
            if (strncmp(m + i, " at <top-level>", 15) == 0) {
                break;
            }
            clean[n++] = m[i];
        }
        clean[n] = '\0';
        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" does not compile: %s", source,
                       n > 0 ? clean : "syntax error");
        octo_buf_free(&ec.text);
        jq_teardown(&jq);
        return NULL;
    }
    octo_buf_free(&ec.text);
    return jq;
}

int octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err)
{
    struct octo_jq_prog *p;
    struct octo_buf w = OCTO_BUF_INIT;
    jq_state *jq;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    octo_buf_printf(&w,
                    "def env: {}; def stderr: .; def input_filename: null; "
                    "def get_search_list: []; {} as $ENV | (%s\n)",
                    program);
    p->source = strdup(program);
    p->wrapped = octo_buf_steal(&w, NULL);
    pthread_mutex_init(&p->mu, NULL);
    if (p->source == NULL || p->wrapped == NULL) {
        octo_jq_release(p);
        return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    jq = new_state(p->wrapped, program, err);
    if (jq == NULL) {
        octo_jq_release(p);
        return err->code;
    }
    p->idle = malloc(4 * sizeof(*p->idle));
    if (p->idle == NULL) {
        jq_teardown(&jq);
        octo_jq_release(p);
        return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    p->cap = 4;
    p->idle[p->nidle++] = jq;
    *out = p;
    return OCTO_OK;
}

void octo_jq_release(struct octo_jq_prog *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    for (i = 0; i < p->nidle; i++) {
        jq_teardown(&p->idle[i]);
    }
    free(p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p->source);
    free(p->wrapped);
    free(p);
}

const char *octo_jq_source(const struct octo_jq_prog *p)
{
    return p->source;
}

static jq_state *borrow(struct octo_jq_prog *p, octo_error *err)
{
    jq_state *jq = NULL;

    pthread_mutex_lock(&p->mu);
    if (p->nidle > 0) {
        jq = p->idle[--p->nidle];
    }
    pthread_mutex_unlock(&p->mu);
    if (jq == NULL) {
        jq = new_state(p->wrapped, p->source, err);
    }
    return jq;
}

static void give_back(struct octo_jq_prog *p, jq_state *jq)
{
    pthread_mutex_lock(&p->mu);
    if (p->nidle == p->cap) {
        jq_state **n = realloc(p->idle, p->cap * 2 * sizeof(*n));

        if (n == NULL) {
            pthread_mutex_unlock(&p->mu);
            jq_teardown(&jq);
            return;
        }
        p->idle = n;
        p->cap *= 2;
    }
    p->idle[p->nidle++] = jq;
    pthread_mutex_unlock(&p->mu);
}

static jv to_jv(json_t *v, int depth)
{
    jv out;
    size_t i;
    const char *k;
    json_t *item;

    if (depth > MAX_DEPTH) {
        return jv_invalid_with_msg(jv_string("input nests too deeply"));
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        out = jv_object();
        json_object_foreach(v, k, item) {
            jv iv = to_jv(item, depth + 1);

            if (!jv_is_valid(iv)) {
                jv_free(out);
                return iv;
            }
            out = jv_object_set(out, jv_string(k), iv);
        }
        return out;
    case JSON_ARRAY:
        out = jv_array_sized((int)json_array_size(v));
        json_array_foreach(v, i, item) {
            jv iv = to_jv(item, depth + 1);

            if (!jv_is_valid(iv)) {
                jv_free(out);
                return iv;
            }
            out = jv_array_append(out, iv);
        }
        return out;
    case JSON_STRING:
        return jv_string_sized(json_string_value(v), (int)json_string_length(v));
    case JSON_INTEGER:
        return jv_number((double)json_integer_value(v));
    case JSON_REAL:
        return jv_number(json_real_value(v));
    case JSON_TRUE:
        return jv_true();
    case JSON_FALSE:
        return jv_false();
    default:
        return jv_null();
    }
}

static json_t *from_jv(jv v, int depth)
{
    json_t *out = NULL;

    if (depth > MAX_DEPTH) {
        jv_free(v);
        return NULL;
    }
    switch (jv_get_kind(v)) {
    case JV_KIND_NULL:
        out = json_null();
        break;
    case JV_KIND_TRUE:
        out = json_true();
        break;
    case JV_KIND_FALSE:
        out = json_false();
        break;
    case JV_KIND_NUMBER: {
        double d = jv_number_value(v);

        if (isnan(d)) {
            out = json_null();
        } else if (isinf(d)) {
            out = json_real(d > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308);
        } else if (d == floor(d) && fabs(d) < 9.2e18) {
            out = json_integer((json_int_t)d);
        } else {
            out = json_real(d);
        }
        break;
    }
    case JV_KIND_STRING:
        out = json_stringn(jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
        break;
    case JV_KIND_ARRAY: {
        int n = jv_array_length(jv_copy(v));

        out = json_array();
        for (int i = 0; i < n && out != NULL; i++) {
            json_t *item = from_jv(jv_array_get(jv_copy(v), i), depth + 1);

            if (item == NULL) {
                json_decref(out);
                out = NULL;
                break;
            }
            json_array_append_new(out, item);
        }
        break;
    }
    case JV_KIND_OBJECT: {
        int it;

        out = json_object();
        for (it = jv_object_iter(v); jv_object_iter_valid(v, it) && out != NULL;
             it = jv_object_iter_next(v, it)) {
            jv key = jv_object_iter_key(v, it);
            json_t *item = from_jv(jv_object_iter_value(v, it), depth + 1);

            if (item == NULL) {
                jv_free(key);
                json_decref(out);
                out = NULL;
                break;
            }
            json_object_set_new(out, jv_string_value(key), item);
            jv_free(key);
        }
        break;
    }
    default:
        out = NULL;
        break;
    }
    jv_free(v);
    return out;
}

json_t *octo_jq_to_json(void *jv_ptr)
{
    return from_jv(*(jv *)jv_ptr, 0);
}

static void runtime_error(jv res, const struct octo_jq_prog *p, octo_error *err)
{
    jv msg = jv_invalid_get_msg(res);

    if (jv_get_kind(msg) == JV_KIND_STRING) {
        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" failed: %s", p->source,
                       jv_string_value(msg));
    } else {
        jv dumped = jv_dump_string(jv_copy(msg), 0);

        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" failed: %s (not a string)",
                       p->source, jv_string_value(dumped));
        jv_free(dumped);
    }
    jv_free(msg);
}

/* After `halt` or `halt_error`: a non-zero exit code is an error with
 * the program's message, zero is a normal end. */
static int halted(jq_state *jq, const struct octo_jq_prog *p, octo_error *err)
{
    jv code = jq_get_exit_code(jq);
    jv msg = jq_get_error_message(jq);
    int failed = jv_get_kind(code) == JV_KIND_NUMBER && jv_number_value(code) != 0;
    int rc = OCTO_OK;

    if (failed) {
        if (jv_get_kind(msg) == JV_KIND_STRING) {
            octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" halted: %s", p->source,
                           jv_string_value(msg));
        } else {
            jv text = jv_is_valid(msg) ? jv_dump_string(jv_copy(msg), 0) : jv_string("(no message)");

            octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" halted with an error: %s",
                           p->source, jv_string_value(text));
            jv_free(text);
        }
        rc = OCTO_EJQ;
    }
    jv_free(code);
    jv_free(msg);
    return rc;
}

int octo_jq_run(const struct octo_jq_prog *cp, json_t *input, int mode, json_t **out,
                int *n_outputs, octo_error *err)
{
    struct octo_jq_prog *p = (struct octo_jq_prog *)cp; /* the pool is internally locked */
    jq_state *jq;
    jv in;
    jv res;
    json_t *acc = NULL;
    json_t *first = NULL;
    int count = 0;
    int rc = OCTO_OK;

    *out = NULL;
    if (n_outputs != NULL) {
        *n_outputs = 0;
    }
    in = to_jv(input != NULL ? input : json_null(), 0);
    if (!jv_is_valid(in)) {
        jv_free(in);
        return octo_error_set(err, OCTO_EJQ, NULL, "jq input nests too deeply");
    }
    jq = borrow(p, err);
    if (jq == NULL) {
        jv_free(in);
        return err->code;
    }
    if (mode == OCTO_JQ_ALL) {
        acc = json_array();
    }
    jq_start(jq, in, 0);
    for (;;) {
        res = jq_next(jq);
        if (!jv_is_valid(res)) {
            if (jv_invalid_has_msg(jv_copy(res))) {
                runtime_error(res, p, err);
                rc = OCTO_EJQ;
            } else {
                jv_free(res);
                if (jq_halted(jq)) {
                    rc = halted(jq, p, err); /* halt / halt_error */
                }
            }
            break;
        }
        count++;
        if (mode == OCTO_JQ_ALL) {
            json_t *item = from_jv(res, 0);

            if (item == NULL) {
                rc = octo_error_set(err, OCTO_EJQ, NULL, "jq output cannot be converted");
                break;
            }
            json_array_append_new(acc, item);
            continue;
        }
        if (count == 1) {
            first = from_jv(res, 0);
            if (first == NULL) {
                rc = octo_error_set(err, OCTO_EJQ, NULL, "jq output cannot be converted");
                break;
            }
            if (mode == OCTO_JQ_FIRST) {
                break;
            }
            continue;
        }
        jv_free(res);
        break; /* SINGLE: a second output settles it */
    }
    give_back(p, jq);
    if (rc != OCTO_OK) {
        json_decref(acc);
        json_decref(first);
        return rc;
    }
    if (n_outputs != NULL) {
        *n_outputs = count;
    }
    if (mode == OCTO_JQ_ALL) {
        *out = acc;
    } else if (mode == OCTO_JQ_FIRST || count == 1) {
        *out = first != NULL ? first : json_null();
    } else {
        json_decref(first);
        *out = json_null();
    }
    return OCTO_OK;
}
