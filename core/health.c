/* health.c - what /api/health says: the service, its job store, its
 * workers. "degraded" when the store cannot record jobs (runs go on). */
#include <octoflow/core.h>

#include "launch.h"
#include "plugins.h"
#include "store.h"
#include "supervisor.h"

json_t *octo_health(void)
{
    json_t *store = octo_store_health();
    json_t *h = json_object();
    int ok = json_is_true(json_object_get(store, "ok"));

    json_object_set_new(h, "status", json_string(ok ? "ok" : "degraded"));
    json_object_set_new(h, "version", json_string(octo_version()));
    json_object_set_new(h, "abi", json_sprintf("%d.%d", OCTO_ABI_MAJOR, OCTO_ABI_MINOR));
    json_object_set_new(h, "running_flows", json_integer((json_int_t)octo_jobs_active_count()));
    json_object_set_new(h, "queued", json_integer((json_int_t)octo_jobs_queued_count()));
    json_object_set_new(h, "plugins", json_integer((json_int_t)octo_plugins_count()));
    json_object_set_new(h, "store", store);
    if (octo_launch_mode() == OCTO_EXEC_PROCESSES && octo_supervisor_running()) {
        json_object_set_new(h, "workers", octo_supervisor_status());
    } else {
        json_object_set_new(
            h, "workers",
            json_pack("{s:s}", "isolation",
                      octo_launch_mode() == OCTO_EXEC_THREADS ? "thread" : "inline"));
    }
    return h;
}
