/* metrics.h - the process's Prometheus metrics: a fixed-size registry of
 * counters and histograms that hot paths feed with atomic adds.
 *
 * A family (one metric name) holds at most METRICS_SERIES label sets. A
 * label set is found by its preformatted label text (`flow="a.yml",
 * status="success"`) in an open-addressed table whose slots are claimed
 * once with a compare-and-swap and never freed: observing takes no lock,
 * and a scrape reads the same atomics. Label values come from bounded
 * sets (flow files, step types, error types, route templates, status
 * codes); should a family fill up anyway, further label sets are counted
 * in one series whose labels all read "_overflow", so memory stays fixed
 * and nothing is lost from the totals.
 *
 * The gauges (running and queued jobs, schedule lag, process figures) are
 * not kept here: they are read from their owners when scraped
 * (metrics_text.c).
 */
#ifndef OCTO_METRICS_H
#define OCTO_METRICS_H

#include <stddef.h>

#include "buf.h"

/* Feed from the job lifecycle (job.c): a finished job, a timeline row. */
void octo_metrics_job_finished(const char *flow, const char *status, const char *source,
                               double seconds);
void octo_metrics_step(const char *type, const char *outcome, long long duration_us,
                       const char *error_json);
/* A store write that failed (store_writer.c): n writes dropped or retried. */
void octo_metrics_store_error(void);

/* Append every family kept here, in text format 0.0.4, to b. */
void octo_metrics_write(struct octo_buf *b);

#endif
