/* supervisor_int.h - the state the supervisor modules share. Private to
 * supervisor.c (the thread, its commands, dispatch, the public API),
 * supervisor_frames.c (what workers send), supervisor_death.c (kills,
 * watchdogs, a dead worker's job), supervisor_zygote.c (spawning) and
 * supervisor_check.c (flow checks); nothing else includes it.
 *
 * Who owns what (supervisor.c's DESIGN): everything is owned by the
 * supervisor thread (sup_main) and read and written there without a
 * lock. Other threads touch only the fields marked "under mu" below,
 * holding octo_sup.mu. octo_supervisor_start and _stop set up and tear
 * down the rest before the thread starts and after it is joined; the
 * fields marked "set at start" are only read while it runs. Every
 * octo_sup_* function below runs on the supervisor thread, except where
 * its comment says otherwise.
 */
#ifndef OCTO_SUPERVISOR_INT_H
#define OCTO_SUPERVISOR_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <octoflow/octo_step.h>

#include "wire.h"

#define MAX_WORKERS     256
#define RSS_CHECK_EVERY 0.25 /* seconds, busy workers */
#define FLOW_BITS       2048 /* per worker: the flows it has loaded (a Bloom filter) */

enum { W_DEAD = 0, W_STARTING, W_IDLE, W_BUSY, W_EXITING };
enum { K_NONE = 0, K_TIMEOUT, K_CANCEL, K_MEMORY, K_SHUTDOWN, K_STUCK };

struct octo_job;
struct octo_worker_page;

/* One worker slot. The supervisor thread's own. */
struct wproc {
    int state;
    pid_t pid;
    int sock;
    int errfd;
    struct octo_worker_page *page;
    struct octo_job *job;
    double hard_deadline; /* monotonic seconds; 0: none */
    double kill_at;       /* end of a cancel/shutdown grace; 0: none */
    int killed;           /* K_*: why we sent SIGKILL */
    long rss_mb;          /* at the kill, for the message */
    double next_rss;
    struct octo_wire_in in;
    char tail[3][256]; /* the last stderr lines */
    int ntail;
    char partial[512];
    size_t npartial;
    long jobs_done;
    unsigned long long seen[FLOW_BITS / 64]; /* octo_sup_remember_flow */
    double last_job;                         /* monotonic: when it was last given one */
    int exited;
    int status;
};

/* A flow check asked by another thread (octo_supervisor_check). Under
 * mu, as is the list of them. */
struct check {
    long id;
    char *flow;
    int sent_to; /* worker index, -1 while not sent */
    pid_t pid;
    int done;
    int ok;
    int abandoned; /* the asker gave up: whoever finishes it frees it */
    char msg[OCTO_ERROR_MSG_LEN];
    json_t *errors;
    json_t *warnings;
    struct check *next;
};

struct cmd {
    int cancel;           /* 0: submit */
    struct octo_job *job; /* a reference */
    struct cmd *next;
};

struct octo_sup_state {
    pthread_mutex_t mu;
    struct cmd *cmds;      /* under mu */
    struct cmd *cmds_tail; /* under mu */
    int stop;              /* under mu */
    int running;           /* set at start */
    pthread_t thread;      /* set at start */
    int wake;              /* set at start (an eventfd: any thread writes it) */
    char exe[4096];        /* set at start */
    int target;            /* set at start */
    /* the thread's own */
    int zctl;
    pid_t zpid;
    struct octo_wire_in zin;
    int pending_spawns;
    double next_spawn;  /* backoff after failures */
    int start_failures; /* workers that died before READY, in a row */
    double zygote_restart_at;
    struct octo_job **queue;
    size_t nqueue;
    size_t capqueue;
    struct wproc *w; /* target slots, allocated at start (untouched
                        static slots cost 395 KiB of dirty memory) */
    /* stats, read by other threads under mu */
    long spawned;
    long crashes;
    long killed;
    int n_idle;
    int n_busy;
    int n_starting;
    int landlock;
    int protected_ro;
    /* flow checks: under mu */
    struct check *checks;
    long next_check_id;
    pthread_cond_t check_cv;
};

/* Defined in supervisor.c. */
extern struct octo_sup_state octo_sup;

/* supervisor.c */
double octo_sup_mono(void);
/* Wake the supervisor thread. Any thread. */
void octo_sup_poke(void);

/* supervisor_frames.c */
unsigned long long octo_sup_flow_hash(const char *s);
int octo_sup_knows_flow(const struct wproc *w, unsigned long long h);
void octo_sup_remember_flow(struct wproc *w, const char *flow);
void octo_sup_send_exit(struct wproc *w);
void octo_sup_on_frames(struct wproc *w);
void octo_sup_drain_socket(struct wproc *w);

/* supervisor_death.c */
void octo_sup_kill_worker(struct wproc *w, int why);
int octo_sup_timers(void);
void octo_sup_read_stderr(struct wproc *w, int final);
void octo_sup_release(struct wproc *w);
void octo_sup_on_death(struct wproc *w);

/* supervisor_zygote.c */
int octo_sup_start_zygote(void);
void octo_sup_on_zygote(void);
void octo_sup_spawn_more(void);

/* supervisor_check.c */
void octo_sup_on_checked(struct wproc *w, const char *data, size_t len);
void octo_sup_checks_of_dead(pid_t pid, const char *why);
void octo_sup_send_checks(void);

#endif
