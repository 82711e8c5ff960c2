/* flow_control.c - the checks that need every step of a flow: names
 * that steps refer to (on_error_goto, goto targets written literally)
 * must exist, and two steps of one name are reported (a goto goes to the
 * last of them, as the later original's name table did).
 *
 * A pass of its own, after every step was compiled: a goto may name a
 * step further down the file, so targets can only be checked once all
 * names are known (flow_load.c's index). */
#include <stdio.h>
#include <string.h>

#include "flow_diag.h"
#include "plugins.h"

/* Targets that are not steps; "__exit" is accepted beside __exit__ as
 * flows written for the original used it. */
static int special_target(const char *name)
{
    return strcmp(name, OCTO_GOTO_END) == 0 || strcmp(name, OCTO_GOTO_START) == 0 ||
           strcmp(name, OCTO_GOTO_EXIT) == 0 || strcmp(name, "__exit") == 0;
}

static int templated(const char *s)
{
    return strstr(s, "{{") != NULL || strstr(s, "{%") != NULL;
}

static void check_refs(struct octo_loadctx *lc, struct octo_flow *f, const struct octo_step *st,
                       const char *mark_base)
{
    char mark[600];
    size_t i;

    if (st->type == NULL) {
        return; /* not a step (an error was reported for it) */
    }
    if (st->on_error_goto != NULL && !special_target(st->on_error_goto) &&
        octo_flow_goto_index(f, st->on_error_goto) < 0) {
        snprintf(mark, sizeof(mark), "%s.on_error_goto", mark_base);
        octo_diag_error(lc, mark, st->label, "on_error_goto: no step is named \"%s\"",
                        st->on_error_goto);
    }
    for (i = 0; i < st->type->nopts; i++) {
        const octo_option *o = &st->type->opts[i];
        const char *v;

        if (!(o->flags & OCTO_OPT_STEP_NAME)) {
            continue;
        }
        v = json_string_value(json_object_get(st->options, o->name));
        if (v == NULL || templated(v) || special_target(v) || octo_flow_goto_index(f, v) >= 0) {
            continue; /* a templated target is checked when it is rendered */
        }
        snprintf(mark, sizeof(mark), "%s.%s.%s", mark_base, st->block_key, o->name);
        octo_diag_error(lc, mark, st->label, "%s: no step is named \"%s\"", o->name, v);
    }
    for (i = 0; i < st->nnested; i++) {
        size_t k;

        for (k = 0; k < st->nested[i].n; k++) {
            snprintf(mark, sizeof(mark), "%s.%s.%s[%zu].step", mark_base, st->block_key,
                     st->nested[i].option, k);
            check_refs(lc, f, &st->nested[i].steps[k], mark);
        }
    }
}

void octo_flow_check_control(struct octo_loadctx *lc, struct octo_flow *f)
{
    size_t i;

    for (i = 0; i < f->nsteps; i++) {
        char mark[64];

        snprintf(mark, sizeof(mark), "steps[%zu]", i);
        if (f->steps[i].name != NULL && f->steps[i].type != NULL &&
            octo_flow_step_index(f, f->steps[i].name) != (long)i) {
            octo_diag_warn(lc, mark, f->steps[i].label,
                           "another step is named \"%s\": its result is overwritten and a goto "
                           "goes to the last one",
                           f->steps[i].name);
        }
        check_refs(lc, f, &f->steps[i], mark);
    }
}
