/* cli_spec.c - the command table (see cli_spec.h) and its parser. */
#include "cli_spec.h"

#include <string.h>

const char octo_cli_overview[] =
    "Octoflow runs flows: YAML files of steps (read and write files, call REST APIs,\n"
    "transform with jq, render Jinja2 templates, run sub-flows). `octoflow run` runs\n"
    "one flow and prints its final data; `octoflow serve` is the service: a REST API\n"
    "to launch flows, and schedules (cron or intervals). FLOW is looked up under\n"
    "FLOWS_PATH first, then as a file path.";

const char octo_cli_environment[] =
    "DATA_PATH\tthe data directory (default ./data): flows/, templates/, secrets.yml, "
    "config.yml, logs/, locks/, octoflow.db\n"
    "FLOWS_PATH\tthe flows (DATA_PATH/flows)\n"
    "TEMPLATES_PATH\tthe Jinja2 templates (DATA_PATH/templates)\n"
    "SECRETS_PATH\tthe secrets file (DATA_PATH/secrets.yml)\n"
    "CONFIG_FILE\tschedules started with the service (DATA_PATH/config.yml)\n"
    "LOG_PATH, LOG_FILE_NAME, LOG_LEVEL\tthe log file and its level (INFO)\n"
    "LOG_STDERR\t1: also write log lines to stderr; 0: never (default: on, except under "
    "systemd when the log file is written)\n"
    "PLUGINS_PATH\tplugin directories, colon-separated (default: PREFIX/lib/octoflow/plugins "
    "next to the executable, then /usr/local/lib/octoflow/plugins)\n"
    "TEMPLATE_UNDEFINED\tstrict: an undefined variable in a templated option is an error\n"
    "NO_COLOR\tset: no colours in the run summary\n"
    "API_TOKEN, API_PORT, API_HOST, API_PROTOCOL\tthe service's API (docs/service.md)";

const char octo_cli_exit_statuses[] =
    "0\tsuccess\n"
    "1\tthe flow failed (run), a flow is invalid (validate), a job was not found (jobs)\n"
    "2\tusage error, invalid flow or configuration\n"
    "3\tthe flow is already running (run)";

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, NULL, NULL, NULL                                                                  \
    }

