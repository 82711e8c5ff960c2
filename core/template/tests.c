/* tests.c - Jinja2's built-in tests (x is defined, x is divisibleby 3, ...). */
#include <string.h>

#include "filters.h"
#include "tpl.h"

static tv arg1(struct rs *st, struct callargs *a, const char *name)
{
    if (a->npos >= 1) {
        return a->pos[0];
    }
    if (a->nkw >= 1) {
        return a->kwv[0];
    }
    tpl_render_fail(st, "test '%s' needs an argument", name);
}

static int t_boolean(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_boolean");
    return v.t == T_BOOL;
}
static int t_true(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_true");
    return v.t == T_BOOL && v.u.b;
}
static int t_false(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_false");
    return v.t == T_BOOL && !v.u.b;
}
static int t_none(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_none");
    return v.t == T_NONE;
}
static int t_defined(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("defined");
    return v.t != T_UNDEF;
}
static int t_undefined(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("undefined");
    return v.t == T_UNDEF;
}
static int t_float(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_float");
    return v.t == T_FLOAT;
}
static int t_integer(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_integer");
    return v.t == T_INT || v.t == T_BIG;
}
static int t_number(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_number");
    return tpl_value_is_num(v);
}
static int t_string(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_string");
    return v.t == T_STR;
}
static int t_mapping(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test_mapping");
    return tpl_value_is_map(v);
}
static int t_escaped(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("escaped");
    return v.t == T_STR && v.safe;
}

static int t_callable(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("callable");
    return v.t == T_FUNC || v.t == T_UNDEF ||
           (v.t == T_OBJ && (v.u.o->kind == O_LOOP || v.u.o->kind == O_JOINER));
}

static int t_iterable(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("iterable");
    return tpl_value_is_iterable(v);
}

static int t_sequence(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("sequence");
    return v.t == T_STR || tpl_value_is_seq(v) || tpl_value_is_map(v) || v.t == T_UNDEF;
}

static int t_odd(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("odd");
    return tpl_value_truthy(st, tpl_ops_binary(st, OP_MOD, v, tpl_value_int(2))) &&
           tpl_compare_eq(st, tpl_ops_binary(st, OP_MOD, v, tpl_value_int(2)), tpl_value_int(1));
}

static int t_even(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("even");
    return tpl_compare_eq(st, tpl_ops_binary(st, OP_MOD, v, tpl_value_int(2)), tpl_value_int(0));
}

static int t_divisibleby(struct rs *st, tv v, struct callargs *a)
{
    return tpl_compare_eq(st, tpl_ops_binary(st, OP_MOD, v, arg1(st, a, "divisibleby")),
                          tpl_value_int(0));
}

static int t_lower(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("lower");
    return tpl_ustr_iscased(tpl_repr_str(st, v), 0);
}

static int t_upper(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("upper");
    return tpl_ustr_iscased(tpl_repr_str(st, v), 1);
}

static int cmp_test(struct rs *st, tv v, struct callargs *a, int op)
{
    tv o = arg1(st, a, "compare");
    int c;
    if (op == 0) {
        return tpl_compare_eq(st, v, o);
    }
    if (op == 1) {
        return !tpl_compare_eq(st, v, o);
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (o.t == T_UNDEF) {
        tpl_render_undefined(st, o);
    }
    c = tpl_compare(st, v, o);
    if (c == 2) {
        return 0;
    }
    switch (op) {
    case 2:
        return c < 0;
    case 3:
        return c <= 0;
    case 4:
        return c > 0;
    default:
        return c >= 0;
    }
}

static int t_eq(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 0);
}
static int t_ne(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 1);
}
static int t_lt(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 2);
}
static int t_le(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 3);
}
static int t_gt(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 4);
}
static int t_ge(struct rs *st, tv v, struct callargs *a)
{
    return cmp_test(st, v, a, 5);
}

static int t_in(struct rs *st, tv v, struct callargs *a)
{
    return tpl_compare_contains(st, arg1(st, a, "in"), v);
}

static int t_sameas(struct rs *st, tv v, struct callargs *a)
{
    tv o = arg1(st, a, "sameas");
    if (v.t != o.t) {
        return 0;
    }
    switch (v.t) {
    case T_NONE:
        return 1;
    case T_UNDEF:
        return 0;
    case T_BOOL:
        return v.u.b == o.u.b;
    case T_INT:
        return v.u.i == o.u.i && v.u.i >= -5 && v.u.i <= 256;
    case T_STR:
        return tpl_compare_eq(st, v, o); /* equal constants are one object in CPython */
    case T_FLOAT:
        return 0;
    case T_JLIST:
    case T_JDICT:
        return v.u.j == o.u.j;
    default:
        return v.u.l == o.u.l;
    }
}

static int t_filter(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("filter");
    if (v.t != T_STR) {
        return 0;
    }
    return tpl_filters_lookup(tpl_value_strdup(st, v.u.s.p, v.sn).u.s.p) != NULL;
}

static int t_test(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("test");
    if (v.t != T_STR) {
        return 0;
    }
    return tpl_tests_lookup(tpl_value_strdup(st, v.u.s.p, v.sn).u.s.p) != NULL;
}

static const struct tentry TESTS[] = {{"boolean", t_boolean},
                                      {"callable", t_callable},
                                      {"defined", t_defined},
                                      {"divisibleby", t_divisibleby},
                                      {"eq", t_eq},
                                      {"equalto", t_eq},
                                      {"==", t_eq},
                                      {"escaped", t_escaped},
                                      {"even", t_even},
                                      {"false", t_false},
                                      {"filter", t_filter},
                                      {"float", t_float},
                                      {"ge", t_ge},
                                      {">=", t_ge},
                                      {"gt", t_gt},
                                      {">", t_gt},
                                      {"greaterthan", t_gt},
                                      {"in", t_in},
                                      {"integer", t_integer},
                                      {"iterable", t_iterable},
                                      {"le", t_le},
                                      {"<=", t_le},
                                      {"lower", t_lower},
                                      {"lt", t_lt},
                                      {"<", t_lt},
                                      {"lessthan", t_lt},
                                      {"mapping", t_mapping},
                                      {"ne", t_ne},
                                      {"!=", t_ne},
                                      {"none", t_none},
                                      {"number", t_number},
                                      {"odd", t_odd},
                                      {"sameas", t_sameas},
                                      {"sequence", t_sequence},
                                      {"string", t_string},
                                      {"test", t_test},
                                      {"true", t_true},
                                      {"undefined", t_undefined},
                                      {"upper", t_upper},
                                      {NULL, NULL}};

test_fn tpl_tests_lookup(const char *name)
{
    const struct tentry *e;
    for (e = TESTS; e->name; e++) {
        if (strcmp(e->name, name) == 0) {
            return e->fn;
        }
    }
    return NULL;
}

int tpl_tests_apply(struct rs *st, const char *name, tv v, struct callargs *a)
{
    test_fn f = tpl_tests_lookup(name);
    if (f == NULL) {
        tpl_render_fail(st, "No test named '%s'.", name);
    }
    return f(st, v, a);
}
