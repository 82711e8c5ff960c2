/* main.c - the octoflow executable: dispatch to a command.
 *
 * Every command's options come from one table (cli_spec.c): `--help`
 * works for each, an unknown option exits 2 with the command's usage.
 * `octoflow` alone prints the help; the service is `octoflow serve`.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

void octo_cli_usage(FILE *fp)
{
    const struct octo_cli_cmd *c;

    fprintf(fp, "usage: octoflow COMMAND [OPTIONS] [ARGS]\n\n%s\n\ncommands:\n", octo_cli_overview);
    for (c = octo_cli_cmds; c->name != NULL; c++) {
        char left[48];

        snprintf(left, sizeof(left), "%s%s%s", c->name, c->args[0] != '\0' ? " " : "", c->args);
        fprintf(fp, "  %-22s %s\n", left, c->summary);
    }
    fprintf(fp, "\n  -h, --help             this help (octoflow COMMAND --help: a command's)\n"
                "      --version          the version and the step ABI\n"
                "\nexit status: 0 ok, 1 the flow failed, 2 usage or validation error,\n"
                "3 the flow is already running. Environment: DATA_PATH (./data), FLOWS_PATH,\n"
                "TEMPLATES_PATH, PLUGINS_PATH, LOG_LEVEL, ... (man octoflow, docs/).\n");
}

static int cmd_version(void)
{
    printf("octoflow %s (step ABI %d.%d)\n", octo_version(), OCTO_ABI_MAJOR, OCTO_ABI_MINOR);
    return OCTO_EXIT_OK;
}

/* Commands without a command of their own file: parse, and nothing more
 * to initialise. */
static int simple(const char *name, int argc, char **argv, struct octo_cli_args *a)
{
    return octo_cli_parse(octo_cli_find(name), argc, argv, a);
}

static int cmd_help(int argc, char **argv)
{
    struct octo_cli_args a;
    int rc = simple("help", argc, argv, &a);
    char name[64];
    const struct octo_cli_cmd *c;

    if (rc != OCTO_CLI_PARSED) {
        return rc == OCTO_CLI_HELP_SHOWN ? OCTO_EXIT_OK : OCTO_EXIT_USAGE;
    }
    if (a.npos == 0) {
        octo_cli_usage(stdout);
        return OCTO_EXIT_OK;
    }
    snprintf(name, sizeof(name), "%s%s%s", a.pos[0], a.npos > 1 ? " " : "",
             a.npos > 1 ? a.pos[1] : "");
    if (strcmp(name, "jobs") == 0) {
        octo_cli_help(octo_cli_find("jobs list"), stdout);
        printf("\n");
        octo_cli_help(octo_cli_find("jobs show"), stdout);
        return OCTO_EXIT_OK;
    }
    c = octo_cli_find(name);
    if (c == NULL) {
        fprintf(stderr, "octoflow help: no command \"%s\"\n", name);
        return OCTO_EXIT_USAGE;
    }
    octo_cli_help(c, stdout);
    return OCTO_EXIT_OK;
}

static int cmd_completion(int argc, char **argv)
{
    struct octo_cli_args a;
    int rc = simple("completion", argc, argv, &a);

    if (rc != OCTO_CLI_PARSED) {
        return rc == OCTO_CLI_HELP_SHOWN ? OCTO_EXIT_OK : OCTO_EXIT_USAGE;
    }
    if (octo_cli_completion(a.pos[0], stdout) != 0) {
        fprintf(stderr, "octoflow completion: no completion for \"%s\" (bash, zsh)\n", a.pos[0]);
        return OCTO_EXIT_USAGE;
    }
    return OCTO_EXIT_OK;
}

static int unknown_command(const char *cmd)
{
    const char *names[32];
    const char *hint;
    size_t n = 0;
    const struct octo_cli_cmd *c;

    for (c = octo_cli_cmds; c->name != NULL && n < 30; c++) {
        if (strchr(c->name, ' ') == NULL) {
            names[n++] = c->name;
        }
    }
    names[n++] = "jobs";
    names[n] = NULL;
    hint = octo_suggest(cmd, names);
    if (cmd[0] == '-') {
        fprintf(stderr, "octoflow: unknown option %s\n\n", cmd);
    } else if (hint != NULL) {
        fprintf(stderr, "octoflow: unknown command \"%s\" (did you mean \"%s\"?)\n\n", cmd, hint);
    } else {
        fprintf(stderr, "octoflow: unknown command \"%s\"\n\n", cmd);
    }
    octo_cli_usage(stderr);
    return OCTO_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    char exe[PATH_MAX];
    char exe_path[PATH_MAX] = "";
    char *exe_dir = NULL;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (n > 0) {
        exe[n] = '\0';
        snprintf(exe_path, sizeof(exe_path), "%s", exe);
        exe_dir = dirname(exe);
    }
    if (cmd == NULL || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        octo_cli_usage(stdout);
        return OCTO_EXIT_OK;
    }
    if (strcmp(cmd, "__zygote") == 0) { /* internal: the service's worker zygote */
        octo_core_zygote_main(exe_dir);
    }
    if (strcmp(cmd, "__man") == 0) { /* internal: the build writes octoflow.1 */
        octo_cli_man(stdout);
        return OCTO_EXIT_OK;
    }
    if (strcmp(cmd, "__list") == 0) { /* internal: names for shell completion */
        return octo_cmd_list(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "help") == 0) {
        return cmd_help(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        struct octo_cli_args a;
        int rc = argc > 2 ? simple("version", argc - 1, argv + 1, &a) : OCTO_CLI_PARSED;

        if (rc != OCTO_CLI_PARSED) {
            return rc == OCTO_CLI_HELP_SHOWN ? OCTO_EXIT_OK : OCTO_EXIT_USAGE;
        }
        return cmd_version();
    }
    if (strcmp(cmd, "completion") == 0) {
        return cmd_completion(argc - 1, argv + 1);
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
    if (strcmp(cmd, "schema") == 0) {
        return octo_cmd_schema(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "render") == 0) {
        return octo_cmd_render(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "jobs") == 0) {
        return octo_cmd_jobs(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "init") == 0) {
        return octo_cmd_init(argc - 1, argv + 1, exe_dir);
    }
    if (strcmp(cmd, "serve") == 0) {
        return octo_cmd_serve(argc - 1, argv + 1, exe_path[0] ? exe_path : NULL, exe_dir);
    }
    return unknown_command(cmd);
}
