/* cli_init.c - `octoflow init [DIR]`: a starter data directory that
 * `octoflow run` runs at once. Existing files are never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "cli.h"
#include "cli_spec.h"

static const char HELLO_FLOW[] =
    "# A starter flow. Run it with:\n"
    "#   DATA_PATH=@DIR@ octoflow run hello.yml --data '{\"name\": \"you\"}'\n"
    "# Editors complete and check flows with ../octoflow.schema.json (octoflow schema).\n"
    "# yaml-language-server: $schema=../octoflow.schema.json\n"
    "name: hello\n"
    "description: greets someone, renders a report, writes it under output/\n"
    "steps:\n"
    "  - name: greeting\n"
    "    type: jq\n"
    "    jq:\n"
    "      data_key: __input__\n"
    "      expression: '{name: (.name? // \"world\"), greeting: (\"Hello, \" + (.name? // "
    "\"world\") + \"!\")}'\n"
    "\n"
    "  - name: report\n"
    "    type: jinja\n"
    "    jinja:\n"
    "      path: hello.j2\n"
    "      data_key: greeting\n"
    "\n"
    "  - name: save\n"
    "    type: file\n"
    "    file:\n"
    "      path: output/hello-{{ greeting.name }}.txt\n"
    "      mode: write\n"
    "      type: text\n"
    "      data_key: report\n";

static const char HELLO_TEMPLATE[] =
    "{{ greeting }}\n"
    "This report was rendered by the jinja step from the jq step's result.\n";

static const char CONFIG[] =
    "# Flows the service (octoflow serve) schedules at start, for example:\n"
    "# autostart:\n"
    "#   - path: hello.yml\n"
    "#     cron: \"0 8 * * 1-5\"\n"
    "autostart: []\n";

static const char SECRETS[] =
    "# Secrets for steps (rest auth, headers): never logged, never returned.\n"
    "# - name: my_api_token\n"
    "#   type: token\n"
    "#   token: change-me\n"
    "[]\n";

/* Write a new file (never over an existing one). 0, or -1 after a message. */
static int write_new(const char *dir, const char *rel, const char *text, mode_t mode,
                     const char *arg)
{
    char path[4096];
    FILE *fp;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST) {
        printf("  kept     %s (exists)\n", rel);
        return 0;
    }
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "octoflow init: cannot create %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    for (const char *p = text; *p != '\0';) { /* @DIR@: the directory given */
        const char *at = strstr(p, "@DIR@");
        size_t n = at != NULL ? (size_t)(at - p) : strlen(p);

        fwrite(p, 1, n, fp);
        if (at == NULL) {
            break;
        }
        fputs(arg, fp);
        p = at + 5;
    }
    if (fclose(fp) != 0) {
        fprintf(stderr, "octoflow init: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("  created  %s\n", rel);
    return 0;
}

static int make_dir(const char *dir, const char *rel)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] != '\0' ? "/" : "", rel);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "octoflow init: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The editor schema the starter flow points to, from the plugins found
 * (0, or -1 after a message). */
static int write_schema(const char *dir, const char *exe_dir)
{
    json_t *schema;
    char *text = NULL;
    int rc;

    if (octo_cli_init(OCTO_ROLE_TOOL, exe_dir, 0, OCTO_LOG_ERROR, 0) != 0) {
        return -1;
    }
    schema = octo_flow_json_schema();
    octo_json_text(schema, OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &text, NULL);
    json_decref(schema);
    octo_core_shutdown();
    if (text == NULL) {
        fprintf(stderr, "octoflow init: cannot build the schema\n");
        return -1;
    }
    rc = write_new(dir, "octoflow.schema.json", text, 0644, dir);
    free(text);
    return rc;
}

int octo_cmd_init(int argc, char **argv, const char *exe_dir)
{
    struct octo_cli_args a;
    int rc = octo_cli_parse(octo_cli_find("init"), argc, argv, &a);
    const char *dir;

    if (rc != OCTO_CLI_PARSED) {
        return OCTO_CLI_PARSE_EXIT(rc);
    }
    dir = a.npos > 0 ? a.pos[0] : "data";
    printf("octoflow init %s\n", dir);
    if (make_dir(dir, "") != 0 || make_dir(dir, "flows") != 0 || make_dir(dir, "templates") != 0 ||
        write_new(dir, "flows/hello.yml", HELLO_FLOW, 0644, dir) != 0 ||
        write_new(dir, "templates/hello.j2", HELLO_TEMPLATE, 0644, dir) != 0 ||
        write_new(dir, "config.yml", CONFIG, 0644, dir) != 0 ||
        write_new(dir, "secrets.yml", SECRETS, 0600, dir) != 0 || write_schema(dir, exe_dir) != 0) {
        return OCTO_EXIT_FAILED;
    }
    printf("\nnext:\n  DATA_PATH=%s octoflow run hello.yml --data '{\"name\": \"you\"}'\n"
           "  DATA_PATH=%s octoflow serve    # the REST API and schedules\n",
           dir, dir);
    return OCTO_EXIT_OK;
}
