/* scheduler_int.h - the schedule list the scheduler modules share.
 * Private to scheduler.c (the timer thread and the fire logic),
 * scheduler_entries.c (adding, removing, pausing, listing) and
 * scheduler_autostart.c (config.yml and the stored schedules at start);
 * nothing else includes it.
 *
 * Who owns what: the list (octo_sched_head) and every field of an entry
 * are under octo_sched_mu, whichever thread touches them (the timer
 * thread, a run's on_finish callback, API threads). An entry being built
 * by add_entry belongs to its builder until it is linked into the list.
 * An entry is freed when its last reference goes (refs: the list's, a
 * fire in progress, a run not finished yet).
 */
#ifndef OCTO_SCHEDULER_INT_H
#define OCTO_SCHEDULER_INT_H

#include <jansson.h>
#include <pthread.h>

#include <octoflow/core.h>

#include "scheduler.h"

struct octo_cron;

struct entry {
    char id[37];
    char *path;
    char *abs; /* canonical path: the duplicate check */
    char *cron_text;
    struct octo_cron *cron;
    long every;
    double timeout;
    int overlap_queue; /* overlap: queue */
    int missed_last;   /* missed: last */
    int paused;
    int from_config;
    double created;
    double next;      /* epoch seconds; INFINITY when paused */
    double last_run;  /* end of the last run; 0: never */
    double last_fire; /* the fire time the last run was for */
    double last_lag;  /* seconds between a fire time and its launch */
    char last_job_id[37];
    char last_status[16];
    int running; /* a run of this schedule is in progress */
    int queued;  /* one more run is waiting (overlap: queue) */
    int removed;
    int refs; /* under octo_sched_mu */
    struct entry *next_entry;
};

/* Defined in scheduler.c. */
extern pthread_mutex_t octo_sched_mu;
extern pthread_cond_t octo_sched_cv; /* the timer thread waits on it: signal a change */
extern struct entry *octo_sched_head;
extern int octo_sched_started; /* the timer thread runs (octo_sched_cv is initialised) */

/* scheduler.c */
double octo_sched_now(void);
double octo_sched_next_after(const struct entry *e, double t);
void octo_sched_entry_unref_locked(struct entry *e);
/* Store an API schedule's row (not one from config.yml). Caller holds
 * octo_sched_mu. */
void octo_sched_persist_locked(const struct entry *e);

/* scheduler_entries.c */
enum octo_sched_error octo_sched_add_entry(const struct octo_sched_spec *spec, int from_config,
                                           json_t *stored, char *id, octo_error *err);

#endif
