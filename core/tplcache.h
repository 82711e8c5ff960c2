/* tplcache.h - template files compiled once, cached by mtime (tplcache.c). */
#ifndef OCTO_TPLCACHE_H
#define OCTO_TPLCACHE_H

#include <octoflow/octo_step.h>

#include "template/template.h"

/* The template at rel under TEMPLATES_PATH (confined). *out new reference
 * (octo_tpl_unref). Missing: OCTO_ENOENT; syntax errors: OCTO_ETEMPLATE.
 * Any thread. */
int octo_tplcache_get(const char *rel, struct octo_tpl **out, octo_error *err);
void octo_tplcache_clear(void);

/* The environment templates of flows are compiled with: include, import
 * and extends resolve through octo_tplcache_get; limits 16 MiB of output
 * and depth 100. */
const struct octo_tpl_env *octo_flow_tpl_env(void);

#endif
