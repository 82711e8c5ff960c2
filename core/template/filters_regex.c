/* filters_regex.c - Ansible's regex_search, regex_replace, regex_findall
 * (Python re semantics on PCRE2, see tre.c). */
#include <string.h>

#include "filters.h"
#include "tpl.h"
#include "tre.h"

static unsigned re_flags(struct rs *st, tv ic, tv ml)
{
    return (tpl_filters_opt_bool(st, ic, 0) ? TRE_ICASE : 0) |
           (tpl_filters_opt_bool(st, ml, 0) ? TRE_MULTILINE : 0);
}

static tv f_regex_search(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    tv ic = tpl_value_undef();
    tv ml = tpl_value_undef();
    int i;
    int ng;
    tv groups = tpl_value_list_new(st, 0);
    ic.sub = ml.sub = ARG_MISSING;
    if (a->npos < 1) {
        tpl_render_fail(st, "regex_search() missing required argument: 'regex'");
    }
    for (i = 0; i < a->nkw; i++) {
        if (strcmp(a->kwn[i], "ignorecase") == 0) {
            ic = a->kwv[i];
        } else if (strcmp(a->kwn[i], "multiline") == 0) {
            ml = a->kwv[i];
        } else {
            tpl_render_fail(st, "regex_search() got an unexpected keyword argument '%s'",
                            a->kwn[i]);
        }
    }
    v = tpl_repr_str(st, v);
    pat = tpl_repr_str(st, a->pos[0]);
    re = tpl_tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, ic, ml));
    ng = tpl_tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    if (!tpl_tre_search(st, re, v.u.s.p, v.sn, 0, 0, ov, ng + 1)) {
        return tpl_value_none();
    }
    if (a->npos == 1) {
        return tpl_value_str(v.u.s.p + ov[0], ov[1] - ov[0]);
    }
    for (i = 1; i < a->npos; i++) {
        tv g = tpl_repr_str(st, a->pos[i]);
        int gi = -1;
        if (g.sn >= 2 && g.u.s.p[0] == '\\' && g.u.s.p[1] >= '0' && g.u.s.p[1] <= '9') {
            int ok;
            tv n = tpl_ops_int_parse(st, g.u.s.p + 1, g.sn - 1, 10, &ok);
            gi = ok && n.t == T_INT ? (int)n.u.i : -1;
        } else if (g.sn > 4 && memcmp(g.u.s.p, "\\g<", 3) == 0 && g.u.s.p[g.sn - 1] == '>') {
            tv name = tpl_value_strdup(st, g.u.s.p + 3, g.sn - 4);
            gi = tpl_tre_group_index(re, name.u.s.p);
        } else {
            tpl_render_fail(st, "Unknown argument");
        }
        if (gi < 0 || gi > ng) {
            tpl_render_fail(st, "no such group");
        }
        tpl_value_list_push(st, groups.u.l,
                            ov[2 * gi] == (size_t)-1
                                ? tpl_value_none()
                                : tpl_value_str(v.u.s.p + ov[2 * gi], ov[2 * gi + 1] - ov[2 * gi]));
    }
    return groups;
}

static tv f_regex_replace(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    tv rep = tpl_value_str("", 0);
    int64_t count = 0;
    int64_t done = 0;
    size_t pos = 0;
    size_t last = 0;
    int ng;
    struct octo_buf *b = tpl_render_buf(st);
    BIND("regex_replace", "pattern", "replacement", "ignorecase", "multiline", "count",
         "mandatory_count");
    v = tpl_calls_given(v) && v.t != T_UNDEF ? tpl_repr_str(st, v) : tpl_value_str("", 0);
    pat = tpl_calls_given(args[0]) ? tpl_repr_str(st, args[0]) : tpl_value_str("", 0);
    if (tpl_calls_given(args[1])) {
        rep = tpl_repr_str(st, args[1]);
    }
    if (tpl_calls_given(args[4])) {
        count = tpl_ops_index(st, args[4], "count");
    }
    re = tpl_tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, args[2], args[3]));
    ng = tpl_tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    while (pos <= v.sn && (count <= 0 || done < count)) {
        if (!tpl_tre_search(st, re, v.u.s.p, v.sn, pos, 0, ov, ng + 1)) {
            break;
        }
        tpl_tbuf_append(b, v.u.s.p + last, ov[0] - last);
        tpl_tre_expand(st, re, rep.u.s.p, rep.sn, v.u.s.p, ov, ng, b);
        last = ov[1];
        done++;
        if (ov[1] == ov[0]) {
            if (ov[1] >= v.sn) {
                break;
            }
            pos = ov[1];
            tpl_ustr_next(v.u.s.p, v.sn, &pos);
            tpl_tbuf_append(b, v.u.s.p + last, pos - last);
            last = pos;
        } else {
            pos = ov[1];
        }
        tpl_render_step(st);
    }
    tpl_tbuf_append(b, v.u.s.p + last, v.sn - last);
    if (tpl_calls_given(args[5]) && tpl_ops_index(st, args[5], "mandatory_count") > 0 &&
        done != tpl_ops_index(st, args[5], "mandatory_count")) {
        tpl_render_fail(st, "'%s' should match %lld times, but matches %lld times", pat.u.s.p,
                        (long long)tpl_ops_index(st, args[5], "mandatory_count"), (long long)done);
    }
    return tpl_render_buf_str(st, b);
}

static tv f_regex_findall(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    size_t pos = 0;
    int ng;
    tv out = tpl_value_list_new(st, 0);
    BIND("regex_findall", "regex", "multiline", "ignorecase");
    v = tpl_repr_str(st, v);
    pat = tpl_repr_str(st, args[0]);
    re = tpl_tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, args[2], args[1]));
    ng = tpl_tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    while (pos <= v.sn && tpl_tre_search(st, re, v.u.s.p, v.sn, pos, 0, ov, ng + 1)) {
        if (ng == 0) {
            tpl_value_list_push(st, out.u.l, tpl_value_str(v.u.s.p + ov[0], ov[1] - ov[0]));
        } else if (ng == 1) {
            tpl_value_list_push(st, out.u.l,
                                ov[2] == (size_t)-1
                                    ? tpl_value_str("", 0)
                                    : tpl_value_str(v.u.s.p + ov[2], ov[3] - ov[2]));
        } else {
            tv t = tpl_value_tuple_new(st, (size_t)ng);
            int g;
            for (g = 1; g <= ng; g++) {
                t.u.l->it[g - 1] =
                    ov[2 * g] == (size_t)-1
                        ? tpl_value_str("", 0)
                        : tpl_value_str(v.u.s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            }
            t.u.l->n = (size_t)ng;
            tpl_value_list_push(st, out.u.l, t);
        }
        if (ov[1] == ov[0]) {
            pos = ov[1];
            if (pos >= v.sn) {
                break;
            }
            tpl_ustr_next(v.u.s.p, v.sn, &pos);
        } else {
            pos = ov[1];
        }
        tpl_render_step(st);
    }
    return out;
}

/* Ansible filters too: ansible.builtin.regex_search works (tpl_filters_lookup) */
const struct fentry tpl_filters_regex[] = {{"regex_findall", f_regex_findall, 0},
                                           {"regex_replace", f_regex_replace, 0},
                                           {"regex_search", f_regex_search, 0},
                                           {NULL, NULL, 0}};
