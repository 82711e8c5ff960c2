/* jqconv.c - JSON (jansson) to jq values and back, without a text round
 * trip (see jqconv.h). */
#include "jqconv.h"

#include <math.h>

#include "jqbridge.h"

#define MAX_DEPTH 1000

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
        json_object_foreach(v, k, item)
        {
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
        json_array_foreach(v, i, item)
        {
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

jv octo__jq_from_json(json_t *v)
{
    return to_jv(v, 0);
}

json_t *octo__jq_to_json(jv v)
{
    return from_jv(v, 0);
}
