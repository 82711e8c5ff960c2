/* job_owner.c - who owns a job: the process that launched it, named by
 * its pid and start time, and the orphans a dead owner leaves in the
 * store (octo_jobs_abandon_orphans, see job.h).
 *
 * Split from job.c: reading /proc and deciding whether a process is
 * still alive has nothing to do with a job's lifecycle in memory.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "job.h"
#include "job_int.h"
#include "log.h"
#include "store.h"

/* The start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 when it does not exist. With the pid it names a
 * process uniquely: pids are reused, (pid, start time) pairs are not. */
static unsigned long long proc_start(long pid)
{
    char path[64];
    char buf[1024];
    FILE *fp;
    size_t n;
    char *p;
    int field;
    unsigned long long v = 0;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    fp = fopen(path, "re");
    if (fp == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    if (p == NULL) {
        return 0;
    }
    for (field = 2; field < 22 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p != NULL) {
        v = strtoull(p + 1, NULL, 10);
    }
    return v;
}

/* This process's start time, read once per process (a launch used to read
 * /proc for it): the pid is stored after the start time, so a thread that
 * sees its own pid also sees the start time that goes with it, and a
 * forked child, whose pid differs, reads its own. */
static atomic_ullong g_self_start;
static atomic_long g_self_pid;

void octo_job_owner_of_self(char *out, size_t cap)
{
    long pid = (long)getpid();

    if (atomic_load(&g_self_pid) != pid) {
        atomic_store(&g_self_start, proc_start(pid));
        atomic_store(&g_self_pid, pid);
    }
    snprintf(out, cap, "%ld:%llu", pid, atomic_load(&g_self_start));
}

/* Is the process named by an owner text ("pid:start") still alive? */
static int owner_alive(const char *owner)
{
    long pid = 0;
    unsigned long long start = 0;

    if (owner == NULL || sscanf(owner, "%ld:%llu", &pid, &start) != 2 || pid <= 0) {
        return 0;
    }
    if (pid == (long)getpid() && start == proc_start(pid)) {
        return 1;
    }
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        return 0;
    }
    return proc_start(pid) == start;
}

int octo_jobs_abandon_orphans(void)
{
    static const char *const states[] = {"queued", "running"};
    const struct octo_config *c = octo_config();
    int n = 0;
    size_t s;

    for (s = 0; s < 2; s++) {
        struct octo_job_query q;
        json_t *rows = NULL;
        json_t *row;
        size_t i;
        octo_error err;

        memset(&q, 0, sizeof(q));
        memset(&err, 0, sizeof(err));
        q.state = states[s];
        q.limit = 100000;
        if (octo_store_job_list(&q, &rows, NULL, &err) != OCTO_OK) {
            continue;
        }
        json_array_foreach(rows, i, row)
        {
            json_t *full = NULL;
            const char *node = json_string_value(json_object_get(row, "node"));
            json_t *upd;
            char msg[300];

            if (c == NULL || node == NULL || strcmp(node, c->node_name) != 0) {
                continue; /* another node's job: that node decides */
            }
            if (octo_store_job_get(json_string_value(json_object_get(row, "id")), &full, NULL,
                                   &err) != OCTO_OK ||
                full == NULL || owner_alive(json_string_value(json_object_get(full, "owner")))) {
                json_decref(full);
                continue;
            }
            snprintf(msg, sizeof(msg),
                     "abandoned: the process that ran it (%s) ended while it was %s (crash, "
                     "kill -9 or power loss)",
                     json_string_value(json_object_get(full, "owner")) != NULL
                         ? json_string_value(json_object_get(full, "owner"))
                         : "?",
                     states[s]);
            /* the id copied, not shared: the store's writer thread owns upd */
            upd = json_pack("{s:s, s:s, s:s, s:s, s:f}", "id",
                            json_string_value(json_object_get(row, "id")), "state", "finished",
                            "status", "abandoned", "error", msg, "ended", octo_job_now());
            octo_store_job_update(upd);
            octo_log(OCTO_LOG_WARN, "Job %s (%s) %s", json_string_value(json_object_get(row, "id")),
                     json_string_value(json_object_get(row, "flow_path")), msg);
            json_decref(full);
            n++;
        }
        json_decref(rows);
    }
    return n;
}
