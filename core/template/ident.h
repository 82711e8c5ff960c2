/* ident.h - Python's identifier rules for template names (Jinja2 takes the
 * longest run of name characters and requires str.isidentifier()), with
 * the tables generated into ident_tab.c by tools/gen_ident.py. */
#ifndef OCTO_TPL_IDENT_H
#define OCTO_TPL_IDENT_H

#include <stdint.h>

#include "internal.h"

enum { ID_WORD = 1, ID_RUN = 2, ID_START = 4, ID_CONT = 8 };

TPL_INTERNAL extern const unsigned tpl_ident_nranges;
TPL_INTERNAL extern const uint32_t tpl_ident_start[];
TPL_INTERNAL extern const uint8_t tpl_ident_bits[];

/* ID_* bits of a code point; callers test ASCII themselves (fast path). */
static inline unsigned tpl_ident_class(unsigned cp)
{
    unsigned lo = 0;
    unsigned hi = tpl_ident_nranges;
    if (cp < 0x80) {
        unsigned alpha = (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
        if (alpha || cp == '_') {
            return ID_WORD | ID_RUN | ID_START | ID_CONT;
        }
        return cp >= '0' && cp <= '9' ? ID_WORD | ID_RUN | ID_CONT : 0;
    }
    while (hi - lo > 1) { /* the last range starting at or before cp */
        unsigned mid = (lo + hi) / 2;
        if (tpl_ident_start[mid] <= cp) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return tpl_ident_bits[lo];
}

#endif
