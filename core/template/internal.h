/* internal.h - TPL_INTERNAL marks the declarations of what the engine's
 * files share but no one outside core/template may use (the API is
 * template.h): hidden from the dynamic symbol table whatever the build's
 * default visibility, so a plugin or a program linking the engine cannot
 * come to depend on it. */
#ifndef OCTO_TPL_INTERNAL_H
#define OCTO_TPL_INTERNAL_H

#define TPL_INTERNAL __attribute__((visibility("hidden")))

#endif
