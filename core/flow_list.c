/* flow_list.c - every flow file with its validation verdict and its
 * schedule, for the dashboard's flows page (GET /api/v1/flows).
 *
 * The service only ever loads flows shallow (flow_check.c says why); the
 * full check - jq programs compiled, plugins' prepare() - is a worker's,
 * once per version of a file. A listing reports the shallow verdict,
 * and the full one when asked (full != 0), which costs one worker
 * round-trip per flow the first time and nothing afterwards.
 */
#include <string.h>

#include <octoflow/core.h>

#include "flow.h"

/* The full check's verdict merged into report (borrowed). */
static void full_check(const char *path, json_t *report)
{
    struct octo_flow *f = NULL;
    octo_error err;
    json_t *diags = json_object();
    int rc;

    memset(&err, 0, sizeof(err));
    if (octo_flow_get(path, &f, NULL, &err) != OCTO_OK) {
        json_decref(diags);
        return;
    }
    rc = octo_flow_deep_check(f, diags, &err);
    if (rc == OCTO_ETIMEDOUT) {
        json_object_set_new(report, "check", json_string("shallow"));
    } else {
        json_object_set_new(report, "check", json_string("full"));
        if (rc != OCTO_OK) {
            json_t *errors = json_object_get(report, "errors");
            json_t *found = json_object_get(diags, "errors");

            json_object_set_new(report, "valid", json_false());
            if (json_array_size(found) > 0) {
                json_array_extend(errors, found);
            } else {
                json_array_append_new(errors, json_string(err.msg));
            }
        }
        if (json_is_array(f->deep_warnings)) {
            json_array_extend(json_object_get(report, "warnings"), f->deep_warnings);
        }
    }
    octo_flow_unref(f);
    json_decref(diags);
}

json_t *octo_flows_report(int full)
{
    json_t *files = octo_flow_files();
    json_t *scheds = octo_sched_list();
    json_t *out = json_array();
    size_t i;
    json_t *p;

    json_array_foreach(files, i, p)
    {
        const char *path = json_string_value(p);
        json_t *report = NULL;
        json_t *sched = json_null();
        octo_error err;
        size_t k;
        json_t *s;

        memset(&err, 0, sizeof(err));
        if (octo_flow_check(path, 0, &report, &err) != OCTO_OK) {
            continue; /* removed meanwhile */
        }
        /* a flow that loaded shallow is known runnable only after the full check */
        json_object_set_new(report, "check", json_string("shallow"));
        if (json_is_true(json_object_get(report, "valid"))) {
            struct octo_flow *f = NULL;

            if (octo_flow_get(path, &f, NULL, &err) == OCTO_OK) {
                if (!f->shallow) {
                    json_object_set_new(report, "check", json_string("full"));
                }
                octo_flow_unref(f);
            }
            if (full) {
                full_check(path, report);
            }
        }
        json_array_foreach(scheds, k, s)
        {
            if (strcmp(json_string_value(json_object_get(s, "path")), path) == 0) {
                sched = json_incref(s);
                break;
            }
        }
        json_object_set_new(report, "schedule", sched);
        json_array_append_new(out, report);
    }
    json_decref(files);
    json_decref(scheds);
    return out;
}
