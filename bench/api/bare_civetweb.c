/* bare_civetweb.c - reference server for bench/api/run.sh.
 *
 * The least a civetweb service can do per request: one catch-all handler,
 * the same bearer-token check as Octoflow's API (constant time), a small
 * JSON answer, with the listening options octoflow uses (16 threads,
 * keep-alive, TCP_NODELAY). No logging, no routing, no JSON library.
 * The answer (status line, the headers octoflow sends - Date, Connection,
 * Content-Type, Content-Length - and the body) goes out in one mg_write, as
 * octoflow's does since it stopped making one send() per header: a
 * reference that made two sends (mg_send_http_ok, then the body) would be
 * slower than the service it is the ceiling of.
 *
 *   bare_civetweb PORT TOKEN      (listens on 127.0.0.1; SIGTERM/SIGINT stop)
 *
 * Built by run.sh with: cc -O2 bare_civetweb.c -lcivetweb
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

static char g_expected[600];
static size_t g_len;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int handler(struct mg_connection *conn, void *cbdata)
{
    static const char ok[] = "{\"locks\":[]}\n";
    static const char denied[] = "{\"error\":\"Unauthorized\"}\n";
    const char *h = mg_get_header(conn, "Authorization");
    size_t hl = h != NULL ? strlen(h) : 0;
    unsigned char diff = h == NULL;
    size_t i;

    (void)cbdata;
    for (i = 0; i < g_len; i++) {
        diff |= (unsigned char)(g_expected[i] ^ (i < hl ? h[i] : 0));
    }
    if (diff == 0 && hl == g_len) {
        char date[64];
        char buf[512];
        struct tm tm;
        time_t now = time(NULL);
        int n;

        gmtime_r(&now, &tm);
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 200 OK\r\nDate: %s\r\nConnection: keep-alive\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     date, sizeof(ok) - 1, ok);
        mg_write(conn, buf, (size_t)n);
        return 200;
    }
    mg_send_http_error(conn, 401, "%s", denied);
    return 401;
}

int main(int argc, char **argv)
{
    char ports[64];
    const char *opts[] = {"listening_ports",
                          ports,
                          "num_threads",
                          "16",
                          "enable_keep_alive",
                          "yes",
                          "keep_alive_timeout_ms",
                          "5000",
                          "tcp_nodelay",
                          "1",
                          NULL};
    struct mg_callbacks cb;
    struct mg_context *ctx;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT TOKEN\n", argv[0]);
        return 2;
    }
    snprintf(ports, sizeof(ports), "127.0.0.1:%s", argv[1]);
    snprintf(g_expected, sizeof(g_expected), "Bearer %s", argv[2]);
    g_len = strlen(g_expected);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    mg_init_library(0);
    memset(&cb, 0, sizeof(cb));
    ctx = mg_start(&cb, NULL, opts);
    if (ctx == NULL) {
        fprintf(stderr, "cannot listen on %s\n", ports);
        return 1;
    }
    mg_set_request_handler(ctx, "/", handler, NULL);
    while (!g_stop) {
        pause();
    }
    mg_stop(ctx);
    mg_exit_library();
    return 0;
}
