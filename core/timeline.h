/* timeline.h - a job's step timeline: which step events to keep, and
 * the rows they become.
 *
 * Every step of the job's own flow and of plain sub-flows is kept. Loop
 * items are many (a 10,000-item loop must not write 10,000 rows): the
 * first OCTO_TIMELINE_ITEMS items of each loop are kept whole; later
 * items only when a step of theirs fails or is retried, up to
 * OCTO_TIMELINE_FAILED_ITEMS; and no job keeps more than
 * OCTO_TIMELINE_MAX_ROWS rows. What is not kept is counted (the job's
 * steps_dropped). The decision is taken where the run happens (the
 * worker), so dropped events never cross a process boundary.
 *
 * A kept event becomes a row (step_row.h), which carries the step's input
 * and output as redacted JSON text, each capped (JOBS_STEP_DATA_BYTES): a
 * preview string when longer.
 * Thread-safe: loop items of one job call in parallel.
 */
#ifndef OCTO_TIMELINE_H
#define OCTO_TIMELINE_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "runner.h"

#define OCTO_TIMELINE_ITEMS        20
#define OCTO_TIMELINE_FAILED_ITEMS 100
#define OCTO_TIMELINE_MAX_ROWS     5000
#define OCTO_STEP_DATA_BYTES       (64 * 1024)

struct octo_timeline_policy {
    atomic_long rows;
    atomic_long failed_rows;
    atomic_long dropped;
};

void octo_timeline_policy_init(struct octo_timeline_policy *p);
/* At a step's start: keep it? Sets ev->recorded. A skipped step's only
 * event (outcome set) not kept counts as dropped. */
int octo_timeline_keep_start(struct octo_timeline_policy *p, struct octo_step_event *ev);
/* At its end (ev->recorded as the start left it). */
int octo_timeline_keep_end(struct octo_timeline_policy *p, const struct octo_step_event *ev);

/* v as compact JSON text, redacted (malloc'd). Longer than cap: a JSON
 * string holding the first cap bytes of that text, and *truncated = 1
 * (truncated may be NULL). */
char *octo_json_capped(json_t *v, size_t cap, int *truncated);

#endif
