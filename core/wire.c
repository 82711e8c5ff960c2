/* wire.c - frames between the service, the zygote and workers (see
 * wire.h). */
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

static void header(unsigned char h[5], int type, size_t len)
{
    uint32_t n = (uint32_t)(len + 1);

    h[0] = (unsigned char)(n & 0xff);
    h[1] = (unsigned char)((n >> 8) & 0xff);
    h[2] = (unsigned char)((n >> 16) & 0xff);
    h[3] = (unsigned char)((n >> 24) & 0xff);
    h[4] = (unsigned char)type;
}

void octo_wire_put(struct octo_buf *out, int type, const void *data, size_t len)
{
    unsigned char h[5];

    header(h, type, len);
    octo_buf_append(out, (const char *)h, sizeof(h));
    octo_buf_append(out, data, len);
}

int octo_wire_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) { /* a non-blocking socket: wait for room */
                struct pollfd p = {fd, POLLOUT, 0};

                poll(&p, 1, 1000);
                continue;
            }
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int octo_wire_send(int fd, int type, const void *data, size_t len)
{
    unsigned char h[5];
    struct octo_buf b = OCTO_BUF_INIT;
    int rc;

    /* Small frames (nearly all) go out in one write: header and payload
     * in one segment wake the peer's poll once. Large ones are not copied
     * to be joined. */
    if (len < 65536) {
        octo_wire_put(&b, type, data, len);
        rc = octo_wire_write_all(fd, b.data, b.len);
        octo_buf_free(&b);
        return rc;
    }
    header(h, type, len);
    if (octo_wire_write_all(fd, (const char *)h, sizeof(h)) != 0) {
        return -1;
    }
    return octo_wire_write_all(fd, data, len);
}

int octo_wire_send_fds(int fd, int type, const void *data, size_t len, const int *fds, int nfds)
{
    unsigned char h[5];
    struct iovec iov[2];
    struct msghdr msg;
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr *cm;
    ssize_t n;

    if (nfds > 8) {
        return -1;
    }
    header(h, type, len);
    iov[0].iov_base = h;
    iov[0].iov_len = sizeof(h);
    iov[1].iov_base = (void *)data;
    iov[1].iov_len = len;
    memset(&msg, 0, sizeof(msg));
    memset(ctl, 0, sizeof(ctl));
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    msg.msg_control = ctl;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
    do {
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    /* the descriptors went with the first byte; the rest is plain */
    if ((size_t)n < sizeof(h) + len) {
        size_t done = (size_t)n;
        struct octo_buf rest = OCTO_BUF_INIT;
        int rc;

        octo_buf_append(&rest, (const char *)h, sizeof(h));
        octo_buf_append(&rest, data, len);
        rc = octo_wire_write_all(fd, rest.data + done, rest.len - done);
        octo_buf_free(&rest);
        return rc;
    }
    return 0;
}

long octo_wire_fill(int fd, struct octo_wire_in *in)
{
    struct msghdr msg;
    struct iovec iov;
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr *cm;
    ssize_t n;

    /* Consumed frames are dropped lazily: everything read is reset for
     * free, and a partly read buffer is compacted only once 1 MiB of it is
     * stale, not by a memmove per frame. */
    if (in->off > 0 && in->off == in->len) {
        in->off = in->len = 0;
    } else if (in->off > (1u << 20)) {
        memmove(in->buf, in->buf + in->off, in->len - in->off);
        in->len -= in->off;
        in->off = 0;
    }
    if (in->cap - in->len < 65536) {
        in->cap = in->cap ? in->cap * 2 : 131072;
        while (in->cap - in->len < 65536) {
            in->cap *= 2;
        }
        in->buf = octo_xrealloc(in->buf, in->cap);
    }
    iov.iov_base = in->buf + in->len;
    iov.iov_len = in->cap - in->len;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof(ctl);
    /* CLOEXEC: a received descriptor must not leak into what the
     * receiver later spawns (the service starts the zygote with exec) */
    do {
        n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
    }
    for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int i;

            for (i = 0; i < k; i++) {
                int fdv;

                memcpy(&fdv, CMSG_DATA(cm) + sizeof(int) * (size_t)i, sizeof(int));
                if (in->nfds < 8) {
                    in->fds[in->nfds++] = fdv;
                } else {
                    close(fdv); /* more than expected: never leak them */
                }
            }
        }
    }
    in->len += (size_t)n;
    return (long)n;
}

int octo_wire_next(struct octo_wire_in *in, int *type, const char **data, size_t *len)
{
    const unsigned char *p = (const unsigned char *)in->buf + in->off;
    size_t avail = in->len - in->off;
    uint32_t n;

    if (avail < 5) {
        return 0;
    }
    n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    /* the length counts the type byte, so 0 is not a frame; past
     * OCTO_WIRE_MAX the peer is broken and is dropped */
    if (n == 0 || n > OCTO_WIRE_MAX) {
        return -1;
    }
    if (avail < 4 + (size_t)n) {
        return 0;
    }
    *type = p[4];
    *data = (const char *)p + 5;
    *len = n - 1;
    in->off += 4 + (size_t)n;
    return 1;
}

int octo_wire_take_fd(struct octo_wire_in *in)
{
    int fd;

    if (in->nfds == 0) {
        return -1;
    }
    fd = in->fds[0];
    memmove(in->fds, in->fds + 1, sizeof(int) * (size_t)(in->nfds - 1));
    in->nfds--;
    return fd;
}

void octo_wire_in_free(struct octo_wire_in *in)
{
    while (in->nfds > 0) {
        close(in->fds[--in->nfds]);
    }
    free(in->buf);
    memset(in, 0, sizeof(*in));
}
