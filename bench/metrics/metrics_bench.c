/* metrics_bench.c - what one observation costs (core/metrics.c): an API
 * request counted (counter + histogram, label text built and found), a
 * job finished, a step ended; on 1 and 2 threads hitting the same series
 * (the worst case: one cache line shared). Built and run by run.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "metrics.h"

void octo_metrics_http(const char *method, const char *route, int code, double seconds);

#define N 2000000L

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int g_kind;

static void *loop(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < N; i++) {
        switch (g_kind) {
        case 0:
            octo_metrics_http("GET", "/api/v1/jobs/{job_id}", 200, 0.0004);
            break;
        case 1:
            octo_metrics_job_finished("reports/daily.yml", "success", "schedule", 1.5);
            break;
        default:
            octo_metrics_step("jq", "ok", 120, NULL);
            break;
        }
    }
    return NULL;
}

int main(void)
{
    static const char *const names[] = {"API request (counter + histogram)",
                                        "job finished (counter + histogram)",
                                        "step ended (histogram)"};
    int threads;

    for (g_kind = 0; g_kind < 3; g_kind++) {
        for (threads = 1; threads <= 2; threads++) {
            pthread_t t[2];
            double t0 = now();
            int k;

            for (k = 0; k < threads; k++) {
                pthread_create(&t[k], NULL, loop, NULL);
            }
            for (k = 0; k < threads; k++) {
                pthread_join(t[k], NULL);
            }
            printf("%-38s %d thread(s): %6.1f ns per observation\n", names[g_kind], threads,
                   (now() - t0) * 1e9 / (double)N);
        }
    }
    return 0;
}
