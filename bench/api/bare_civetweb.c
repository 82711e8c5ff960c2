/* bare_civetweb.c - reference server for bench/api/run.sh.
 *
 * The least a civetweb service can do per request: one catch-all handler,
 * the same bearer-token check as Octoflow's API (constant time), a small
 * JSON answer, with the listening options octoflow uses (16 threads,
 * keep-alive, TCP_NODELAY). No logging, no routing, no JSON library.
 *
 *   bare_civetweb PORT TOKEN      (listens on 127.0.0.1; SIGTERM/SIGINT stop)
 *
 * Built by run.sh with: cc -O2 bare_civetweb.c -lcivetweb
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
        mg_send_http_ok(conn, "application/json", (long long)(sizeof(ok) - 1));
        mg_write(conn, ok, sizeof(ok) - 1);
        return 200;
    }
    mg_send_http_error(conn, 401, "%s", denied);
    return 401;
}

int main(int argc, char **argv)
{
    char ports[64];
    const char *opts[] = {"listening_ports", ports, "num_threads", "16", "enable_keep_alive", "yes",
                          "keep_alive_timeout_ms", "5000", "tcp_nodelay", "1", NULL};
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
