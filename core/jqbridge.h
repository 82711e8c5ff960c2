/* jqbridge.h - jq programs for the core and the plugins (libjq 1.6).
 *
 * A program is compiled once (jq_compile costs 10-30 ms on Debian 12
 * because it recompiles jq's builtins) and run many times (~2 us): one
 * shared program per source text, and unused ones are kept a while
 * (jq_programs.c). libjq's jv reference counts are not atomic and a
 * jq_state holds one program, so a program keeps a pool of jq_states: a
 * run borrows one and gives it back; when all are busy it waits up to
 * what a compile costs before compiling another. JSON crosses into jq
 * by direct conversion (no text round trip): integers are exact up to
 * 2^53, as in jq itself.
 * User programs cannot read the environment ($ENV, env) or files
 * (import/include): the program is wrapped as
 *   def env: {}; def stderr: .; def input_filename: null; {} as $ENV | (PROGRAM)
 * Thread-safe: any thread may run any program at any time.
 */
#ifndef OCTO_JQBRIDGE_H
#define OCTO_JQBRIDGE_H

#include <jansson.h>
#include <octoflow/octo_step.h>

struct octo_jq_prog;

/* Compile, or share the program already compiled from this text; *out
 * is a new reference (octo_jq_release). Syntax errors: OCTO_EJQ with jq's
 * message. */
int octo_jq_compile(const char *program, struct octo_jq_prog **out, octo_error *err);
void octo_jq_release(struct octo_jq_prog *p);
/* Free the programs nobody uses (kept for reuse): at shutdown. */
void octo_jq_clear_unused(void);
const char *octo_jq_source(const struct octo_jq_prog *p);

/* Run on input (borrowed). mode: OCTO_JQ_SINGLE / FIRST / ALL. *out new.
 * *n_outputs (may be NULL) receives how many outputs were seen (for
 * SINGLE: 0, 1 or 2 meaning "two or more"). Runtime errors: OCTO_EJQ. */
int octo_jq_run(const struct octo_jq_prog *p, json_t *input, int mode, json_t **out, int *n_outputs,
                octo_error *err);

/* Conversions (exposed for tests). */
json_t *octo_jq_to_json(void *jv_ptr); /* takes a jv* and consumes it */

#endif
