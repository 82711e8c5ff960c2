/* cli_info.c - `octoflow plugins` (the plugins, their step types and
 * option schemas, from the core's JSON description), `octoflow schema`,
 * `octoflow render` and the names shell completion asks for. None of
 * them creates anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v != NULL ? v : "";
}

static int has_flag(json_t *opt, const char *flag)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(opt, "flags"), i, f)
    {
        if (strcmp(json_string_value(f), flag) == 0) {
            return 1;
        }
    }
    return 0;
}

static void print_json(json_t *j)
{
    char *text = NULL;

    octo_json_text(j, OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &text, NULL);
    printf("%s\n", text != NULL ? text : "{}");
    free(text);
}

static void print_text(json_t *j)
{
    size_t i;
    size_t k;
    size_t n;
    json_t *p;
    json_t *t;
    json_t *op;

    printf("octoflow %s, step ABI %s, plugins from %s\n", str(j, "core_version"), str(j, "abi"),
           str(j, "searched"));
    json_array_foreach(json_object_get(j, "plugins"), i, p)
    {
        printf("\n%s %s (ABI %s) %s\n", str(p, "name"), str(p, "version"), str(p, "abi"),
               str(p, "file"));
        json_array_foreach(json_object_get(p, "steps"), k, t)
        {
            printf("  type %-18s %s\n", str(t, "name"), str(t, "summary"));
            json_array_foreach(json_object_get(t, "options"), n, op)
            {
                json_t *def = json_object_get(op, "default");

                printf("    %-16s %-7s%s%s %s", str(op, "name"), str(op, "type"),
                       has_flag(op, "required") ? " required" : "",
                       has_flag(op, "template") ? " templated" : "", str(op, "summary"));
                if (def != NULL && !json_is_null(def)) {
                    char *text = json_dumps(def, JSON_ENCODE_ANY | JSON_COMPACT);

                    printf(" (default %s)", text != NULL ? text : "?");
                    free(text);
                }
                printf("\n");
            }
        }
    }
    json_array_foreach(json_object_get(j, "problems"), i, p)
    {
        printf("\nrefused: %s\n", json_string_value(p));
    }
}

int octo_cmd_plugins(int argc, char **argv, const char *exe_dir)
{
    const struct octo_cli_cmd *c = octo_cli_find("plugins");
    struct octo_cli_args a;
    int rc = octo_cli_parse(c, argc, argv, &a);
    json_t *j;

    if (rc != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) != 0) {
        return OCTO_EXIT_USAGE;
    }
    j = octo_plugins_json();
    if (octo_cli_get(c, &a, "--json") != NULL) {
        print_json(j);
    } else {
        print_text(j);
    }
    json_decref(j);
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}

int octo_cmd_schema(int argc, char **argv, const char *exe_dir)
{
    struct octo_cli_args a;
    int rc = octo_cli_parse(octo_cli_find("schema"), argc, argv, &a);
    json_t *j;

    if (rc != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) != 0) {
        return OCTO_EXIT_USAGE;
    }
    j = octo_flow_json_schema();
    print_json(j);
    json_decref(j);
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}

int octo_cmd_render(int argc, char **argv)
{
    const struct octo_cli_cmd *c = octo_cli_find("render");
    struct octo_cli_args a;
    int rc = octo_cli_parse(c, argc, argv, &a);

    if (rc != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    return octo_render_template(a.pos[0], octo_cli_get(c, &a, "--data"));
}

int octo_cmd_list(int argc, char **argv)
{
    json_t *names;
    size_t i;
    json_t *n;

    if (argc != 2 || (strcmp(argv[1], "flows") != 0 && strcmp(argv[1], "templates") != 0)) {
        fprintf(stderr, "usage: octoflow __list flows|templates\n");
        return OCTO_EXIT_USAGE;
    }
    if (octo_cli_init(OCTO_ROLE_TOOL, NULL, 0, OCTO_LOG_ERROR, 0) != 0) {
        return OCTO_EXIT_USAGE;
    }
    names = strcmp(argv[1], "flows") == 0 ? octo_flow_files() : octo_template_files();
    json_array_foreach(names, i, n)
    {
        printf("%s\n", json_string_value(n));
    }
    json_decref(names);
    octo_core_shutdown();
    return OCTO_EXIT_OK;
}
