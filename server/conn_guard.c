/* conn_guard.c - idle and slow connections cannot starve the API (see
 * conn_guard.h). */
#include "conn_guard.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <octoflow/core.h>

#include "conn_sockets.h"
#include "http_guard.h"

#define MAX_THREADS   512 /* API_THREADS' upper bound (config.c) */
#define MAX_PORTS     8
#define SWEEP_BUSY_MS 50  /* watchdog period while half the threads are busy */
#define SWEEP_CALM_MS 250 /* ... otherwise */
#define LINGER_MS     50  /* reading what a refused client already sent */
#define LINGER_BYTES  (256 * 1024)
#define LOG_EVERY_S   10

#define STR_(x) #x
#define STR(x)  STR_(x)

/* A civetweb worker holding a connection (init_connection to
 * connection_close). */
struct slot {
    const struct mg_connection *conn; /* NULL: free */
    int in_request;                   /* begin_request .. end_request */
    int answered;                     /* the current request got a response */
    int closing;                      /* answered "Connection: close" */
    struct octo_peer peer;            /* the client, from begin_request */
};

/* An accepted connection found by the watchdog. */
struct sock {
    int fd;
    struct octo_peer peer;
    unsigned silent_ms; /* since data last arrived (or since the handshake) */
    int keep;           /* being handled, or data waiting to be read */
};

struct sock_list {
    struct sock *v;
    size_t n;
    size_t cap;
};

/* Guarded by mu, except: threads, per_client, ports and nports, written
 * before civetweb and the watchdog start and only read afterwards; the
 * closed_* counters and last_log, the watchdog thread's own. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct slot slots[MAX_THREADS];
    int busy; /* slots in use */
    int threads;
    int per_client;
    int ports[MAX_PORTS];
    int nports;
    int stop;
    int running;
    pthread_t thread;
    unsigned long closed_busy;   /* cut because threads ran short */
    unsigned long closed_client; /* cut because one address held too many */
    time_t last_log;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- civetweb callbacks ------------------------------------------------- */

static int on_init_connection(const struct mg_connection *conn, void **conn_data)
{
    struct slot *s = NULL;
    int i;
    int wake = 0;

    pthread_mutex_lock(&G.mu);
    for (i = 0; i < G.threads; i++) {
        if (G.slots[i].conn == NULL) {
            s = &G.slots[i];
            memset(s, 0, sizeof(*s));
            s->conn = conn;
            G.busy++;
            wake = G.busy == (G.threads + 1) / 2; /* the watchdog speeds up */
            break;
        }
    }
    pthread_mutex_unlock(&G.mu);
    if (wake) {
        pthread_cond_signal(&G.cv);
    }
    *conn_data = s;
    return 0;
}

static int on_begin_request(struct mg_connection *conn)
{
    struct slot *s = mg_get_user_connection_data(conn);
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct octo_peer p;

    int closing = 0;

    if (s != NULL && ri != NULL) {
        octo_peer_of_request(ri, &p);
        pthread_mutex_lock(&G.mu);
        if (s->conn == conn) {
            closing = s->closing;
            s->in_request = !closing;
            s->answered = 0;
            s->peer = p;
        }
        pthread_mutex_unlock(&G.mu);
    }
    /* civetweb does not end a connection when the response says "close":
     * what the client sent after the refused request (already buffered: a
     * body with two lengths carries the next request with it) was parsed
     * and served as a request of its own. Nothing more is served on it:
     * "handled" (no answer, status 400 for civetweb's books), and civetweb
     * reads on into the end of the stream that octo_conn_guard_close made. */
    return closing ? 400 : 0;
}

static void on_end_request(const struct mg_connection *conn, int status)
{
    struct slot *s = mg_get_user_connection_data(conn);

    (void)status;
    if (s != NULL) {
        pthread_mutex_lock(&G.mu);
        if (s->conn == conn) {
            s->in_request = 0;
            s->answered = 0; /* the next request on this connection */
        }
        pthread_mutex_unlock(&G.mu);
    }
}

/* civetweb reads a request whose target is neither a path nor an absolute
 * URI of this port ("GET http://other:81/x", "OPTIONS *"), calls nothing
 * and closes the connection without a word: answer it here, last thing
 * before the close. */
static void answer_unserved(const struct mg_connection *conn, const struct mg_request_info *ri)
{
    struct octo_req req;
    char target[201];

    memset(&req, 0, sizeof(req));
    req.conn = (struct mg_connection *)(uintptr_t)conn; /* civetweb hands it const */
    req.ri = ri;
    octo_http_error_raw(&req, 400,
                        "Bad Request: the request target \"%s\" is not a path on this server",
                        octo_guard_printable(ri->request_uri, target, sizeof(target)));
}

