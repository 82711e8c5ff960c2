/* flow_diag.h - building validation messages (internal to flow_*.c).
 *
 * Every message reads  file:line: where: what is wrong  where "where" is
 * steps[i] ("name").block.field or a flow key. A loader context carries
 * the file name, the YAML marks and the diagnostics being collected.
 */
#ifndef OCTO_FLOW_DIAG_H
#define OCTO_FLOW_DIAG_H

#include <stddef.h>

#include <jansson.h>
#include <octoflow/octo_step.h>

#include "flow.h"

struct octo_loadctx {
    const char *display; /* file name for messages */
    json_t *marks;       /* YAML marks (borrowed) */
    unsigned flags;      /* OCTO_FLOW_* */
    struct octo_diags *diags;
    int nerrors;
    int key_line; /* the message names a key: its own line */
    char first_error[OCTO_ERROR_MSG_LEN];
};

/* Record an error / a warning. mark_path is the YAML path whose line is
 * used ("steps[2].rest.uri"); where is the human location (may be NULL). */
void octo_diag_error(struct octo_loadctx *lc, const char *mark_path, const char *where,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void octo_diag_warn(struct octo_loadctx *lc, const char *mark_path, const char *where,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Line of a YAML path in the loader's marks (0 when unknown). */
int octo_yaml_line_of(struct octo_loadctx *lc, const char *mark_path);

/* An unknown key: a warning, or an error under OCTO_FLOW_STRICT; with a
 * did-you-mean among the NULL-terminated candidates. */
void octo_diag_unknown_key(struct octo_loadctx *lc, const char *mark_path, const char *where,
                           const char *key, const char *const *candidates);

/* The closest candidate within a small edit distance, or NULL. */
const char *octo_did_you_mean(const char *key, const char *const *candidates);

/* Validate a step's block against its type's schema (flow_schema.c):
 * fills step->options (defaults applied), compiles templated options.
 * Returns 0 when valid. */
int octo_flow_check_block(struct octo_loadctx *lc, struct octo_step *st, json_t *block,
                          const char *mark_base, const char *where_base);

/* Validate and compile one step (flow_step.c). Returns 0 when valid. */
int octo_flow_check_step(struct octo_loadctx *lc, struct octo_step *st, json_t *def, size_t index);

/* The same for a step defined elsewhere than steps[i] (a switch case):
 * mark is its YAML path ("steps[2].switch.cases[0].step"). */
int octo_flow_check_step_at(struct octo_loadctx *lc, struct octo_step *st, json_t *def,
                            size_t index, const char *mark);

/* After every step is loaded (flow_control.c): the names steps refer to
 * (on_error_goto, goto targets given literally) exist, duplicate names
 * are reported. */
void octo_flow_check_control(struct octo_loadctx *lc, struct octo_flow *f);

/* Compile the nested steps of a NESTED_STEPS option into st (flow_step.c). */
int octo_flow_check_nested(struct octo_loadctx *lc, struct octo_step *st, const char *option,
                           json_t *value, const char *mark);

/* Release what a step holds (and call the plugin's destroy). */
void octo_flow_step_free(struct octo_step *st);

#endif
