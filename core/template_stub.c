/* template_stub.c - stands in for core/template/ in builds without the
 * template engine: every template operation fails with a clear message,
 * so flows that need templates fail validation instead of misbehaving. */
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "template/template.h"

#define NOT_AVAILABLE "templates (when, templated options, jinja) are not available in this build"

int octo_tpl_compile(const char *src, size_t len, const char *name, const struct octo_tpl_env *env,
                     struct octo_tpl **out, octo_error *err)
{
    (void)src;
    (void)len;
    (void)env;
    *out = NULL;
    return octo_error_set(err, OCTO_ENOTSUP, NULL, "%s: %s", name, NOT_AVAILABLE);
}

int octo_tpl_render(const struct octo_tpl *tpl, json_t *ctx, struct octo_buf *out, octo_error *err)
{
    (void)tpl;
    (void)ctx;
    (void)out;
    return octo_error_set(err, OCTO_ENOTSUP, NULL, NOT_AVAILABLE);
}

struct octo_tpl *octo_tpl_ref(struct octo_tpl *tpl)
{
    return tpl;
}

void octo_tpl_unref(struct octo_tpl *tpl)
{
    (void)tpl;
}

int octo_tpl_is_template(const char *s)
{
    return s != NULL && (strstr(s, "{{") != NULL || strstr(s, "{%") != NULL || strstr(s, "{#") != NULL);
}

int octo_tpl_render_cli(int argc, char **argv, const struct octo_tpl_env *env)
{
    (void)argc;
    (void)argv;
    (void)env;
    fprintf(stderr, "octoflow render: %s\n", NOT_AVAILABLE);
    return 2;
}
