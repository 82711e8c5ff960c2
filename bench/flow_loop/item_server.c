/* item_server.c - the local REST server of bench/flow_loop/run.sh.
 *
 * A civetweb server on 127.0.0.1 (keep-alive, 64 threads) answering every
 * GET with a small JSON document, like a REST API would; a query string
 * containing delay_ms=N makes it wait N ms first (a remote API's latency).
 * It binds a free port (listening_ports 127.0.0.1:0), writes it to the file
 * named by argv[1],
 * counts the requests it served and writes that count to argv[2] when it
 * gets SIGTERM/SIGINT. Compiled by run.sh:  cc -O2 item_server.c -lcivetweb
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <civetweb.h>

static atomic_long g_served;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int handler(struct mg_connection *conn, void *ud)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char body[256];
    char out[512];
    int n;
    int m;

    (void)ud;
    if (ri->query_string != NULL && strstr(ri->query_string, "delay_ms=") != NULL) {
        usleep((useconds_t)atoi(strstr(ri->query_string, "delay_ms=") + 9) * 1000u);
    }
    n = snprintf(body, sizeof(body),
                 "{\"ok\": true, \"query\": \"%.64s\", \"item\": {\"status\": \"successful\", "
                 "\"id\": %ld}}",
                 ri->query_string != NULL ? ri->query_string : "", atomic_load(&g_served));
    /* one write for headers and body (two small writes meet Nagle and the
     * client's delayed ACK: 40 ms per request) */
    m = snprintf(out, sizeof(out),
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 "Connection: keep-alive\r\n\r\n%s",
                 n, body);
    mg_write(conn, out, (size_t)m);
    atomic_fetch_add(&g_served, 1);
    return 200;
}

int main(int argc, char **argv)
{
    const char *options[] = {"listening_ports",
                             "127.0.0.1:0",
                             "num_threads",
                             "64",
                             "enable_keep_alive",
                             "yes",
                             "keep_alive_timeout_ms",
                             "30000",
                             "request_timeout_ms",
                             "30000",
                             "tcp_nodelay",
                             "1",
                             NULL};
    struct mg_callbacks cb;
    struct mg_context *ctx;
    struct mg_server_port ports[4];
    FILE *f;
    int n;

    if (argc < 3) {
        fprintf(stderr, "usage: item_server PORT_FILE COUNT_FILE\n");
        return 2;
    }
    memset(&cb, 0, sizeof(cb));
    mg_init_library(0);
    ctx = mg_start(&cb, NULL, options);
    if (ctx == NULL) {
        fprintf(stderr, "item_server: cannot start civetweb\n");
        return 1;
    }
    mg_set_request_handler(ctx, "/", handler, NULL);
    n = mg_get_server_ports(ctx, 4, ports);
    if (n < 1) {
        fprintf(stderr, "item_server: no listening port\n");
        mg_stop(ctx);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    f = fopen(argv[1], "w");
    if (f == NULL) {
        mg_stop(ctx);
        return 1;
    }
    fprintf(f, "%d\n", ports[0].port);
    fclose(f);
    while (!g_stop) {
        usleep(20000);
    }
    mg_stop(ctx);
    f = fopen(argv[2], "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", atomic_load(&g_served));
        fclose(f);
    }
    return 0;
}
