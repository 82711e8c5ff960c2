/* config.h - environment variables, paths and config.yml.
 *
 * Read once at start-up (octo_config_load) into an immutable struct that
 * every thread may then read without locking. Paths derive from the
 * effective DATA_PATH unless set, and are made absolute; the data,
 * locks, logs, flows and templates directories are created recursively.
 * A missing config.yml is an empty configuration; an unreadable or
 * invalid one is an error (never a hang, unlike the original).
 */
#ifndef OCTO_CONFIG_H
#define OCTO_CONFIG_H

#include <limits.h>

#include <jansson.h>
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

/* struct octo_config is public: octoflow/core.h */

/* An integer environment variable in min..max (def when unset or "").
 * Returns OCTO_OK or fills err naming the variable. */
int octo_env_long(const char *name, long def, long min, long max, long *out, octo_error *err);
/* The jobs/workers/limits part of octo_config_load (config_runs.c). */
int octo_config_load_runs(struct octo_config *cfg, octo_error *err);

/* Read the environment (getenv) and config.yml into cfg, create the
 * directories. cfg->file is a new reference owned by cfg (release with
 * octo_config_free). Returns OCTO_OK or fills err. Call before threads. */
int octo_config_load(struct octo_config *cfg, octo_error *err);
/* The same with OCTO_CONFIG_* flags: NO_MKDIR for the read-only commands
 * (validate, plugins, render, schema, jobs), which must not leave
 * directories behind wherever they are run. */
#define OCTO_CONFIG_NO_MKDIR (1u << 0)
int octo_config_load_ex(struct octo_config *cfg, unsigned flags, octo_error *err);
void octo_config_free(struct octo_config *cfg);

/* Set the process-wide configuration octo_config() returns. */
void octo_config_set(const struct octo_config *cfg);

/* mkdir -p; returns 0 or -1 with errno set. */
int octo_mkdirs(const char *path, int mode);

#endif
