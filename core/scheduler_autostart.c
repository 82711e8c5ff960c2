/* scheduler_autostart.c - the schedules the service starts with: the
 * autostart lists of config.yml (re-read at each start, never stored)
 * and the schedules the API stored. Apart from the rest because both read
 * untrusted documents entry by entry: a bad entry is logged with where it
 * is and skipped, and the others still start.
 */
#include <string.h>

#include "errors.h"
#include "log.h"
#include "scheduler_int.h"
#include "store.h"
#include "timefmt.h"

static int autostart_one(json_t *item, size_t i, const char *list)
{
    struct octo_sched_spec spec;
    octo_error err;
    char id[37];
    double timeout = 0;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    if (json_is_string(item)) {
        spec.path = json_string_value(item);
    } else {
        json_t *every = json_object_get(item, "every_seconds");

        spec.path = json_string_value(json_object_get(item, "path"));
        if (spec.path == NULL) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s[%zu] has no path", list, i);
            return 0;
        }
        if (every != NULL && !json_is_null(every) && !json_is_integer(every)) {
            octo_log(OCTO_LOG_ERROR,
                     "Failed to add flow: %s[%zu].every_seconds must be an "
                     "integer",
                     list, i);
            return 0;
        }
        if (octo_seconds_check(json_object_get(item, "timeout_seconds"), "timeout_seconds",
                               &timeout, &err) != OCTO_OK) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s[%zu]: %s", list, i, err.msg);
            return 0;
        }
        spec.cron = json_string_value(json_object_get(item, "cron"));
        spec.every_seconds = (long)json_integer_value(every);
        spec.timeout = timeout;
        spec.overlap = json_string_value(json_object_get(item, "overlap"));
        spec.missed = json_string_value(json_object_get(item, "missed"));
    }
    if (octo_sched_add_entry(&spec, 1, NULL, id, &err) != OCTO_SCHED_OK) {
        octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s", err.msg);
        return 0;
    }
    return 1;
}

int octo_sched_autostart(json_t *config)
{
    static const char *const lists[] = {"autostart", "autostart_flows"};
    int added = 0;
    size_t k;

    for (k = 0; k < 2; k++) {
        json_t *list = json_object_get(config, lists[k]);
        json_t *item;
        size_t i;

        if (list != NULL && !json_is_array(list) && !json_is_null(list)) {
            octo_log(OCTO_LOG_ERROR, "config.yml: %s must be a list", lists[k]);
            continue;
        }
        json_array_foreach(list, i, item)
        {
            if (k == 0 && !json_is_string(item)) {
                octo_log(OCTO_LOG_ERROR, "Failed to add flow: autostart[%zu] is not a path", i);
                continue;
            }
            added += autostart_one(item, i, lists[k]);
        }
    }
    return added;
}

int octo_sched_restore(void)
{
    json_t *rows = NULL;
    json_t *row;
    size_t i;
    int n = 0;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_store_sched_list(&rows, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "Stored schedules not restored: %s", err.msg);
        return 0;
    }
    json_array_foreach(rows, i, row)
    {
        struct octo_sched_spec spec;
        char id[37];

        memset(&spec, 0, sizeof(spec));
        memset(&err, 0, sizeof(err));
        spec.path = json_string_value(json_object_get(row, "path"));
        spec.cron = json_string_value(json_object_get(row, "cron"));
        spec.every_seconds = (long)json_integer_value(json_object_get(row, "every_seconds"));
        spec.timeout = json_number_value(json_object_get(row, "timeout"));
        spec.overlap = json_string_value(json_object_get(row, "overlap"));
        spec.missed = json_string_value(json_object_get(row, "missed"));
        spec.paused = (int)json_integer_value(json_object_get(row, "paused"));
        if (spec.path == NULL) {
            continue;
        }
        if (octo_sched_add_entry(&spec, 0, row, id, &err) != OCTO_SCHED_OK) {
            octo_log(OCTO_LOG_ERROR, "Stored schedule %s (%s) not restored: %s",
                     json_string_value(json_object_get(row, "id")), spec.path, err.msg);
        } else {
            n++;
        }
    }
    json_decref(rows);
    return n;
}
