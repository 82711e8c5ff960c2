/* cli.h - the octoflow commands (one function per command). */
#ifndef OCTO_CLI_H
#define OCTO_CLI_H

#include <stdio.h>

/* Exit statuses of `run`: 0 success, 1 the flow failed, 2 usage or
 * validation error, 3 the flow is already running. */
enum { OCTO_EXIT_OK = 0, OCTO_EXIT_FAILED = 1, OCTO_EXIT_USAGE = 2, OCTO_EXIT_LOCKED = 3 };

int octo_cmd_run(int argc, char **argv, const char *exe_dir);
int octo_cmd_validate(int argc, char **argv, const char *exe_dir);
int octo_cmd_plugins(int argc, char **argv, const char *exe_dir);
int octo_cmd_jobs(int argc, char **argv, const char *exe_dir);
int octo_cmd_serve(int argc, char **argv, const char *exe_path, const char *exe_dir);
void octo_cli_usage(FILE *fp);

/* Initialise the core for a command (role: enum octo_role). Prints the
 * error and returns -1 on failure. */
int octo_cli_init(int role, const char *exe_dir, int log_to_file, int level, int open_store);

#endif
