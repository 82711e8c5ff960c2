/* config_runs.c - the settings of jobs, worker processes and run limits.
 *
 * Split from config.c, which reads paths and the API settings. The
 * variables are documented in docs/cli.md (Configuration),
 * docs/operations.md (workers, run limits) and docs/jobs.md (the job
 * store); every bound below is
 * there so a typo (an extra zero, a negative) fails at start with the
 * variable's name instead of surfacing as a strange run later.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);

    return (v != NULL && v[0] != '\0') ? v : def;
}

static int env_bool(const char *name, int def, int *out, octo_error *err)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] == '\0') {
        *out = def;
    } else if (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
               strcasecmp(v, "on") == 0) {
        *out = 1;
    } else if (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
               strcasecmp(v, "off") == 0) {
        *out = 0;
    } else {
        return octo_error_set(err, OCTO_EINVAL, name, "%s=\"%s\" must be true or false", name, v);
    }
    return OCTO_OK;
}

#define LONG_VAR(name, field, def, min, max)                                                       \
    do {                                                                                           \
        long v_;                                                                                   \
        if (octo_env_long(name, def, min, max, &v_, err) != OCTO_OK) {                             \
            return err->code;                                                                      \
        }                                                                                          \
        cfg->field = v_;                                                                           \
    } while (0)

int octo_config_load_runs(struct octo_config *cfg, octo_error *err)
{
    const char *db;
    const char *iso;

    /* JOBS_DB itself is derived with the other paths (config.c) */
    db = getenv("JOBS_DB");
    if (db != NULL && strcmp(db, "none") == 0) {
        cfg->jobs_db[0] = '\0'; /* no job store: no history (benchmarks, throwaway setups) */
    }
    LONG_VAR("JOBS_MAX_DATA_BYTES", jobs_max_data_bytes, 1L << 20, 1024, 1L << 30);
    LONG_VAR("JOBS_RETENTION_DAYS", jobs_retention_days, 30, 0, 36500);
    LONG_VAR("JOBS_MAX", jobs_max, 100000, 0, 1000000000L);
    LONG_VAR("JOBS_PRUNE_INTERVAL", jobs_prune_interval, 3600, 1, 86400 * 7);
    LONG_VAR("JOBS_QUEUE_MAX", jobs_queue_max, 20000, 100, 150000);
    LONG_VAR("KILL_GRACE_SECONDS", kill_grace, 5, 0, 3600);
    LONG_VAR("WORKER_MAX_MEMORY_MB", worker_max_memory_mb, 1024, 0, 1L << 20);
    LONG_VAR("WORKER_MAX_CPU_SECONDS", worker_max_cpu_seconds, 0, 0, 86400 * 365);
    LONG_VAR("WORKER_MAX_JOBS", worker_max_jobs, 10000, 0, 1000000000L);
    LONG_VAR("MAX_SUBRUNS_PER_RUN", max_subruns, 100000, 1, 100000000L);
    LONG_VAR("MAX_STEPS_PER_RUN", max_steps, 10000, 1, 100000000L);
    if (env_bool("WORKER_SANDBOX", 1, &cfg->worker_sandbox, err) != OCTO_OK) {
        return err->code;
    }
    iso = env_or("FLOW_ISOLATION", "process");
    if (strcmp(iso, "process") == 0) {
        cfg->isolation = OCTO_ISOLATION_PROCESS;
    } else if (strcmp(iso, "thread") == 0) {
        cfg->isolation = OCTO_ISOLATION_THREAD;
    } else {
        return octo_error_set(err, OCTO_EINVAL, "FLOW_ISOLATION",
                              "FLOW_ISOLATION=\"%s\" must be process or thread", iso);
    }
    iso = env_or("TEMPLATE_UNDEFINED", "warn");
    if (strcmp(iso, "strict") == 0 || strcmp(iso, "warn") == 0) {
        cfg->template_strict = strcmp(iso, "strict") == 0;
    } else {
        return octo_error_set(err, OCTO_EINVAL, "TEMPLATE_UNDEFINED",
                              "TEMPLATE_UNDEFINED=\"%s\" must be warn or strict", iso);
    }
    snprintf(cfg->node_name, sizeof(cfg->node_name), "%s", env_or("NODE_NAME", ""));
    if (cfg->node_name[0] == '\0' && gethostname(cfg->node_name, sizeof(cfg->node_name)) != 0) {
        snprintf(cfg->node_name, sizeof(cfg->node_name), "localhost");
    }
    cfg->node_name[sizeof(cfg->node_name) - 1] = '\0';
    return OCTO_OK;
}
