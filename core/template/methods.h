/* methods.h - the methods of values templates may call ('a'.upper(),
 * l.append(x), d.items()): one table per type, name -> handler, which is
 * at once the list tpl_methods_has answers from and what tpl_methods_call
 * dispatches through (methods.c), so the two cannot disagree. The str
 * methods' table is in methods_str.c. */
#ifndef OCTO_TPL_METHODS_H
#define OCTO_TPL_METHODS_H

#include "tpl.h"

/* self is the value the method is called on, name the method's name */
typedef tv (*method_fn)(struct rs *st, tv self, const char *name, struct callargs *a);

/* method flags */
#define M_KWARGS  1u /* keyword arguments go to the handler (else refused before it runs) */
#define M_MUTATES 2u /* changes self: refused on context data, which is read-only */
#define M_TUPLE   4u /* list methods that tuples have too */

/* arity value: positional arguments not counted before the call (the
 * handler binds them, or ignores extra ones as before this table) */
#define M_ANY (-1)

struct method {
    const char *name;
    uint8_t len;               /* strlen(name) */
    int8_t min_args, max_args; /* positional arguments, M_ANY: not checked here */
    uint8_t flags;             /* M_* */
    method_fn fn;
};
#define METHOD(name, fn, min_args, max_args, flags)                                                \
    {                                                                                              \
        name, sizeof(name) - 1, min_args, max_args, flags, fn                                      \
    }

/* NULL-terminated */
TPL_INTERNAL extern const struct method tpl_methods_str[];

#endif
