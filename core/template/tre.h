/* tre.h - regular expressions for template filters (see tre.c). */
#ifndef OCTO_TPL_TRE_H
#define OCTO_TPL_TRE_H

#include "tpl.h"

#define TRE_ICASE     1u
#define TRE_MULTILINE 2u
#define TRE_DOTALL    4u
#define TRE_EXTENDED  8u
#define TRE_MAXG      33

struct tre;
/* Compile (fails the render with a message on a bad pattern). */
TPL_INTERNAL struct tre *tpl_tre_compile(struct rs *st, const char *pat, size_t n, unsigned flags);
TPL_INTERNAL int tpl_tre_groups(struct tre *r);
TPL_INTERNAL int tpl_tre_group_index(struct tre *r, const char *name);
/* 1 matched (ov: maxpairs start/end pairs, (size_t)-1 when unset), 0 not. */
TPL_INTERNAL int tpl_tre_search(struct rs *st, struct tre *r, const char *s, size_t n, size_t start,
                                int anchored, size_t *ov, int maxpairs);
/* Expand a Python re.sub replacement (\1, \g<name>, \n ...) for one match. */
TPL_INTERNAL void tpl_tre_expand(struct rs *st, struct tre *r, const char *repl, size_t rn,
                                 const char *s, const size_t *ov, int ng, struct octo_buf *out);

#endif
