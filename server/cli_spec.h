/* cli_spec.h - the commands and their options, declared once.
 *
 * One table (cli_spec.c) is the single source of the command line: the
 * parser accepts exactly the options it lists, `--help` prints them, and
 * the man page and the bash/zsh completion scripts (cli_doc.c) are
 * generated from it, so none of them can forget an option.
 */
#ifndef OCTO_CLI_SPEC_H
#define OCTO_CLI_SPEC_H

#include <stdio.h>

#define OCTO_CLI_MAX_OPTS 12
#define OCTO_CLI_MAX_POS  64

struct octo_cli_opt {
    const char *name;     /* "--data" */
    char short_name;      /* 'q' or 0 */
    const char *arg;      /* metavariable ("JSON|@FILE"), NULL for a flag */
    const char *help;     /* one line */
    const char *complete; /* completion of the value: "flows", "files", "dirs", or NULL */
};

struct octo_cli_cmd {
    const char *name;         /* "run", "jobs list" */
    const char *args;         /* positional synopsis: "FLOW" */
    int min_pos;              /* positional arguments required ... */
    int max_pos;              /* ... and allowed (-1: any number) */
    const char *pos_complete; /* completion of positionals: "flows", "dirs", ... */
    const char *summary;      /* one line, for the command list */
    const char *description;  /* paragraphs, for --help and the man page */
    struct octo_cli_opt opts[OCTO_CLI_MAX_OPTS]; /* ends with a NULL name */
};

/* The commands, ending with a NULL name. */
extern const struct octo_cli_cmd octo_cli_cmds[];
/* The executable's own description, environment and exit statuses. */
extern const char octo_cli_overview[];
extern const char octo_cli_environment[];
extern const char octo_cli_exit_statuses[];

const struct octo_cli_cmd *octo_cli_find(const char *name);

/* Parsed arguments: value[i] for opts[i] (NULL when absent, "" for a
 * given flag; the last one wins), positionals in order. */
struct octo_cli_args {
    const char *value[OCTO_CLI_MAX_OPTS];
    const char *pos[OCTO_CLI_MAX_POS];
    int npos;
};

enum { OCTO_CLI_PARSED = 0, OCTO_CLI_HELP_SHOWN = 1, OCTO_CLI_BAD = -1 };

/* Parse argv[1..argc-1] (argv[0] is the command word). --help / -h:
 * prints the help to stdout and returns OCTO_CLI_HELP_SHOWN. An unknown
 * option, a missing value or a wrong number of positionals: prints the
 * problem and the usage to stderr, returns OCTO_CLI_BAD. "--" ends the
 * options; "--name=value" is accepted. */
int octo_cli_parse(const struct octo_cli_cmd *c, int argc, char **argv, struct octo_cli_args *a);
/* The value of an option by name ("--data"), or NULL. */
const char *octo_cli_get(const struct octo_cli_cmd *c, const struct octo_cli_args *a,
                         const char *name);

void octo_cli_help(const struct octo_cli_cmd *c, FILE *fp);
void octo_cli_usage_line(const struct octo_cli_cmd *c, FILE *fp);

/* Generated documents (cli_doc.c). */
void octo_cli_man(FILE *fp);
int octo_cli_completion(const char *shell, FILE *fp);

#endif
