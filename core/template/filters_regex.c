/* filters_regex.c - Ansible's regex_search, regex_replace, regex_findall
 * (Python re semantics on PCRE2, see tre.c). */
#include <string.h>

#include "filters.h"
#include "tpl.h"
#include "tre.h"

static unsigned re_flags(struct rs *st, tv ic, tv ml)
{
    return (opt_bool(st, ic, 0) ? TRE_ICASE : 0) | (opt_bool(st, ml, 0) ? TRE_MULTILINE : 0);
}

static tv f_regex_search(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    tv ic = v_undef();
    tv ml = v_undef();
    int i;
    int ng;
    tv groups = v_list_new(st, 0);
    ic.sub = ml.sub = ARG_MISSING;
    if (a->npos < 1) {
        rs_fail(st, "regex_search() missing required argument: 'regex'");
    }
    for (i = 0; i < a->nkw; i++) {
        if (strcmp(a->kwn[i], "ignorecase") == 0) {
            ic = a->kwv[i];
        } else if (strcmp(a->kwn[i], "multiline") == 0) {
            ml = a->kwv[i];
        } else {
            rs_fail(st, "regex_search() got an unexpected keyword argument '%s'", a->kwn[i]);
        }
    }
    v = v_to_str(st, v);
    pat = v_to_str(st, a->pos[0]);
    re = tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, ic, ml));
    ng = tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    if (!tre_search(st, re, v.u.s.p, v.sn, 0, 0, ov, ng + 1)) {
        return v_none();
    }
    if (a->npos == 1) {
        return v_str(v.u.s.p + ov[0], ov[1] - ov[0]);
    }
    for (i = 1; i < a->npos; i++) {
        tv g = v_to_str(st, a->pos[i]);
        int gi = -1;
        if (g.sn >= 2 && g.u.s.p[0] == '\\' && g.u.s.p[1] >= '0' && g.u.s.p[1] <= '9') {
            int ok;
            tv n = v_int_parse(st, g.u.s.p + 1, g.sn - 1, 10, &ok);
            gi = ok && n.t == T_INT ? (int)n.u.i : -1;
        } else if (g.sn > 4 && memcmp(g.u.s.p, "\\g<", 3) == 0 && g.u.s.p[g.sn - 1] == '>') {
            tv name = v_strdup(st, g.u.s.p + 3, g.sn - 4);
            gi = tre_group_index(re, name.u.s.p);
        } else {
            rs_fail(st, "Unknown argument");
        }
        if (gi < 0 || gi > ng) {
            rs_fail(st, "no such group");
        }
        tpl_list_push(st, groups.u.l, ov[2 * gi] == (size_t)-1 ? v_none()
                                                            : v_str(v.u.s.p + ov[2 * gi], ov[2 * gi + 1] - ov[2 * gi]));
    }
    return groups;
}

static tv f_regex_replace(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    tv rep = v_str("", 0);
    int64_t count = 0;
    int64_t done = 0;
    size_t pos = 0;
    size_t last = 0;
    int ng;
    struct octo_buf *b = rs_buf(st);
    BIND("regex_replace", "pattern", "replacement", "ignorecase", "multiline", "count",
         "mandatory_count");
    v = arg_given(v) && v.t != T_UNDEF ? v_to_str(st, v) : v_str("", 0);
    pat = arg_given(args[0]) ? v_to_str(st, args[0]) : v_str("", 0);
    if (arg_given(args[1])) {
        rep = v_to_str(st, args[1]);
    }
    if (arg_given(args[4])) {
        count = v_as_index(st, args[4], "count");
    }
    re = tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, args[2], args[3]));
    ng = tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    while (pos <= v.sn && (count <= 0 || done < count)) {
        if (!tre_search(st, re, v.u.s.p, v.sn, pos, 0, ov, ng + 1)) {
            break;
        }
        tb_append(b, v.u.s.p + last, ov[0] - last);
        tre_expand(st, re, rep.u.s.p, rep.sn, v.u.s.p, ov, ng, b);
        last = ov[1];
        done++;
        if (ov[1] == ov[0]) {
            if (ov[1] >= v.sn) {
                break;
            }
            pos = ov[1];
            u_next(v.u.s.p, v.sn, &pos);
            tb_append(b, v.u.s.p + last, pos - last);
            last = pos;
        } else {
            pos = ov[1];
        }
        tpl_check_steps(st);
    }
    tb_append(b, v.u.s.p + last, v.sn - last);
    if (arg_given(args[5]) && v_as_index(st, args[5], "mandatory_count") > 0 &&
        done != v_as_index(st, args[5], "mandatory_count")) {
        rs_fail(st, "'%s' should match %lld times, but matches %lld times", pat.u.s.p,
                (long long)v_as_index(st, args[5], "mandatory_count"), (long long)done);
    }
    return s_from_buf(st, b);
}

static tv f_regex_findall(struct rs *st, tv v, struct callargs *a)
{
    struct tre *re;
    size_t ov[2 * TRE_MAXG];
    tv pat;
    size_t pos = 0;
    int ng;
    tv out = v_list_new(st, 0);
    BIND("regex_findall", "regex", "multiline", "ignorecase");
    v = v_to_str(st, v);
    pat = v_to_str(st, args[0]);
    re = tre_compile(st, pat.u.s.p, pat.sn, re_flags(st, args[2], args[1]));
    ng = tre_groups(re);
    if (ng >= TRE_MAXG) {
        ng = TRE_MAXG - 1;
    }
    while (pos <= v.sn && tre_search(st, re, v.u.s.p, v.sn, pos, 0, ov, ng + 1)) {
        if (ng == 0) {
            tpl_list_push(st, out.u.l, v_str(v.u.s.p + ov[0], ov[1] - ov[0]));
        } else if (ng == 1) {
            tpl_list_push(st, out.u.l, ov[2] == (size_t)-1 ? v_str("", 0) : v_str(v.u.s.p + ov[2], ov[3] - ov[2]));
        } else {
            tv t = v_tuple_new(st, (size_t)ng);
            int g;
            for (g = 1; g <= ng; g++) {
                t.u.l->it[g - 1] = ov[2 * g] == (size_t)-1 ? v_str("", 0)
                                                           : v_str(v.u.s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            }
            t.u.l->n = (size_t)ng;
            tpl_list_push(st, out.u.l, t);
        }
        if (ov[1] == ov[0]) {
            pos = ov[1];
            if (pos >= v.sn) {
                break;
            }
            u_next(v.u.s.p, v.sn, &pos);
        } else {
            pos = ov[1];
        }
        tpl_check_steps(st);
    }
    return out;
}

/* Ansible filters too: ansible.builtin.regex_search works (tpl_filter_lookup) */
const struct fentry tpl_filters_regex[] = {{"regex_findall", f_regex_findall},
                                           {"regex_replace", f_regex_replace},
                                           {"regex_search", f_regex_search},
                                           {NULL, NULL}};
