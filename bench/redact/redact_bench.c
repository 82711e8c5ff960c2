/* redact_bench.c - nanoseconds per line of secret redaction (core/redact.c).
 *
 * 20 registered secrets (tokens, passwords with non-ASCII characters,
 * backslashes and quotes, and a Basic-auth base64 form), then octo_redact_buf
 * on typical log lines of about 200 bytes:
 *   plain      a REST log line, no secret, nothing decodable
 *   query      a line with a percent-encoded query string, no secret
 *   yaml       a debug step's YAML dump line (line breaks, escapes), no secret
 *   hit        a plain line holding one secret
 *   hit-json   a line holding a secret as a JSON string (\u00e4, \\)
 * Each case runs N times (default 200000); the best of 5 rounds is shown.
 * Build and run: bench/redact/run.sh BUILD_DIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "redact.h"

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *const cases[][2] = {
        {"plain", "2026-11-27 09:55:00,123 - INFO - [tickets][get tickets // rest] -> GET "
                  "https://servicenow.example.com/api/now/table/sc_req_item returned 200 in 84 ms "
                  "(12 items, 48213 bytes)"},
        {"query", "2026-11-27 09:55:00,123 - DEBUG - [tickets][get tickets // rest] -> GET "
                  "https://sn.example.com/api/now/table/x?sysparm_query=request_type%3Dansible%5E"
                  "status%3Dnew&sysparm_limit=5&name=Demo+flow"},
        {"yaml", "2026-11-27 09:55:00,123 - INFO - [t][d // debug] items:\n- id: 1\n  name: "
                 "\"caf\\xE9 order for the \\\"north\\\" site\"\n  state: new\n- id: 2\n  name: "
                 "plain text that is long enough to be folded by the\n    YAML emitter"},
        {"hit", "2026-11-27 09:55:00,123 - INFO - [tickets][call // rest] server answered: "
                "{\"ok\": false, \"echo\": \"Bearer tok-7f3a9c2e-5b1d-4c8e-9a0f-12ab34cd56ef\", "
                "\"detail\": \"bad\"}"},
        {"hit-json", "2026-11-27 09:55:00,123 - INFO - [t][call // rest] server answered: "
                     "{\"ok\": false, \"echo\": \"p\\u00e4ss\\\\w\\\"ord-9!x\", \"detail\": "
                     "\"nothing else to see in this line\"}"},
    };
    long n = argc > 1 ? atol(argv[1]) : 200000;
    size_t c;
    int i;

    for (i = 0; i < 18; i++) {
        char s[64];

        snprintf(s, sizeof(s), "secret-value-%02d-%08x", i, 0x9e3779b9u * (unsigned)(i + 1));
        octo_redact_add(s);
    }
    octo_redact_add("tok-7f3a9c2e-5b1d-4c8e-9a0f-12ab34cd56ef");
    octo_redact_add("p\xc3\xa4ss\\w\"ord-9!x");
    printf("%zu secrets registered, %ld lines per round, best of 5 rounds\n", octo_redact_count(),
           n);
    printf("%-10s %6s %10s\n", "case", "bytes", "ns/line");
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double best = 1e9;
        int round;

        for (round = 0; round < 5; round++) {
            double t0 = now();
            long k;

            for (k = 0; k < n; k++) {
                struct octo_buf b = OCTO_BUF_INIT;

                octo_buf_puts(&b, cases[c][1]);
                octo_redact_buf(&b);
                octo_buf_free(&b);
            }
            if ((now() - t0) / (double)n < best) {
                best = (now() - t0) / (double)n;
            }
        }
        {
            struct octo_buf b = OCTO_BUF_INIT;

            octo_buf_puts(&b, cases[c][1]);
            octo_redact_buf(&b);
            if ((strstr(cases[c][0], "hit") != NULL) !=
                (strstr(octo_buf_cstr(&b), "***") != NULL)) {
                fprintf(stderr, "%s: unexpected result: %s\n", cases[c][0], octo_buf_cstr(&b));
            }
            octo_buf_free(&b);
        }
        printf("%-10s %6zu %10.0f\n", cases[c][0], strlen(cases[c][1]), best * 1e9);
    }
    /* the cost of the buffer copy alone, to subtract */
    {
        double t0 = now();
        long k;

        for (k = 0; k < n; k++) {
            struct octo_buf b = OCTO_BUF_INIT;

            octo_buf_puts(&b, cases[0][1]);
            octo_buf_free(&b);
        }
        printf("%-10s %6zu %10.0f\n", "(copy)", strlen(cases[0][1]),
               (now() - t0) / (double)n * 1e9);
    }
    octo_redact_clear();
    return 0;
}
