/* tvjson.h - values of the JSON context, wrapped without copying. Part of
 * tpl.h (included from it, after the value constructors). */
#ifndef OCTO_TPL_TVJSON_H
#define OCTO_TPL_TVJSON_H

#define TPL_MAX_STR ((size_t)UINT32_MAX) /* tv.sn is 32 bits */
TPL_INTERNAL extern const struct tundef tpl_value_toolong;

/* wrap a context value (borrowed, never copied) */
static inline tv tpl_value_from_json(json_t *j)
{
    tv v = {T_NONE, 0, 0, 0, {0}};
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        v.t = T_JDICT;
        v.u.j = j;
        return v;
    case JSON_ARRAY:
        v.t = T_JLIST;
        v.u.j = j;
        return v;
    case JSON_STRING: {
        const char *p = json_string_value(j);
        size_t n = json_string_length(j);
        if (n > TPL_MAX_STR) {
            v.t = T_UNDEF; /* fails when used: "a string of the context is 4 GiB or longer" */
            v.u.u = (struct tundef *)(uintptr_t)&tpl_value_toolong;
            return v;
        }
        if (n > BIGINT_MARK_LEN && p[0] == '\0' && memcmp(p, BIGINT_MARK, BIGINT_MARK_LEN) == 0) {
            v.t = T_BIG;
            v.u.big = (struct bigint *)(uintptr_t)(p + BIGINT_MARK_LEN);
            return v;
        }
        v.t = T_STR;
        v.u.s.p = p;
        v.sn = (uint32_t)n;
        return v;
    }
    case JSON_INTEGER:
        v.t = T_INT;
        v.u.i = json_integer_value(j);
        return v;
    case JSON_REAL:
        v.t = T_FLOAT;
        v.u.f = json_real_value(j);
        return v;
    case JSON_TRUE:
        v.t = T_BOOL;
        v.u.b = 1;
        return v;
    case JSON_FALSE:
        v.t = T_BOOL;
        return v;
    default:
        return v;
    }
}

/* truth value of a context value, as tpl_value_truthy(tpl_value_from_json(j)) */
static inline int tpl_value_json_truthy(json_t *j)
{
    json_type t = json_typeof(j);
    if (t >= JSON_TRUE) {
        return t == JSON_TRUE; /* no branch on the value: keeps loops predictable */
    }
    switch (t) {
    case JSON_OBJECT:
        return json_object_size(j) != 0;
    case JSON_ARRAY:
        return json_array_size(j) != 0;
    case JSON_STRING:
        return json_string_length(j) != 0;
    case JSON_INTEGER:
        return json_integer_value(j) != 0;
    case JSON_REAL:
        return json_real_value(j) != 0.0;
    case JSON_TRUE:
        return 1;
    default:
        return 0;
    }
}

#endif
