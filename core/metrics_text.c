/* metrics_text.c - GET /metrics: the registry's families (metrics.c),
 * and the gauges read from their owners at scrape time: jobs running and
 * queued (the job registry), each schedule's last fire delay (the
 * scheduler), the workers (the supervisor), the store's state, and the
 * service process's own figures from /proc/self.
 *
 * Text format 0.0.4: every family has HELP and TYPE lines; label values
 * are escaped; names follow Prometheus' conventions (seconds, bytes,
 * _total for counters) so `promtool check metrics` has nothing to say.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "buf.h"
#include "metrics.h"

static void gauge_head(struct octo_buf *b, const char *name, const char *type, const char *help)
{
    octo_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_value(struct octo_buf *b, const char *v)
{
    for (; v != NULL && *v != '\0'; v++) {
        if (*v == '\\' || *v == '"') {
            octo_buf_putc(b, '\\');
            octo_buf_putc(b, *v);
        } else if (*v == '\n') {
            octo_buf_puts(b, "\\n");
        } else {
            octo_buf_putc(b, *v);
        }
    }
}

static void write_jobs(struct octo_buf *b)
{
    size_t active = octo_jobs_active_count();
    size_t queued = octo_jobs_queued_count();

    gauge_head(b, "octoflow_jobs_running", "gauge", "Jobs running now (this service).");
    octo_buf_printf(b, "octoflow_jobs_running %zu\n", active >= queued ? active - queued : 0);
    gauge_head(b, "octoflow_jobs_queued", "gauge", "Jobs waiting for a worker now.");
    octo_buf_printf(b, "octoflow_jobs_queued %zu\n", queued);
}

/* One series per schedule (schedules are one per flow file, so the flow
 * path names it and stays stable across a remove and add). */
static void write_schedules(struct octo_buf *b)
{
    json_t *list = octo_sched_list();
    size_t i;
    json_t *s;

    gauge_head(b, "octoflow_schedule_lag_seconds", "gauge",
               "Delay between a schedule's last fire time and the launch of its run.");
    json_array_foreach(list, i, s)
    {
        json_t *lag = json_object_get(s, "last_lag_seconds");

        if (!json_is_number(lag)) {
            continue;
        }
        octo_buf_puts(b, "octoflow_schedule_lag_seconds{schedule=\"");
        label_value(b, json_string_value(json_object_get(s, "path")));
        octo_buf_printf(b, "\"} %.6f\n", json_number_value(lag));
    }
    gauge_head(b, "octoflow_schedules", "gauge", "Schedules, by state.");
    {
        long paused = 0;

        json_array_foreach(list, i, s)
        {
            paused += json_is_true(json_object_get(s, "paused"));
        }
        octo_buf_printf(b, "octoflow_schedules{state=\"active\"} %ld\n",
                        (long)json_array_size(list) - paused);
        octo_buf_printf(b, "octoflow_schedules{state=\"paused\"} %ld\n", paused);
    }
    json_decref(list);
}

static void write_health(struct octo_buf *b)
{
    json_t *h = octo_health();
    json_t *w = json_object_get(h, "workers");
    json_t *store = json_object_get(h, "store");

    gauge_head(b, "octoflow_store_up", "gauge",
               "1 when the job store records jobs, 0 when it is failing (runs go on).");
    octo_buf_printf(b, "octoflow_store_up %d\n", json_is_true(json_object_get(store, "ok")));
    gauge_head(b, "octoflow_store_dropped_writes_total", "counter",
               "Job and step records the store could not keep (it was failing or not open).");
    octo_buf_printf(b, "octoflow_store_dropped_writes_total %lld\n",
                    (long long)json_integer_value(json_object_get(store, "dropped_writes")));
    if (json_is_integer(json_object_get(w, "workers"))) {
        static const char *const states[] = {"idle", "busy", "starting"};
        int i;

        gauge_head(b, "octoflow_workers", "gauge", "Worker processes, by state.");
        for (i = 0; i < 3; i++) {
            octo_buf_printf(b, "octoflow_workers{state=\"%s\"} %lld\n", states[i],
                            (long long)json_integer_value(json_object_get(w, states[i])));
        }
        gauge_head(b, "octoflow_worker_crashes_total", "counter",
                   "Worker processes that died while running or checking a job.");
        octo_buf_printf(b, "octoflow_worker_crashes_total %lld\n",
                        (long long)json_integer_value(json_object_get(w, "crashes")));
    }
    json_decref(h);
}

