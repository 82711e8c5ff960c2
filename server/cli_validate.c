/* cli_validate.c - `octoflow validate`: check flows without running them
 * (read-only: no directory, lock, job or log file is created). */
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

int octo_cmd_validate(int argc, char **argv, const char *exe_dir)
{
    const struct octo_cli_cmd *c = octo_cli_find("validate");
    struct octo_cli_args a;
    json_t *names = json_array();
    unsigned flags = 0;
    int bad = 0;
    int k;
    size_t i;
    json_t *name;
    int rc = octo_cli_parse(c, argc, argv, &a);

    if (rc != OCTO_CLI_PARSED) {
        json_decref(names);
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    if (octo_cli_get(c, &a, "--strict") != NULL) {
        flags |= OCTO_FLOW_STRICT;
    }
    for (k = 0; k < a.npos; k++) {
        json_array_append_new(names, json_string(a.pos[k]));
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) != 0) {
        json_decref(names);
        return OCTO_EXIT_USAGE;
    }
    if (json_array_size(names) == 0) {
        json_decref(names);
        names = octo_flow_files();
    }
    json_array_foreach(names, i, name)
    {
        json_t *report = NULL;
        octo_error err;
        int valid;

        memset(&err, 0, sizeof(err));
        if (octo_flow_check(json_string_value(name), flags, &report, &err) != OCTO_OK) {
            printf("error: %s\n", err.msg);
            printf("%s: INVALID (0 warnings)\n", json_string_value(name));
            bad++;
            continue;
        }
        valid = json_is_true(json_object_get(report, "valid"));
        bad += !valid;
        octo_cli_print_messages(json_object_get(report, "errors"), "error", stdout);
        octo_cli_print_messages(json_object_get(report, "warnings"), "warning", stdout);
        printf("%s: %s (%zu warning%s)\n", json_string_value(name), valid ? "valid" : "INVALID",
               json_array_size(json_object_get(report, "warnings")),
               json_array_size(json_object_get(report, "warnings")) == 1 ? "" : "s");
        json_decref(report);
    }
    printf("%zu flow%s checked, %d invalid\n", json_array_size(names),
           json_array_size(names) == 1 ? "" : "s", bad);
    json_decref(names);
    octo_core_shutdown();
    return bad > 0 ? OCTO_EXIT_FAILED : OCTO_EXIT_OK;
}