const struct octo_cli_cmd octo_cli_cmds[] = {
    {"serve",
     "",
     0,
     0,
     NULL,
     "run the service: the REST API and the schedules",
     "Starts the service: the REST API (API_PORT, default 5000) and the schedules of "
     "config.yml and of the job store. Configured by environment variables only. SIGHUP "
     "reopens the log file; SIGTERM stops after running flows finish (SHUTDOWN_GRACE).",
     {END}},
    {"run",
     "FLOW",
     1,
     1,
     "flows",
     "run a flow once and print its final data",
     "Runs FLOW in this process (a job like any other: it takes the flow's lock and is "
     "recorded in the job store). The final flow data goes to stdout as JSON; a summary "
     "(one line per step, its outcome and duration) goes to stderr.",
     {{"--data", 'd', "JSON|@FILE", "the flow's input (__input__): JSON text, or @ and a file",
       "files"},
      {"--timeout", 't', "SECONDS", "cancel the run after SECONDS", NULL},
      {"--output", 'o', "KEY", "print only this key of the final data (text as is)", NULL},
      {"--quiet", 'q', NULL, "no summary on stderr", NULL},
      {"--dry-run", 'n', NULL, "show what each step would do (when, options); call nothing", NULL},
      END}},
    {"validate",
     "[FLOW...]",
     0,
     -1,
     "flows",
     "check flows without running them",
     "Checks the YAML, the flow and step keys, each step's options against its plugin's "
     "schema, templates (also the template files a step names), jq programs and "
     "secret names. Without FLOW: every flow under FLOWS_PATH.",
     {{"--strict", 0, NULL, "unknown keys are errors, not warnings", NULL}, END}},
    {"plugins",
     "",
     0,
     0,
     NULL,
     "list the plugins, step types and their options",
     "Lists the plugins found (and those refused, with the reason), their step types and "
     "each option: type, required, templated, default.",
     {{"--json", 0, NULL, "the same as JSON", NULL}, END}},
    {"schema",
     "",
     0,
     0,
     NULL,
     "print a JSON Schema for flow files",
     "Prints a JSON Schema (draft 2020-12) for flow files, generated from the loaded "
     "plugins' option schemas. Editors complete and check flows with it: save it as "
     "octoflow.schema.json and start a flow with the line\n\n"
     "# yaml-language-server: $schema=octoflow.schema.json",
     {END}},
    {"render",
     "TEMPLATE",
     1,
     1,
     "templates",
     "render a Jinja2 template to stdout",
     "Renders TEMPLATE (looked up under TEMPLATES_PATH first, then as a file path, as the "
     "jinja step does) with the JSON object of --data as its context.",
     {{"--data", 'd', "FILE", "the context: a JSON object in FILE (or @FILE)", "files"}, END}},
    {"jobs list",
     "",
     0,
     0,
     NULL,
     "the job history",
     "Lists jobs from the job store, newest first (the service may be running).",
     {{"--flow", 0, "FLOW", "only this flow (its path under FLOWS_PATH)", "flows"},
      {"--status", 0, "STATUS", "success, failed, cancelled, timeout, exit, ...", NULL},
      {"--state", 0, "STATE", "queued, running or finished", NULL},
      {"--source", 0, "SOURCE", "api, schedule or cli", NULL},
      {"--limit", 0, "N", "at most N jobs (default 50)", NULL},
      {"--json", 0, NULL, "as JSON", NULL},
      END}},
    {"jobs show",
     "ID",
     1,
     1,
     NULL,
     "one job and its step timeline",
     "Shows one job from the job store: its state, outcome, and one line per step "
     "execution (sub-flows and loop items indented).",
     {{"--json", 0, NULL, "as JSON (with input, result and timeline)", NULL}, END}},
    {"init",
     "[DIR]",
     0,
     1,
     "dirs",
     "create a starter data directory",
     "Writes a working starter data directory in DIR (default ./data): a flow, a template, "
     "config.yml, secrets.yml (mode 0600) and octoflow.schema.json for editors. Existing files are "
     "never overwritten. Then: "
     "DATA_PATH=DIR octoflow run hello.yml",
     {END}},
    {"completion",
     "bash|zsh",
     1,
     1,
     NULL,
     "print a shell completion script",
     "Prints the completion script for bash or zsh (installed with the package: bash "
     "completes `octoflow` after a new login). By hand: source <(octoflow completion bash)",
     {END}},
    {"help", "[COMMAND]", 0, 2, NULL, "help on the commands, or on one", "", {END}},
    {"version", "", 0, 0, NULL, "print the version and the step ABI", "", {END}},
    {NULL, NULL, 0, 0, NULL, NULL, NULL, {END}},
};

