/* filters.h - what the filters_*.c files (and tests.c, whose tests are
 * called the same way) share: the argument binding macros, the filter
 * tables, and the few helpers one filters file lends another. */
#ifndef OCTO_TPL_FILTERS_H
#define OCTO_TPL_FILTERS_H

#include "tpl.h"

/* BIND("name", "p1", "p2"): declares tv args[2] and binds the call's
 * arguments to those parameters as Python would (tpl_calls_bind_args), failing
 * on unknown or extra ones; a parameter not given is !tpl_calls_given(). */
#define BIND(fname, ...)                                                                           \
    static const char *const names_[] = {__VA_ARGS__};                                             \
    tv args[sizeof(names_) / sizeof(names_[0])];                                                   \
    tpl_calls_bind_args(st, fname, a, names_, (int)(sizeof(names_) / sizeof(names_[0])), args)

/* a filter or test taking only its input: Python's message for extra
 * arguments (fname as the message names it: "lower", "test_none") */
#define NOARGS(fname)                                                                              \
    if (a->npos || a->nkw) {                                                                       \
        tpl_render_fail(st, "%s() takes 1 positional argument but %d were given", fname,           \
                        a->npos + 1);                                                              \
    }

/* an optional boolean parameter (Python truth of the value given) */
static inline int tpl_filters_opt_bool(struct rs *st, tv v, int dflt)
{
    return tpl_calls_given(v) ? tpl_value_truthy(st, v) : dflt;
}

/* Each filters file registers the filters it defines in its own table
 * (name -> function and FILTER_* flags, NULL-terminated); tpl_filters_find
 * (filters_misc.c) searches them all. Names are unique across the tables. */
TPL_INTERNAL extern const struct fentry tpl_filters_string[], tpl_filters_coll[],
    tpl_filters_sort[], tpl_filters_num[], tpl_filters_ansible[], tpl_filters_regex[],
    tpl_filters_wrap[];

/* filters_coll.c, for filters_sort.c: attribute paths ("a.b.0") */
TPL_INTERNAL tv *tpl_filters_attr_parts(struct rs *st, tv attr, size_t *n);
TPL_INTERNAL tv tpl_filters_attr_get(struct rs *st, tv item, tv *parts, size_t n, tv dflt);
TPL_INTERNAL tv tpl_filters_lower_if_str(struct rs *st, tv v);

/* filters_misc.c, for the Ansible filters: j (new reference) released with
 * the render, even when an error unwinds; NULL j fails (out of memory) */
TPL_INTERNAL json_t *tpl_filters_own(struct rs *st, json_t *j);
/* filters_misc.c, for the Ansible filters: JSON text of a value */
TPL_INTERNAL tv tpl_filters_json_text(struct rs *st, tv v, unsigned flags, int htmlsafe);
/* borrowed: owned by the render */
TPL_INTERNAL json_t *tpl_filters_to_json(struct rs *st, tv v, int strict);

#endif
