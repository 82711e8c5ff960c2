/* plugins.h - plugin loader (dlopen + ABI checks) and step type registry.
 *
 * Plugins are found in PLUGINS_PATH (colon-separated directories), else
 * in plugins/ next to the executable (a build tree), else in
 * PREFIX/lib/octoflow/plugins found relative to the executable (the
 * configured directory when that does not exist) followed by the
 * third-party directory /usr/local/lib/octoflow/plugins; each *.so is loaded in sorted order with
 * RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, its octo_plugin_entry called
 * with the host table, and its descriptors checked (ABI major equal,
 * required minor not above ours, struct sizes, names, option schemas,
 * defaults, duplicate step types). A refused plugin is skipped with a
 * message naming the file and the reason; the others keep working.
 * Descriptors are copied into zero-extended local structs, reading at
 * most the plugin's struct_size bytes.
 *
 * Load once at start-up, before other threads exist; afterwards the
 * registry is read-only and may be read from any thread.
 */
#ifndef OCTO_PLUGINS_H
#define OCTO_PLUGINS_H

#include <limits.h>
#include <stddef.h>

#include <octoflow/octo_step.h>

struct octo_plugin_info {
    char file[PATH_MAX];
    char name[128];
    char version[64];
    unsigned abi_major;
    unsigned abi_minor;
};

struct octo_steptype {
    octo_step_type t;  /* zero-extended copy of the plugin's descriptor */
    octo_option *opts; /* zero-extended copies, nopts entries */
    size_t nopts;
    int data_key_opt;   /* index of the DATA_KEY option, or -1 */
    size_t plugin;      /* index into the plugin list */
    unsigned abi_minor; /* the minor its plugin was built for (1.1 members) */
};

/* Load every plugin from the configured search path (see above). exe_dir
 * is the directory of the running executable (may be NULL). Returns the
 * number of plugins loaded; problems are kept (octo_plugins_problem) and
 * logged. */
int octo_plugins_load_default(const char *exe_dir);
/* Load plugins from one directory / one file. Return OCTO_OK or an error
 * (the message names the file and the reason). */
int octo_plugins_load_dir(const char *dir, octo_error *err);
int octo_plugins_load_file(const char *path, octo_error *err);

/* Forget every registered step type (plugins stay mapped). Tests only. */
void octo_plugins_reset(void);

/* The step type registered under name or one of its aliases, or NULL. */
const struct octo_steptype *octo_plugins_find(const char *name);
size_t octo_plugins_type_count(void);
const struct octo_steptype *octo_plugins_type_at(size_t i);
size_t octo_plugins_count(void);
const struct octo_plugin_info *octo_plugins_at(size_t i);
/* Refusal messages collected while loading. */
size_t octo_plugins_problem_count(void);
const char *octo_plugins_problem(size_t i);
/* "plugin x.so was refused: <reason>" for a step type named like a
 * refused plugin file (type_name.so): 1 and out filled, else 0. */
int octo_plugins_refusal(const char *type_name, char *out, size_t cap);
/* Directories searched by the last octo_plugins_load_default ("a:b"). */
const char *octo_plugins_searched(void);
/* Comma-separated sorted list of known step type names (for messages). */
void octo_plugins_known(char *out, size_t cap);

/* The host services table handed to plugins. */
const octo_host *octo_host_table(void);

#endif