static void on_connection_close(const struct mg_connection *conn)
{
    struct slot *s = mg_get_user_connection_data(conn);
    const struct mg_request_info *ri = mg_get_request_info(conn);
    int answered = 1;

    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&G.mu);
    if (s->conn == conn) {
        answered = s->answered;
        s->conn = NULL;
        s->in_request = 0;
        G.busy--;
    }
    pthread_mutex_unlock(&G.mu);
    if (!answered && ri != NULL && ri->request_method != NULL && ri->request_uri != NULL &&
        ri->local_uri == NULL) {
        answer_unserved(conn, ri);
    }
}

void octo_conn_guard_answered(const struct mg_connection *conn)
{
    struct slot *s = conn != NULL ? mg_get_user_connection_data(conn) : NULL;

    if (s != NULL) {
        pthread_mutex_lock(&G.mu);
        if (s->conn == conn) {
            s->answered = 1;
        }
        pthread_mutex_unlock(&G.mu);
    }
}

/* --- closing ------------------------------------------------------------ */

void octo_conn_guard_close(struct octo_req *req)
{
    struct octo_peer want;
    char buf[4096];
    size_t total = 0;
    long long deadline = now_ms() + LINGER_MS;
    int fd;

    if (req->ri == NULL) {
        return;
    }
    struct slot *s = mg_get_user_connection_data(req->conn);

    if (s != NULL) {
        pthread_mutex_lock(&G.mu);
        if (s->conn == req->conn) {
            s->closing = 1;
        }
        pthread_mutex_unlock(&G.mu);
    }
    octo_peer_of_request(req->ri, &want);
    fd = octo_find_fd(&want); /* ours: civetweb keeps it open while we answer */
    if (fd < 0) {
        return;
    }
    /* The FIN follows the response. Reading what already arrived avoids a
     * reset that could destroy the response before the client reads it. */
    shutdown(fd, SHUT_WR);
    while (total < LINGER_BYTES) {
        struct pollfd pfd = {fd, POLLIN, 0};
        long long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            break;
        }
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0) {
            break;
        }
        total += (size_t)n;
    }
    shutdown(fd, SHUT_RD); /* civetweb's next read sees the end at once */
}

/* --- the watchdog ------------------------------------------------------- */

static int our_port(int port)
{
    int i;

    for (i = 0; i < G.nports; i++) {
        if (G.ports[i] == port) {
            return 1;
        }
    }
    return 0;
}

static void collect(int fd, void *arg)
{
    struct sock_list *l = arg;
    struct sock s;
    int i;

    memset(&s, 0, sizeof(s));
    if (octo_peer_of_fd(fd, &s.peer) != 0 || !our_port(s.peer.local_port)) {
        return;
    }
    i = octo_sock_idle(fd, OCTO_IDLE_MS, &s.silent_ms);
    if (i < 0) {
        return;
    }
    s.fd = fd;
    s.keep = !i;
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 64;

        l->v = octo_xrealloc(l->v, cap * sizeof(*l->v));
        l->cap = cap;
    }
    l->v[l->n++] = s;
}

static int in_request_locked(const struct octo_peer *p)
{
    int i;

    for (i = 0; i < G.threads; i++) {
        if (G.slots[i].conn != NULL && G.slots[i].in_request &&
            octo_same_peer(&G.slots[i].peer, p)) {
            return 1;
        }
    }
    return 0;
}

/* By address, the most silent first. */
static int sock_cmp(const void *a, const void *b)
{
    const struct sock *x = a;
    const struct sock *y = b;
    int c = x->peer.family != y->peer.family ? x->peer.family - y->peer.family
                                             : memcmp(x->peer.addr, y->peer.addr, 16);

    if (c != 0) {
        return c;
    }
    return x->silent_ms < y->silent_ms ? 1 : x->silent_ms > y->silent_ms ? -1 : 0;
}

/* Shut s down if it still is the connection the scan saw and still idle.
 * Under mu, so that a request cannot begin on it in between. */
static int cut(const struct sock *s)
{
    struct octo_peer now;
    unsigned silent;
    int done = 0;

    pthread_mutex_lock(&G.mu);
    if (octo_peer_of_fd(s->fd, &now) == 0 && octo_same_peer(&now, &s->peer) &&
        octo_sock_idle(s->fd, OCTO_IDLE_MS, &silent) == 1 && !in_request_locked(&s->peer)) {
        done = shutdown(s->fd, SHUT_RDWR) == 0;
    }
    pthread_mutex_unlock(&G.mu);
    return done;
}

