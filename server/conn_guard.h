/* conn_guard.h - idle and slow connections cannot starve the API.
 *
 * civetweb 1.15 gives each connection a worker thread from accept() to
 * close(), and waits request_timeout_ms for a request head. With 30 s and
 * 16 threads, 17 connections that sent nothing made every route, health
 * included, unreachable; 16 unauthenticated POSTs announcing a large body
 * did the same for a minute after their 401 (civetweb waits for the body).
 * The library is not ours to patch, so, around it:
 *
 *  - a request head (or the next one on a kept-alive connection) must
 *    arrive within OCTO_HEADER_TIMEOUT_MS;
 *  - TCP_DEFER_ACCEPT on the listening sockets: a connection that sends
 *    nothing is not handed to civetweb (nor to a thread) for that long;
 *  - a watchdog thread closes connections that carry no request (idle,
 *    between keep-alive requests, or still sending the head, silent for
 *    OCTO_IDLE_MS): the most silent ones of a client address holding more
 *    than API_CLIENT_CONNECTIONS connections, and all of them while at most
 *    OCTO_RESERVE_THREADS request threads are free. A connection whose
 *    request is being handled (a flow running, a body arriving) or whose
 *    data is waiting to be read is never cut;
 *  - answers that end a connection (refused requests) close it at once
 *    instead of letting civetweb wait for the rest of the body.
 *
 * Connections are known to civetweb's callbacks only as opaque handles, so
 * the sockets are found by address in /proc/self/fd, and shut down (never
 * closed: civetweb owns the descriptors and closes them itself).
 */
#ifndef OCTO_CONN_GUARD_H
#define OCTO_CONN_GUARD_H

#include "http.h"

#define OCTO_HEADER_TIMEOUT_MS 5000
#define OCTO_IDLE_MS           250
#define OCTO_RESERVE_THREADS   2

/* Append civetweb option pairs (timeouts, absolute-form targets) to
 * opts[*n...] (room for 6 more entries needed). */
void octo_conn_guard_options(const char **opts, int *n);

/* Install the connection callbacks into cb; threads is num_threads
 * (at most 512), per_client API_CLIENT_CONNECTIONS. Before mg_start. */
void octo_conn_guard_setup(struct mg_callbacks *cb, int threads, int per_client);

/* After mg_start: defer accept on ctx's listening sockets, start the
 * watchdog. Returns 0, or -1 when the thread cannot start (logged). */
int octo_conn_guard_start(struct mg_context *ctx);

/* Stop the watchdog (before mg_stop). */
void octo_conn_guard_stop(void);

/* A response was sent on conn (octo_http_raw). */
void octo_conn_guard_answered(const struct mg_connection *conn);

/* End req's connection after its answer: FIN after the response, what the
 * client already sent is read for at most a moment, then civetweb sees the
 * end of the stream and closes without waiting for the rest of a body. */
void octo_conn_guard_close(struct octo_req *req);

#endif
