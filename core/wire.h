/* wire.h - framing between the service and its worker processes.
 *
 * A frame is a 4-byte little-endian length, a 1-byte type and the
 * payload (length - 1 bytes), over a SOCK_STREAM socketpair. Payloads are
 * JSON text, except W_LOG (one level byte, then the formatted line).
 * Frames larger than OCTO_WIRE_MAX are refused: a worker cannot make the
 * service allocate without bound.
 */
#ifndef OCTO_WIRE_H
#define OCTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define OCTO_WIRE_MAX ((size_t)1 << 30)

enum octo_wire_type {
    /* service -> worker */
    W_JOB = 1,    /* {"id", "flow", "input", "deadline_sec", "deadline_nsec", "source"} */
    W_CANCEL = 2, /* {"id"} */
    W_EXIT = 3,   /* exit once idle (a job still running is cancelled first) */
    W_CHECK = 4,  /* {"id", "flow"}: load and check a flow (compile, prepare) */
    /* worker -> service */
    W_READY = 10,   /* {"pid"} once initialised */
    W_STEP = 11,    /* a timeline row */
    W_LOG = 12,     /* level byte + line */
    W_RESULT = 13,  /* {"id", "status", "message", "step", "steps_dropped", "data"} */
    W_CHECKED = 14, /* {"id", "ok", "message", "errors", "warnings"} */
    /* zygote <-> service (control socket) */
    Z_SPAWN = 20,   /* service asks for a worker */
    Z_SPAWNED = 21, /* {"pid"} + fds: socket, stderr pipe, status page */
    Z_DIED = 22     /* {"pid", "status"} (waitpid status) */
};

/* Append a frame to a buffer (for batching). */
struct octo_buf;
void octo_wire_put(struct octo_buf *out, int type, const void *data, size_t len);

/* Write a whole frame (blocking; EINTR and short writes handled).
 * Returns 0 or -1 (peer gone). */
int octo_wire_send(int fd, int type, const void *data, size_t len);
/* Write raw bytes (a batch from octo_wire_put). 0 or -1. */
int octo_wire_write_all(int fd, const char *data, size_t len);
/* Send a frame with file descriptors attached (SCM_RIGHTS). */
int octo_wire_send_fds(int fd, int type, const void *data, size_t len, const int *fds, int nfds);

/* Incoming bytes of one peer. */
struct octo_wire_in {
    char *buf;
    size_t len;
    size_t cap;
    size_t off; /* start of the next unread frame */
    int fds[8]; /* descriptors received and not yet taken */
    int nfds;
};

/* Read what is available (non-blocking fd). Returns the bytes read, 0 at
 * end of file, -1 when nothing is available (EAGAIN), -2 on error. */
long octo_wire_fill(int fd, struct octo_wire_in *in);
/* The next complete frame: 1 (type, data, len valid until the next
 * call), 0 when incomplete, -1 when the peer sent a bad frame. */
int octo_wire_next(struct octo_wire_in *in, int *type, const char **data, size_t *len);
/* Take a received descriptor (-1 when none). */
int octo_wire_take_fd(struct octo_wire_in *in);
void octo_wire_in_free(struct octo_wire_in *in);

#endif