const struct octo_cli_cmd *octo_cli_find(const char *name)
{
    const struct octo_cli_cmd *c;

    for (c = octo_cli_cmds; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

void octo_cli_usage_line(const struct octo_cli_cmd *c, FILE *fp)
{
    const struct octo_cli_opt *o;

    fprintf(fp, "usage: octoflow %s", c->name);
    for (o = c->opts; o->name != NULL; o++) {
        fprintf(fp, " [%s%s%s]", o->name, o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
    }
    fprintf(fp, "%s%s\n", c->args[0] != '\0' ? " " : "", c->args);
}

/* Text filled to 78 columns; an empty line starts a new paragraph. */
static void wrap(const char *text, FILE *fp)
{
    size_t col = 0;
    const char *p = text;

    while (*p != '\0') {
        size_t n = strcspn(p, " \n");

        if (col > 0 && col + 1 + n > 78) {
            fputc('\n', fp);
            col = 0;
        } else if (col > 0) {
            fputc(' ', fp);
            col++;
        }
        fwrite(p, 1, n, fp);
        col += n;
        p += n;
        if (p[0] == '\n' && p[1] == '\n') {
            fputs("\n\n", fp);
            col = 0;
            p += 2;
        } else if (*p != '\0') {
            p++;
        }
    }
    fputc('\n', fp);
}

void octo_cli_help(const struct octo_cli_cmd *c, FILE *fp)
{
    const struct octo_cli_opt *o;

    octo_cli_usage_line(c, fp);
    fputc('\n', fp);
    wrap(c->description[0] != '\0' ? c->description : c->summary, fp);
    fprintf(fp, "\noptions:\n");
    for (o = c->opts; o->name != NULL; o++) {
        char left[64];

        if (o->short_name != 0) {
            snprintf(left, sizeof(left), "-%c, %s%s%s", o->short_name, o->name,
                     o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
        } else {
            snprintf(left, sizeof(left), "    %s%s%s", o->name, o->arg != NULL ? " " : "",
                     o->arg != NULL ? o->arg : "");
        }
        fprintf(fp, "  %-24s %s\n", left, o->help);
    }
    fprintf(fp, "  %-24s %s\n", "-h, --help", "show this help and exit");
}

static const struct octo_cli_opt *find_opt(const struct octo_cli_cmd *c, const char *arg,
                                           size_t len, int *index)
{
    int i;

    for (i = 0; c->opts[i].name != NULL; i++) {
        const struct octo_cli_opt *o = &c->opts[i];

        if ((len == 2 && arg[0] == '-' && arg[1] == o->short_name && o->short_name != 0) ||
            (strlen(o->name) == len && strncmp(o->name, arg, len) == 0)) {
            *index = i;
            return o;
        }
    }
    return NULL;
}

static int bad(const struct octo_cli_cmd *c, const char *what, const char *arg)
{
    fprintf(stderr, "octoflow %s: %s%s\n", c->name, what, arg != NULL ? arg : "");
    octo_cli_usage_line(c, stderr);
    fprintf(stderr, "(octoflow %s --help for more)\n", c->name);
    return OCTO_CLI_BAD;
}

int octo_cli_parse(const struct octo_cli_cmd *c, int argc, char **argv, struct octo_cli_args *a)
{
    int i;
    int options_done = 0;

    memset(a, 0, sizeof(*a));
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (!options_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            octo_cli_help(c, stdout);
            return OCTO_CLI_HELP_SHOWN;
        }
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = 1;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            const char *eq = strchr(arg, '=');
            size_t len = eq != NULL && arg[1] == '-' ? (size_t)(eq - arg) : strlen(arg);
            int k = -1;
            const struct octo_cli_opt *o = find_opt(c, arg, len, &k);

            if (o == NULL) {
                return bad(c, "unknown option ", arg);
            }
            if (o->arg == NULL) {
                if (len != strlen(arg)) {
                    return bad(c, "this option takes no value: ", arg);
                }
                a->value[k] = "";
            } else if (len != strlen(arg)) {
                a->value[k] = arg + len + 1;
            } else if (i + 1 < argc) {
                a->value[k] = argv[++i];
            } else {
                return bad(c, "a value is missing after ", arg);
            }
        } else {
            if (a->npos >= OCTO_CLI_MAX_POS || (c->max_pos >= 0 && a->npos >= c->max_pos)) {
                return bad(c, "unexpected argument ", arg);
            }
            a->pos[a->npos++] = arg;
        }
    }
    if (a->npos < c->min_pos) {
        char what[96];

        snprintf(what, sizeof(what), "missing %s", c->args);
        return bad(c, what, NULL);
    }
    return OCTO_CLI_PARSED;
}

const char *octo_cli_get(const struct octo_cli_cmd *c, const struct octo_cli_args *a,
                         const char *name)
{
    int i;

    for (i = 0; c->opts[i].name != NULL; i++) {
        if (strcmp(c->opts[i].name, name) == 0) {
            return a->value[i];
        }
    }
    return NULL;
}
