/* jq_programs.h - compiled jq programs, shared and pooled (private to
 * jqbridge.c and jq_programs.c).
 *
 * octo_jq_compile (jqbridge.h) hands out one shared program per source
 * text: a flow with 300 steps running `.` compiles it once, and a flow
 * that is reloaded after an edit keeps the programs it did not change.
 * Each program keeps a pool of jq_states, one per concurrent user. */
#ifndef OCTO_JQ_PROGRAMS_H
#define OCTO_JQ_PROGRAMS_H

#include <octoflow/octo_step.h>

struct jq_slot;
struct octo_jq_prog;

/* jqbridge.c: the program wrapped in the prelude (new, free()), and one
 * compiled jq_state for it (new, octo__jq_slot_free). */
char *octo__jq_wrap(const char *program);
struct jq_slot *octo__jq_slot_new(const char *wrapped, const char *source, octo_error *err);
void octo__jq_slot_free(struct jq_slot *s);

/* jq_programs.c: a state of p for one run, used by this thread only until
 * it is given back. */
struct jq_slot *octo__jq_borrow(struct octo_jq_prog *p, octo_error *err);
void octo__jq_give_back(struct octo_jq_prog *p, struct jq_slot *s);

/* Programs compiled (not found shared) and states compiled since start:
 * for tests and bench. */
void octo__jq_counts(unsigned long *programs, unsigned long *states);

#endif
