/* supervisor_zygote.c - the service's side of the zygote: starting it
 * (and again after it died), asking it for workers ahead of demand, and
 * its reports: a worker spawned (its socket, stderr pipe and status page
 * arrive as descriptors) or died. Apart from the poll loop because it is
 * the only code that deals with processes and descriptors passed over a
 * socket, and the only one that must survive the zygote's own death.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sanitizer.h"
#include "supervisor_int.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

extern char **environ;

int octo_sup_start_zygote(void)
{
    int sv[2];
    posix_spawn_file_actions_t fa;
    char *argv[3];
    pid_t pid;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    argv[0] = (char *)"octoflow";
    argv[1] = (char *)"__zygote";
    argv[2] = NULL;
#if OCTO_ASAN
    {
        /* A worker whose plugin calls exit() mid-run has live allocations
         * by design: LeakSanitizer's check at exit would report them and
         * change the exit status the service reports. Workers end with
         * _exit() otherwise, so no check is lost. */
        size_t n = 0;
        size_t i;
        size_t k = 0;
        char **env;
        char opt[1024];
        const char *old = getenv("ASAN_OPTIONS");

        while (environ[n] != NULL) {
            n++;
        }
        env = octo_xcalloc(n + 2, sizeof(*env));
        for (i = 0; i < n; i++) {
            if (strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0) {
                env[k++] = environ[i];
            }
        }
        snprintf(opt, sizeof(opt), "ASAN_OPTIONS=%s%sleak_check_at_exit=0", old != NULL ? old : "",
                 old != NULL && old[0] != '\0' ? ":" : "");
        env[k] = opt;
        rc = posix_spawn(&pid, octo_sup.exe, &fa, NULL, argv, env);
        free(env);
    }
#else
    rc = posix_spawn(&pid, octo_sup.exe, &fa, NULL, argv, environ);
#endif
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        octo_log(OCTO_LOG_ERROR, "cannot start the worker zygote %s: %s", octo_sup.exe,
                 strerror(rc));
        return -1;
    }
    octo_sup.zctl = sv[0];
    octo_sup.zpid = pid;
    octo_sup.pending_spawns = 0;
    memset(&octo_sup.zin, 0, sizeof(octo_sup.zin));
    return 0;
}

static struct wproc *slot_free(void)
{
    int i;

    for (i = 0; i < octo_sup.target; i++) {
        if (octo_sup.w[i].state == W_DEAD && octo_sup.w[i].pid == 0) {
            return &octo_sup.w[i];
        }
    }
    return NULL;
}

static struct wproc *by_pid(pid_t pid)
{
    int i;

    for (i = 0; i < octo_sup.target; i++) {
        if (octo_sup.w[i].pid == pid) {
            return &octo_sup.w[i];
        }
    }
    return NULL;
}

void octo_sup_on_zygote(void)
{
    int type;
    const char *data;
    size_t len;
    long n = octo_wire_fill(octo_sup.zctl, &octo_sup.zin);

    if (n == 0 || n == -2) {
        int i;

        octo_log(OCTO_LOG_ERROR, "the worker zygote exited: its workers are gone too; "
                                 "starting a new one");
        close(octo_sup.zctl);
        octo_sup.zctl = -1;
        waitpid(octo_sup.zpid, NULL, 0);
        octo_wire_in_free(&octo_sup.zin);
        for (i = 0; i < octo_sup.target; i++) {
            if (octo_sup.w[i].pid > 0) {
                octo_sup.w[i].status = SIGKILL; /* as "killed by a signal" */
                octo_sup_on_death(&octo_sup.w[i]);
            }
        }
        octo_sup.zygote_restart_at = octo_sup_mono() + 1.0;
        return;
    }
    while (octo_wire_next(&octo_sup.zin, &type, &data, &len) == 1) {
        json_t *m = json_loadb(data, len, 0, NULL);
        pid_t pid = (pid_t)json_integer_value(json_object_get(m, "pid"));

        if (type == Z_SPAWNED) {
            struct wproc *w = slot_free();
            int sock = octo_wire_take_fd(&octo_sup.zin);
            int errfd = octo_wire_take_fd(&octo_sup.zin);
            int pfd = octo_wire_take_fd(&octo_sup.zin);
            void *page = pfd >= 0 ? mmap(NULL, sizeof(struct octo_worker_page), PROT_READ,
                                         MAP_SHARED, pfd, 0)
                                  : MAP_FAILED;

            if (pfd >= 0) {
                close(pfd);
            }
            octo_sup.pending_spawns--;
            if (w == NULL || sock < 0 || errfd < 0) {
                if (sock >= 0) {
                    close(sock);
                }
                if (errfd >= 0) {
                    close(errfd);
                }
                if (page != MAP_FAILED) {
                    munmap(page, sizeof(struct octo_worker_page));
                }
                kill(pid, SIGKILL);
            } else {
                struct timeval tv = {5, 0};

                octo_wire_in_free(&w->in); /* released slots hold none: cheap insurance */
                memset(w, 0, sizeof(*w));
                w->state = W_STARTING;
                w->pid = pid;
                w->sock = sock;
                w->errfd = errfd;
                w->page = page != MAP_FAILED ? page : NULL;
                fcntl(errfd, F_SETFL, O_NONBLOCK);
                /* a worker that stops reading cannot block this thread */
                setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                pthread_mutex_lock(&octo_sup.mu);
                octo_sup.spawned++;
                pthread_mutex_unlock(&octo_sup.mu);
            }
        } else if (type == Z_DIED) {
            struct wproc *w = by_pid(pid);

            if (w != NULL) {
                w->exited = 1;
                w->status = (int)json_integer_value(json_object_get(m, "status"));
                octo_sup_on_death(w);
            }
        }
        json_decref(m);
    }
}

/* Keep octo_sup.target workers alive, spawned ahead of demand: a launch then
 * finds a worker waiting instead of paying for a fork and its start. A
 * zygote that died is restarted at most every 5 s (one that cannot start
 * - a plugin crashing at load - must not spin this thread). */
void octo_sup_spawn_more(void)
{
    int live = 0;
    int i;

    if (octo_sup.zctl < 0) {
        if (octo_sup.zygote_restart_at > 0 && octo_sup_mono() >= octo_sup.zygote_restart_at &&
            !octo_sup.stop) {
            octo_sup.zygote_restart_at = 0;
            if (octo_sup_start_zygote() != 0) {
                octo_sup.zygote_restart_at = octo_sup_mono() + 5.0;
            }
        }
        return;
    }
    if (octo_sup_mono() < octo_sup.next_spawn) {
        return;
    }
    for (i = 0; i < octo_sup.target; i++) {
        live += octo_sup.w[i].state != W_DEAD || octo_sup.w[i].pid != 0;
    }
    while (live + octo_sup.pending_spawns < octo_sup.target) {
        if (octo_wire_send(octo_sup.zctl, Z_SPAWN, "", 0) != 0) {
            break;
        }
        octo_sup.pending_spawns++;
    }
}
