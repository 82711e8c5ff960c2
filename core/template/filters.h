/* filters.h - what the filters_*.c files (and tests.c, whose tests are
 * called the same way) share: the argument binding macros, the filter
 * tables, and the few helpers one filters file lends another. */
#ifndef OCTO_TPL_FILTERS_H
#define OCTO_TPL_FILTERS_H

#include "tpl.h"

/* BIND("name", "p1", "p2"): declares tv args[2] and binds the call's
 * arguments to those parameters as Python would (tpl_bind_args), failing
 * on unknown or extra ones; a parameter not given is !arg_given(). */
#define BIND(fname, ...)                                                                           \
    static const char *const names_[] = {__VA_ARGS__};                                             \
    tv args[sizeof(names_) / sizeof(names_[0])];                                                   \
    tpl_bind_args(st, fname, a, names_, (int)(sizeof(names_) / sizeof(names_[0])), args)

/* a filter or test taking only its input: Python's message for extra
 * arguments (fname is the Python function's name: do_lower, test_none) */
#define NOARGS(fname)                                                                              \
    if (a->npos || a->nkw) {                                                                       \
        rs_fail(st, "%s() takes 1 positional argument but %d were given", fname, a->npos + 1);     \
    }

/* an optional boolean parameter (Python truth of the value given) */
static inline int opt_bool(struct rs *st, tv v, int dflt)
{
    return arg_given(v) ? v_truthy(st, v) : dflt;
}

/* Each filters file registers the filters it defines in its own table
 * (name -> function, NULL-terminated); tpl_filter_lookup (filters_misc.c)
 * searches them all. Names are unique across the tables. */
extern const struct fentry tpl_filters_string[], tpl_filters_coll[], tpl_filters_sort[],
    tpl_filters_num[], tpl_filters_ansible[], tpl_filters_regex[], tpl_filters_wrap[];

/* filters_coll.c, for filters_sort.c: attribute paths ("a.b.0") */
tv *tpl_attr_parts(struct rs *st, tv attr, size_t *n);
tv tpl_attr_get(struct rs *st, tv item, tv *parts, size_t n, tv dflt);
tv tpl_lower_if_str(struct rs *st, tv v);

/* filters_misc.c, for the Ansible filters: JSON text of a value */
tv tpl_json_text(struct rs *st, tv v, unsigned flags, int htmlsafe);
json_t *v_to_json(struct rs *st, tv v, int strict); /* borrowed: owned by the render */

#endif
