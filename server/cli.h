/* cli.h - the octoflow commands (one function per command). */
#ifndef OCTO_CLI_H
#define OCTO_CLI_H

#include <stdio.h>

#include <jansson.h>

/* Exit statuses of `run`: 0 success, 1 the flow failed, 2 usage or
 * validation error, 3 the flow is already running. */
enum { OCTO_EXIT_OK = 0, OCTO_EXIT_FAILED = 1, OCTO_EXIT_USAGE = 2, OCTO_EXIT_LOCKED = 3 };

int octo_cmd_run(int argc, char **argv, const char *exe_dir);
int octo_cmd_validate(int argc, char **argv, const char *exe_dir);
int octo_cmd_plugins(int argc, char **argv, const char *exe_dir);
int octo_cmd_jobs(int argc, char **argv, const char *exe_dir);
int octo_cmd_serve(int argc, char **argv, const char *exe_path, const char *exe_dir);
int octo_cmd_schema(int argc, char **argv, const char *exe_dir);
int octo_cmd_render(int argc, char **argv);
int octo_cmd_init(int argc, char **argv, const char *exe_dir);
/* `octoflow __list flows|templates`: names for shell completion. */
int octo_cmd_list(int argc, char **argv);
/* "kind: message" lines of a diagnostics array. */
void octo_cli_print_messages(json_t *list, const char *kind, FILE *fp);
/* `run`: one line per step of a finished job (octo_job_json detail,
 * borrowed), colours on a terminal unless NO_COLOR (cli_summary.c). */
void octo_cli_run_summary(json_t *job, FILE *fp);
/* `run --dry-run` (cli_summary.c): the exit status. */
int octo_cli_dry_run(const char *flow, json_t *input, FILE *fp);
/* The general help (octoflow, octoflow --help). */
void octo_cli_usage(FILE *fp);

/* The exit status of a command whose parse did not return
 * OCTO_CLI_PARSED: 0 after --help, 2 after a usage error. */
#define OCTO_CLI_PARSE_EXIT(rc) ((rc) == 1 ? OCTO_EXIT_OK : OCTO_EXIT_USAGE)

/* Initialise the core for a command (role: enum octo_role). Prints the
 * error and returns -1 on failure. */
int octo_cli_init(int role, const char *exe_dir, int log_to_file, int level, int open_store);

#endif
