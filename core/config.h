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
#include <octoflow/octo_step.h>

struct octo_config {
    char data_path[PATH_MAX];
    char lock_path[PATH_MAX];
    char log_path[PATH_MAX];
    char log_file_name[256];
    char flows_path[PATH_MAX];
    char templates_path[PATH_MAX];
    char secrets_path[PATH_MAX];
    char config_file[PATH_MAX];
    char jobs_db[PATH_MAX];          /* JOBS_DB: the job store (SQLite); not created here */
    char plugins_path[4 * PATH_MAX]; /* PLUGINS_PATH as given ("" if unset) */
    int log_level;                   /* OCTO_LOG_* */

    /* API (server) */
    int api_port;
    char api_protocol[32];  /* "http", "https", "http,https" */
    char api_token[512];
    int api_token_is_default;
    char api_host[256];     /* "" : decided by the server */
    int api_https_port;     /* second port when both protocols (default port+1) */
    char api_tls_cert[PATH_MAX];
    char api_tls_key[PATH_MAX];
    char api_cors_origins[1024];
    long api_max_body;      /* bytes */
    int api_threads;

    /* runs */
    int flow_timeout;       /* seconds, scheduled runs (FLOW_TIMEOUT) */
    int flow_max_workers;   /* FLOW_MAX_WORKERS */
    int max_depth;          /* sub-flow depth limit */
    int shutdown_grace;     /* seconds */
    char timezone[128];     /* TIMEZONE ("" = system) */

    /* secrets and REST */
    char vault_token[1024];
    int vault_cache_ttl;
    char connect_to[2048];  /* OCTO_CONNECT_TO */
    char ca_file[PATH_MAX]; /* OCTO_CA_FILE */
    int tls_verify;         /* OCTO_TLS_VERIFY (default 1) */

    json_t *file;           /* config.yml content (object; owned) */
};

/* Read the environment (getenv) and config.yml into cfg, create the
 * directories. cfg->file is a new reference owned by cfg (release with
 * octo_config_free). Returns OCTO_OK or fills err. Call before threads. */
int octo_config_load(struct octo_config *cfg, octo_error *err);
void octo_config_free(struct octo_config *cfg);

/* The process-wide configuration set by octo_config_set (borrowed,
 * read-only; valid until the process ends). */
const struct octo_config *octo_config(void);
void octo_config_set(const struct octo_config *cfg);

/* mkdir -p; returns 0 or -1 with errno set. */
int octo_mkdirs(const char *path, int mode);

#endif
