/* main.c - the octoflow executable: dispatch to a command. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "cli.h"

void octo_cli_usage(FILE *fp)
{
    fprintf(fp,
            "usage: octoflow [COMMAND] [ARGS]\n"
            "\n"
            "commands:\n"
            "  serve                         run the service: REST API and schedules (default)\n"
            "  run FLOW [--data JSON|@FILE]  run a flow once, print its final data as JSON\n"
            "                                exit 0 ok, 1 the flow failed, 2 usage/validation,\n"
            "                                3 the flow is already running\n"
            "  validate [--strict] [FLOW...] validate flows (all under FLOWS_PATH by default)\n"
            "  plugins [--json]              list plugins, step types and option schemas\n"
            "  render [--data FILE] TEMPLATE render a Jinja2 template to stdout\n"
            "  jobs list [--flow F] [--status S] [--state S] [--source S] [--limit N]\n"
            "                                the job history (from the job store)\n"
            "  jobs show ID                  one job and its step timeline\n"
            "  --help, --version\n"
            "\n"
            "FLOW is looked up under FLOWS_PATH first, then as a file path.\n"
            "Environment: DATA_PATH, FLOWS_PATH, TEMPLATES_PATH, LOCK_PATH, LOG_PATH, LOG_LEVEL,\n"
            "PLUGINS_PATH, ... (see README.md).\n");
}

int main(int argc, char **argv)
{
    char exe[PATH_MAX];
    char exe_path[PATH_MAX] = "";
    char *exe_dir = NULL;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *cmd = argc > 1 ? argv[1] : "serve";

    if (n > 0) {
        exe[n] = '\0';
        snprintf(exe_path, sizeof(exe_path), "%s", exe);
        exe_dir = dirname(exe);
    }
    if (strcmp(cmd, "__zygote") == 0) { /* internal: the service's worker zygote */
        octo_core_zygote_main(exe_dir);
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        octo_cli_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("octoflow %s (step ABI %d.%d)\n", octo_version(), OCTO_ABI_MAJOR, OCTO_ABI_MINOR);
        return 0;
    }
    if (strcmp(cmd, "run") == 0) {
        return octo_cmd_run(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "validate") == 0) {
        return octo_cmd_validate(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "plugins") == 0) {
        return octo_cmd_plugins(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "render") == 0) {
        return octo_render_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "jobs") == 0) {
        return octo_cmd_jobs(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "serve") == 0) {
        return octo_cmd_serve(argc > 1 ? argc - 1 : 0, argv + 1, exe_path[0] ? exe_path : NULL,
                              exe_dir);
    }
    fprintf(stderr, "octoflow: unknown command \"%s\"\n\n", cmd);
    octo_cli_usage(stderr);
    return OCTO_EXIT_USAGE;
}
