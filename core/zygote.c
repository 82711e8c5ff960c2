/* zygote.c - the process that forks workers (see worker.h).
 *
 * Why a zygote: forking the service itself is unsafe - it has threads
 * (civetweb, scheduler, store writer) and a child of a multithreaded
 * process inherits every mutex as it was, held or not. The zygote is a
 * fresh exec of the same binary, initialised once (configuration,
 * plugins) and single-threaded for its whole life, so forking it is
 * cheap and always clean, and every worker shares its pages.
 *
 * It serves one socket: Z_SPAWN asks for a worker; the answer is
 * Z_SPAWNED with the worker's pid and three descriptors (its socket, the
 * read end of its stderr, its status page). Z_DIED reports each worker's
 * exit status as the zygote reaps it. When the service goes away (the
 * socket closes, or the parent dies: PDEATHSIG), the zygote kills its
 * workers and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

#define MAX_CHILDREN 1024

static pid_t g_children[MAX_CHILDREN];
static int g_nchildren;

static void kill_children(void)
{
    int i;

    for (i = 0; i < g_nchildren; i++) {
        kill(g_children[i], SIGKILL);
    }
}

static void forget(pid_t pid)
{
    int i;

    for (i = 0; i < g_nchildren; i++) {
        if (g_children[i] == pid) {
            g_children[i] = g_children[--g_nchildren];
            return;
        }
    }
}

/* In the child: make the worker's descriptor table exactly 0/1/2 (stdin
 * /dev/null, stdout and stderr the pipe to the service), 3 (socket). */
static void child_fds(int sock, int err_w)
{
    int devnull = open("/dev/null", O_RDONLY);
    int s = fcntl(sock, F_DUPFD, 10);
    int e = fcntl(err_w, F_DUPFD, 10);

    if (devnull >= 0) {
        dup2(devnull, 0);
    }
    dup2(e, 1);
    dup2(e, 2);
    dup2(s, 3);
    close_range(4, ~0U, 0);
}

static void spawn(int ctl, int sigfd)
{
    int sv[2];
    int ep[2];
    int page_fd;
    struct octo_worker_page *page;
    pid_t pid;
    char msg[64];
    int fds[3];

    if (g_nchildren >= MAX_CHILDREN ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return;
    }
    if (pipe2(ep, O_CLOEXEC) != 0) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    page_fd = memfd_create("octoflow-worker-page", MFD_CLOEXEC);
    if (page_fd < 0 || ftruncate(page_fd, sizeof(*page)) != 0 ||
        (page = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED, page_fd, 0)) ==
            MAP_FAILED) {
        if (page_fd >= 0) {
            close(page_fd);
        }
        close(sv[0]);
        close(sv[1]);
        close(ep[0]);
        close(ep[1]);
        return;
    }
    pid = fork();
    if (pid == 0) {
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGCHLD, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(sigfd);
        close(ctl);
        child_fds(sv[1], ep[1]);
        octo_worker_main(3, page);
    }
    close(sv[1]);
    close(ep[1]);
    munmap(page, sizeof(*page));
    if (pid < 0) {
        close(sv[0]);
        close(ep[0]);
        close(page_fd);
        return;
    }
    g_children[g_nchildren++] = pid;
    snprintf(msg, sizeof(msg), "{\"pid\": %ld}", (long)pid);
    fds[0] = sv[0];
    fds[1] = ep[0];
    fds[2] = page_fd;
    if (octo_wire_send_fds(ctl, Z_SPAWNED, msg, strlen(msg), fds, 3) != 0) {
        kill_children();
        _exit(0);
    }
    close(sv[0]);
    close(ep[0]);
    close(page_fd);
}

static void reap(int ctl)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        char msg[96];

        forget(pid);
        snprintf(msg, sizeof(msg), "{\"pid\": %ld, \"status\": %d}", (long)pid, status);
        if (octo_wire_send(ctl, Z_DIED, msg, strlen(msg)) != 0) {
            kill_children();
            _exit(0);
        }
    }
}

int octo_zygote_main(int ctl)
{
    struct octo_wire_in in;
    sigset_t mask;
    int sigfd;

    /* its own process group: a Ctrl-C meant for the service does not
     * kill running jobs behind the service's back */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) {
        _exit(0);
    }
    prctl(PR_SET_NAME, "octoflow-zygote");
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    memset(&in, 0, sizeof(in));
    for (;;) {
        struct pollfd p[2] = {{ctl, POLLIN, 0}, {sigfd, POLLIN, 0}};

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;

            while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            }
            reap(ctl);
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            long n = octo_wire_fill(ctl, &in);
            int type;
            const char *data;
            size_t len;

            if (n == 0 || n == -2) {
                break; /* the service is gone */
            }
            while (octo_wire_next(&in, &type, &data, &len) == 1) {
                if (type == Z_SPAWN) {
                    spawn(ctl, sigfd);
                }
            }
        }
    }
    kill_children();
    _exit(0);
}
