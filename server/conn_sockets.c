/* conn_sockets.c - civetweb's client sockets, found by address (see
 * conn_sockets.h). */
#include "conn_sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

void octo_peer_of_request(const struct mg_request_info *ri, struct octo_peer *p)
{
    memset(p, 0, sizeof(*p));
    if (inet_pton(AF_INET, ri->remote_addr, p->addr) == 1) {
        p->family = AF_INET;
    } else if (inet_pton(AF_INET6, ri->remote_addr, p->addr) == 1) {
        p->family = AF_INET6;
    }
    p->port = ri->remote_port;
    p->local_port = ri->server_port;
}

int octo_sockaddr_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
    }
    if (ss->ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
    }
    return -1;
}

int octo_peer_of_fd(int fd, struct octo_peer *p)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(p, 0, sizeof(*p));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
        (p->local_port = octo_sockaddr_port(&ss)) < 0) {
        return -1;
    }
    len = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) {
        return -1;
    }
    p->port = octo_sockaddr_port(&ss);
    if (ss.ss_family == AF_INET) {
        p->family = AF_INET;
        memcpy(p->addr, &((const struct sockaddr_in *)(const void *)&ss)->sin_addr, 4);
    } else {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)&ss)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(a)) { /* as civetweb writes it: dotted */
            p->family = AF_INET;
            memcpy(p->addr, a->s6_addr + 12, 4);
        } else {
            p->family = AF_INET6;
            memcpy(p->addr, a->s6_addr, 16);
        }
    }
    return 0;
}

int octo_same_addr(const struct octo_peer *a, const struct octo_peer *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int octo_same_peer(const struct octo_peer *a, const struct octo_peer *b)
{
    return octo_same_addr(a, b) && a->port == b->port && a->local_port == b->local_port;
}

void octo_each_fd(void (*fn)(int fd, void *arg), void *arg)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (e->d_name[0] != '.' && *end == '\0' && fd != dirfd(d)) {
            fn((int)fd, arg);
        }
    }
    closedir(d);
}

struct find {
    const struct octo_peer *want;
    int fd;
};

static void match_fd(int fd, void *arg)
{
    struct find *f = arg;
    struct octo_peer p;

    if (f->fd < 0 && octo_peer_of_fd(fd, &p) == 0 && octo_same_peer(&p, f->want)) {
        f->fd = fd;
    }
}

int octo_find_fd(const struct octo_peer *want)
{
    struct find f = {want, -1};

    octo_each_fd(match_fd, &f);
    return f.fd;
}

int octo_sock_idle(int fd, unsigned idle_ms, unsigned *silent_ms)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    int unread = 0;

    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        (ti.tcpi_state != TCP_ESTABLISHED && ti.tcpi_state != TCP_CLOSE_WAIT)) {
        return -1;
    }
    *silent_ms = ti.tcpi_last_data_recv;
    if (ioctl(fd, FIONREAD, &unread) != 0) {
        unread = 1;
    }
    return unread == 0 && ti.tcpi_last_data_recv >= idle_ms;
}