static void sweep(void)
{
    struct sock_list l = {NULL, 0, 0};
    size_t i;
    size_t j;
    int pressure;

    octo_each_fd(collect, &l);
    if (l.n == 0) {
        free(l.v);
        return;
    }
    pthread_mutex_lock(&G.mu);
    for (i = 0; i < l.n; i++) {
        l.v[i].keep = l.v[i].keep || in_request_locked(&l.v[i].peer);
    }
    pthread_mutex_unlock(&G.mu);
    /* accepted connections, queued ones included, leave at most
     * OCTO_RESERVE_THREADS threads for whoever comes next */
    pressure = (int)l.n + OCTO_RESERVE_THREADS >= G.threads;
    qsort(l.v, l.n, sizeof(*l.v), sock_cmp);
    for (i = 0; i < l.n; i = j) {
        long excess;

        for (j = i; j < l.n && octo_same_addr(&l.v[j].peer, &l.v[i].peer); j++) {
        }
        excess = (long)(j - i) - G.per_client;
        for (; i < j; i++) {
            if (l.v[i].keep) {
                continue;
            }
            if (excess > 0) {
                if (cut(&l.v[i])) {
                    excess--;
                    G.closed_client++;
                }
            } else if (pressure && cut(&l.v[i])) {
                G.closed_busy++;
            }
        }
    }
    free(l.v);
}

/* At most one line every LOG_EVERY_S (an attack would flood the log). */
static void log_summary(int now)
{
    time_t t = time(NULL);

    if ((G.closed_busy != 0 || G.closed_client != 0) && (now || t - G.last_log >= LOG_EVERY_S)) {
        octo_log(OCTO_LOG_WARN,
                 "http: closed %lu idle connection(s) while request threads ran short and %lu "
                 "from addresses holding more than API_CLIENT_CONNECTIONS=%d",
                 G.closed_busy, G.closed_client, G.per_client);
        G.closed_busy = 0;
        G.closed_client = 0;
        G.last_log = t;
    }
}

static void *watchdog(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&G.mu);
    while (!G.stop) {
        int period = G.busy >= (G.threads + 1) / 2 ? SWEEP_BUSY_MS : SWEEP_CALM_MS;
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)period * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&G.cv, &G.mu, &ts);
        if (G.stop || G.busy == 0) {
            continue;
        }
        pthread_mutex_unlock(&G.mu);
        sweep(); /* closed_* are the watchdog's own */
        log_summary(0);
        pthread_mutex_lock(&G.mu);
    }
    pthread_mutex_unlock(&G.mu);
    return NULL;
}

/* --- set-up ------------------------------------------------------------- */

static void defer_accept(int fd, void *arg)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int listening = 0;
    socklen_t ilen = sizeof(listening);
    int secs = OCTO_HEADER_TIMEOUT_MS / 1000;

    (void)arg;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || !listening ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0 || !our_port(octo_sockaddr_port(&ss))) {
        return;
    }
    if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)) != 0) {
        octo_log(OCTO_LOG_WARN, "http: TCP_DEFER_ACCEPT not set on port %d",
                 octo_sockaddr_port(&ss));
    }
}

void octo_conn_guard_options(const char **opts, int *n)
{
    /* The head must arrive within this (a kept-alive connection: the next
     * head). civetweb applies it to each body read and write as well. */
    opts[(*n)++] = "request_timeout_ms";
    opts[(*n)++] = STR(OCTO_HEADER_TIMEOUT_MS);
    opts[(*n)++] = "keep_alive_timeout_ms";
    opts[(*n)++] = STR(OCTO_HEADER_TIMEOUT_MS);
    /* "GET http://host:port/x": civetweb serves absolute-form targets of
     * this port only when host is its authentication_domain
     * ("mydomain.com"), and otherwise closes without an answer. The host
     * is not checked, as the Host header is not. */
    opts[(*n)++] = "enable_auth_domain_check";
    opts[(*n)++] = "no";
}

void octo_conn_guard_setup(struct mg_callbacks *cb, int threads, int per_client)
{
    G.threads = threads < 1 ? 1 : threads < MAX_THREADS ? threads : MAX_THREADS;
    G.per_client = per_client;
    cb->init_connection = on_init_connection;
    cb->begin_request = on_begin_request;
    cb->end_request = on_end_request;
    cb->connection_close = on_connection_close;
}

int octo_conn_guard_start(struct mg_context *ctx)
{
    struct mg_server_port sp[MAX_PORTS];
    int n = mg_get_server_ports(ctx, MAX_PORTS, sp);
    int i;

    G.nports = 0;
    for (i = 0; i < n && i < MAX_PORTS; i++) {
        G.ports[G.nports++] = sp[i].port;
    }
    octo_each_fd(defer_accept, NULL);
    pthread_mutex_lock(&G.mu);
    G.stop = 0;
    G.running = pthread_create(&G.thread, NULL, watchdog, NULL) == 0;
    pthread_mutex_unlock(&G.mu);
    if (!G.running) {
        octo_log(OCTO_LOG_ERROR, "http: cannot start the connection watchdog thread");
        return -1;
    }
    return 0;
}

void octo_conn_guard_stop(void)
{
    int running;

    pthread_mutex_lock(&G.mu);
    G.stop = 1;
    running = G.running;
    G.running = 0;
    pthread_cond_signal(&G.cv);
    pthread_mutex_unlock(&G.mu);
    if (running) {
        pthread_join(G.thread, NULL);
        log_summary(1); /* the watchdog's counters are ours now */
    }
}