/* /proc/self: resident memory, CPU time, start time, file descriptors. */
static void write_process(struct octo_buf *b)
{
    long page = sysconf(_SC_PAGESIZE);
    long tick = sysconf(_SC_CLK_TCK);
    char stat[4096];
    FILE *fp;
    size_t n = 0;
    long fds = 0;
    DIR *d;
    struct dirent *de;
    double btime = 0;
    char line[256];

    if ((fp = fopen("/proc/self/stat", "r")) != NULL) {
        n = fread(stat, 1, sizeof(stat) - 1, fp);
        fclose(fp);
    }
    stat[n] = '\0';
    if ((fp = fopen("/proc/stat", "r")) != NULL) {
        while (fgets(line, sizeof(line), fp) != NULL) {
            if (strncmp(line, "btime ", 6) == 0) {
                btime = strtod(line + 6, NULL);
            }
        }
        fclose(fp);
    }
    if ((d = opendir("/proc/self/fd")) != NULL) {
        while ((de = readdir(d)) != NULL) {
            fds += de->d_name[0] != '.';
        }
        closedir(d);
        fds--; /* the directory being read */
    }
    {
        /* fields after the command name (which may hold spaces): state is
         * field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24 */
        const char *p = strrchr(stat, ')');
        unsigned long long v[24] = {0};
        int f = 3;

        if (p != NULL) {
            p += 2;
            while (*p != '\0' && f <= 24) {
                v[f - 1] = strtoull(p, NULL, 10);
                p = strchr(p, ' ');
                if (p == NULL) {
                    break;
                }
                p++;
                f++;
            }
        }
        gauge_head(b, "process_cpu_seconds_total", "counter",
                   "User and system CPU time of the service process.");
        octo_buf_printf(b, "process_cpu_seconds_total %.2f\n",
                        (double)(v[13] + v[14]) / (double)(tick > 0 ? tick : 100));
        gauge_head(b, "process_resident_memory_bytes", "gauge",
                   "Resident memory of the service process (workers are not counted).");
        octo_buf_printf(b, "process_resident_memory_bytes %llu\n",
                        v[23] * (unsigned long long)page);
        gauge_head(b, "process_virtual_memory_bytes", "gauge",
                   "Virtual memory of the service process.");
        octo_buf_printf(b, "process_virtual_memory_bytes %llu\n", v[22]);
        gauge_head(b, "process_start_time_seconds", "gauge",
                   "Start time of the service process, seconds since the epoch.");
        octo_buf_printf(b, "process_start_time_seconds %.2f\n",
                        btime + (double)v[21] / (double)(tick > 0 ? tick : 100));
    }
    gauge_head(b, "process_open_fds", "gauge", "Open file descriptors of the service process.");
    octo_buf_printf(b, "process_open_fds %ld\n", fds);
}

char *octo_metrics_text(size_t *len)
{
    struct octo_buf b = OCTO_BUF_INIT;

    octo_metrics_write(&b);
    write_jobs(&b);
    write_schedules(&b);
    write_health(&b);
    write_process(&b);
    gauge_head(&b, "octoflow_build_info", "gauge", "Always 1; the version as a label.");
    octo_buf_printf(&b, "octoflow_build_info{version=\"%s\"} 1\n", octo_version());
    return octo_buf_steal(&b, len);
}
