/* core.c - start-up and shut-down of the core (see octoflow/core.h). */
#include <octoflow/core.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "tplcache.h"

static struct octo_config g_cfg;
static int g_pool_started;

int octo_core_init(const struct octo_core_opts *opts, octo_error *err)
{
    int rc;

    json_object_seed(0);
    rc = octo_config_load(&g_cfg, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    octo_config_set(&g_cfg);
    octo_log_set_level(opts->log_level != 0 ? opts->log_level : g_cfg.log_level);
    if (opts->log_to_file) {
        rc = octo_log_open(g_cfg.log_path, g_cfg.log_file_name, err);
        if (rc != OCTO_OK) {
            return rc;
        }
    }
    rc = octo_timefmt_init(g_cfg.timezone, err);
    if (rc != OCTO_OK) {
        octo_error_prefix(err, "TIMEZONE");
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "libcurl initialisation failed");
    }
    if (opts->load_plugins) {
        octo_plugins_load_default(opts->exe_dir);
    }
    if (opts->start_pool) {
        if (octo_pool_start(g_cfg.flow_max_workers) != 0) {
            return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the worker pool");
        }
        g_pool_started = 1;
    }
    return OCTO_OK;
}

void octo_core_shutdown(void)
{
    if (g_pool_started) {
        octo_pool_stop();
        g_pool_started = 0;
    }
    octo_flow_cache_clear();
    octo_tplcache_clear();
    octo_secrets_reset();
    octo_locks_release_all_owned();
    octo_timefmt_shutdown();
    curl_global_cleanup();
    octo_log_close();
    octo_config_set(NULL);
    octo_config_free(&g_cfg);
}
