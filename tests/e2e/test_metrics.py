#!/usr/bin/env python3
"""GET /metrics end to end (issue 11): Prometheus text format checked by
`promtool check metrics` (Debian's prometheus package), counters that move
as jobs run, gauges, labels bounded to route templates and flow files,
the token (or METRICS_PUBLIC=true), the store error counter.
"""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import check  # noqa: E402

FLOWS = {
    "hello.yml": """name: hello
steps:
- name: greet
  type: jq
  jq: {expression: '{"hello": .name}', data_key: __input__}
""",
    "fail.yml": """name: fail
steps:
- name: read
  type: file
  retry: {attempts: 2, delay: 0.01, when: ['.*No such file.*']}
  file: {path: nope/missing.json, type: json}
""",
    "slow.yml": E.slow_flow("slow", 60),
}

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

srv = None


def setup():
    global srv
    srv = E.Server(flows=FLOWS, name="metrics")
    srv.start()


def scrape(s=None, auth=True):
    r = (s or srv).get("/metrics", auth=auth)
    check(r.status == 200, "scrape: %r" % r)
    return r


def parse(text):
    """{(name, frozenset(labels)): value}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        check(m is not None, "a sample line: %r" % line)
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def test_format_and_promtool():
    r = scrape()
    check(r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8", r.headers)
    text = r.text()
    for name in ("octoflow_jobs_total", "octoflow_job_duration_seconds", "octoflow_step_duration_seconds",
                 "octoflow_step_errors_total", "octoflow_jobs_running", "octoflow_jobs_queued",
                 "octoflow_schedule_lag_seconds", "octoflow_http_requests_total",
                 "octoflow_http_request_duration_seconds", "octoflow_store_errors_total",
                 "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"):
        check("# TYPE %s " % name in text and "# HELP %s " % name in text, "%s declared" % name)
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool is not installed (Debian package prometheus: "
          "scripts/install-deps.sh)")
    p = subprocess.run([promtool, "check", "metrics"], input=r.body, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    check(p.returncode == 0 and p.stdout.strip() == b"", "promtool: %s" % p.stdout.decode())
    s = parse(text)
    start = value(s, "process_start_time_seconds")
    check(abs(start - time.time()) < 3600, "start time is an epoch: %r" % start)
    check(value(s, "process_resident_memory_bytes") > 1e6, "resident memory")
    check(value(s, "process_open_fds") >= 3, "open fds")


def test_token_required():
    r = srv.get("/metrics", auth=False)
    E.assert_json_error(r, 401, "Unauthorized")


def test_counters_move_as_jobs_run():
    before = parse(scrape().text())
    r = srv.post("/api/v1/jobs?wait=%d" % (30 * E.SLOW), {"path": "hello.yml", "data": {"name": "a"}})
    check(r.status == 200 and r.json()["status"] == "success", r)
    r = srv.post("/api/v1/jobs?wait=%d" % (30 * E.SLOW), {"path": "fail.yml", "data": {}})
    check(r.status == 200 and r.json()["status"] == "failed", r)
    # a request is counted once answered: the client may scrape a moment before
    E.wait_for(lambda: value(parse(scrape().text()), "octoflow_http_requests_total", method="POST",
                             route="/api/v1/jobs", code="200")
               - value(before, "octoflow_http_requests_total", method="POST", route="/api/v1/jobs",
                       code="200") >= 2, 5 * E.SLOW, what="the launches counted")
    after = parse(scrape().text())

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    check(delta("octoflow_jobs_total", flow="hello.yml", status="success", source="api") == 1,
          "success counted")
    check(delta("octoflow_jobs_total", flow="fail.yml", status="failed", source="api") == 1,
          "failure counted")
    check(delta("octoflow_job_duration_seconds_count", flow="hello.yml") == 1, "job duration observed")
    check(delta("octoflow_job_duration_seconds_bucket", flow="hello.yml", le="+Inf") == 1, "+Inf bucket")
    check(delta("octoflow_step_duration_seconds_count", type="jq") == 1, "jq step observed")
    check(delta("octoflow_step_duration_seconds_count", type="file") == 2, "both attempts observed")
    check(delta("octoflow_step_errors_total", type="file", error_type="io") == 2,
          "each failed attempt counted by error type")
    check(delta("octoflow_http_requests_total", method="POST", route="/api/v1/jobs", code="200") == 2,
          "requests counted by route template")
    check(delta("octoflow_http_request_duration_seconds_count", route="/api/v1/jobs") == 2,
          "request durations observed")
    # the histogram is cumulative and its sum grows
    buckets = sorted((float(dict(ls)["le"]), v) for (n, ls), v in after.items()
                     if n == "octoflow_job_duration_seconds_bucket" and ("flow", "hello.yml") in ls
                     and dict(ls)["le"] != "+Inf")
    check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "cumulative buckets")
    check(value(after, "octoflow_job_duration_seconds_sum", flow="hello.yml") > 0, "sum")


def test_running_gauge_and_schedule_lag():
    r = srv.post("/api/v1/jobs", {"path": "slow.yml"})
    check(r.status == 202, r)
    job = r.json()["job_id"]
    E.wait_for(lambda: value(parse(scrape().text()), "octoflow_jobs_running") == 1, 20 * E.SLOW,
               what="jobs_running 1")
    check(srv.post("/api/v1/jobs/%s/cancel" % job).status == 202, "cancel")
    E.wait_for(lambda: value(parse(scrape().text()), "octoflow_jobs_running") == 0, 20 * E.SLOW,
               what="jobs_running 0")
    E.wait_for(lambda: value(parse(scrape().text()), "octoflow_jobs_total", flow="slow.yml") == 1,
               10 * E.SLOW, what="the cancelled job counted")
    s = parse(scrape().text())
    check(value(s, "octoflow_jobs_total", flow="slow.yml", status="cancelled") == 1,
          "cancel counted: %r" % [k for k in s if k[0] == "octoflow_jobs_total"])
    check(value(s, "octoflow_jobs_queued") == 0, "queued gauge")
    r = srv.post("/api/v1/schedules", {"path": "hello.yml", "every_seconds": 1})
    check(r.status == 201, r)
    sid = r.json()["schedule_id"]
    try:
        E.wait_for(lambda: ("octoflow_schedule_lag_seconds", frozenset({("schedule", "hello.yml")}))
                   in parse(scrape().text()), 20 * E.SLOW, what="schedule lag sample")
        lag = value(parse(scrape().text()), "octoflow_schedule_lag_seconds", schedule="hello.yml")
        check(0 <= lag < 30, "lag in seconds: %r" % lag)
        E.wait_for(lambda: value(parse(scrape().text()), "octoflow_jobs_total", flow="hello.yml",
                                 source="schedule") >= 1, 20 * E.SLOW, what="scheduled job counted")
    finally:
        srv.delete("/api/v1/schedules/%s" % sid)


def test_labels_are_bounded():
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for i in ids:
        srv.get("/api/v1/jobs/%s" % i)
        srv.get("/no/such/%s" % i)
        srv.request("BREW", "/api/v1/jobs/%s" % i)
    text = scrape().text()
    for i in ids:
        check(i not in text, "no job id or raw path in a label")
    s = parse(text)
    check(value(s, "octoflow_http_requests_total", route="/api/v1/jobs/{job_id}", code="404") >= 3,
          "the route template labels the request")
    check(value(s, "octoflow_http_requests_total", route="unmatched") >= 3, "unmatched paths: one label")
    check(value(s, "octoflow_http_requests_total", method="BREW") == 0, "unknown methods are not labels")


def test_metrics_public_and_store_errors():
    broken = os.path.join(srv.tmp, "no-such-dir", "jobs.db")
    with E.Server(flows=FLOWS, name="public", env={"METRICS_PUBLIC": "true", "JOBS_DB": broken}) as s2:
        r = s2.get("/metrics", auth=False)
        check(r.status == 200, "no token needed: %r" % r)
        E.assert_json_error(s2.get("/api/v1/jobs", auth=False), 401, "Unauthorized")
        s = parse(r.text())
        check(value(s, "octoflow_store_errors_total") >= 1, "the failed open is counted")
        check(value(s, "octoflow_store_up") == 0, "store down")
        before = value(s, "octoflow_store_dropped_writes_total")
        r = s2.post("/api/v1/jobs?wait=%d" % (30 * E.SLOW), {"path": "hello.yml", "data": {"name": "x"}})
        check(r.status == 200 and r.json()["status"] == "success", "the run goes on: %r" % r)
        E.wait_for(lambda: value(parse(s2.get("/metrics", auth=False).text()),
                                 "octoflow_store_dropped_writes_total") > before, 10 * E.SLOW,
                   what="the records the store could not keep counted")
    bad = E.Server(flows=FLOWS, name="badpublic", env={"METRICS_PUBLIC": "yes please"})
    try:
        bad.start(wait=False)
        rc = bad.wait_exit(15 * E.SLOW)
        check(rc == 2 and "METRICS_PUBLIC" in bad.stderr() + bad.log(),
              "a bad METRICS_PUBLIC is refused at start: %r %s" % (rc, bad.stderr()[-500:]))
    finally:
        bad.cleanup()


def test_zz_stop():
    srv.stop()
    srv.cleanup()


if __name__ == "__main__":
    setup()
    try:
        E.run_tests(globals())
    finally:
        srv.cleanup()  # also when only some tests were asked for (no test_zz_stop)
