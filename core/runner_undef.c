/* runner_undef.c - undefined variables in templated options.
 *
 * Jinja2 writes an undefined variable as "", so `path: out/{{ hostnmae }}.json`
 * quietly writes out/.json. The output stays Jinja2's (drop-in), but the
 * first undefined variable a step's option writes is logged as a WARNING
 * with the flow file, the step's line, the step and the option, once per
 * step and job (a loop of 10,000 items warns once). TEMPLATE_UNDEFINED=strict
 * or the flow's `undefined: strict` makes it the step's error, as Ansible
 * does.
 */
#include "runner.h"

#include <stdio.h>

#include "buf.h"
#include "log.h"
#include "template/template.h"

/* 1 the first time this step warns in this job. */
static int first_warning(struct octo_job_ctx *job, const void *step)
{
    size_t i;

    for (i = 0; i < sizeof(job->undef_warned) / sizeof(job->undef_warned[0]); i++) {
        const void *cur = atomic_load(&job->undef_warned[i]);

        if (cur == step) {
            return 0;
        }
        if (cur == NULL) {
            const void *expected = NULL;

            if (atomic_compare_exchange_strong(&job->undef_warned[i], &expected, step)) {
                return 1;
            }
            if (expected == step) {
                return 0;
            }
        }
    }
    return 0; /* more steps than slots warned already: enough said */
}

int octo_render_option(struct octo_run *run, const struct octo_step *st,
                       const struct octo_tmpl_opt *t, struct octo_buf *out, octo_error *err)
{
    const struct octo_config *cfg = octo_config();
    struct octo_tpl_undef u;
    int rc;

    u.strict = run->flow->undefined_strict || (cfg != NULL && cfg->template_strict);
    u.name[0] = '\0';
    rc = octo_tpl_render_ex(t->tpl, run->data, out, err, &u);
    if (rc == OCTO_OK && u.name[0] != '\0' && first_warning(run->job, st)) {
        octo_log(OCTO_LOG_WARN,
                 "%s%s:%d: step \"%s\": option \"%s%s%s\": '%s' is undefined and renders as "
                 "\"\" (TEMPLATE_UNDEFINED=strict makes this an error)",
                 run->prefix, run->flow->path, st->line, st->name, t->option,
                 t->key != NULL ? "." : "", t->key != NULL ? t->key : "", u.name);
    }
    return rc;
}
