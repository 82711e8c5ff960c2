#!/usr/bin/env python3
"""Launch latency (issue 13), bench/launch/launch.py BUILD_DIR.

One `octoflow serve` with the production defaults (worker processes, job
store on, access log at INFO, FLOW_MAX_WORKERS 8) and:

1. A 4-step flow - file read (20 tickets, JSON) -> jq (select, reshape,
   sort) -> jinja rendering YAML with `parse: yaml` -> file write (JSON,
   atomic, fsync) - launched one after the other (wrk, 1 thread, 1
   connection, DURATION s after a warm-up) through the legacy
   POST /api/flows/launch and through POST /api/v1/jobs?wait=30: median and
   p99. The reference is the original's 36 ms median, recorded in issue 13
   (the original does not run here). Target: median <= 0.3 ms, >= 100x.
   Where the time goes: BREAKDOWN launches through /api/v1/jobs, each job's
   own duration and each step's duration_us from its timeline (medians);
   the rest of the latency is the API, dispatch to a worker and the store.
   When the file plugin offers `sync: false`, the same flow without fsync:
   its latency, and the write step's time with and without (what fsync
   costs).
2. A `when`-skipped step: (T(1 + N skipped) - T(1)) / N from the jobs' own
   durations, with a constant condition ("false") and one reading the input
   (`__input__.x > 1000000`); the reference is an executed step (jq '.'),
   (T(1 + M) - T(1)) / M in the same service. Target <= 1 us.
3. 8 clients x 8 different flows (the 4-step flow with 8 different jq
   programs and outputs): wrk -t8 -c8, each connection launching its own
   flow back to back; WARM s of warm-up (every flow compiled in every
   worker), then DURATION s measured: p99. Reference: the original's 593 ms
   (recorded). Target <= 5 ms. When the file plugin offers `sync: false`,
   the same with it: the difference is eight writes waiting for fsync.

With PERF=1, one more sequential run of the 4-step flow under `perf record`
(the service and its workers): the self time by process, library and symbol
is printed and kept (results JSON, details.perf) - where each microsecond
goes.

Environment: DURATION (5), WARM (3), BREAKDOWN (300), NSKIP (1000),
REPS (9), PERF (0), RESULTS_DIR.
"""
import json
import os
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import octobench as ob  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
POST_LUA = os.path.join(HERE, "post.lua")
ORIGINAL_4STEP_MS = 36.0
ORIGINAL_8X8_P99_MS = 593.0

TEMPLATE = """summary:
  count: {{ tickets | length }}
  top: {{ tickets[0].number if tickets else 'none' }}
  owners: {{ tickets | map(attribute='owner') | unique | list | tojson }}
tickets:
{% for t in tickets %}
- number: {{ t.number }}
  priority: {{ t.priority }}
  title: "{{ t.title }}"
  urgent: {{ 'yes' if t.priority <= 2 else 'no' }}
{% endfor %}
"""


def four_step(k, sync=None):
    sync_line = "" if sync is None else ", sync: %s" % ("true" if sync else "false")
    return """name: four steps %d
steps:
- name: read
  type: file
  file: {path: input/tickets.json, type: json}
- name: tickets
  type: jq
  jq:
    expression: '[.result[] | select(.state == "new" and .priority <= %d) | {number, priority, owner, title: .short_description}] | sort_by(.priority)'
    data_key: read
- name: report
  type: jinja
  jinja: {path: report.j2, parse: yaml}
- name: write
  type: file
  file: {path: output/four_%d.json, mode: write, type: json, data_key: report%s}
""" % (k, 5 + k, k, sync_line)


def tickets():
    res = []
    for i in range(20):
        res.append({"sys_id": "s%03d" % i, "number": "INC%04d" % i,
                    "state": "new" if i % 2 == 0 else "in_progress", "priority": 1 + i % 5,
                    "owner": "team-%d" % (i % 3), "short_description": "Ticket %d: disk %d%% full" % (i, 80 + i)})
    return json.dumps({"result": res}, indent=1)


def steps_flow(name, n_skip, when, n_exec=0):
    lines = ["name: %s" % name, "steps:",
             "- name: first", "  type: jq", "  jq: {expression: '.x', data_key: __input__}"]
    for i in range(n_skip):
        lines += ["- name: k%d" % i, "  type: jq", "  when: '%s'" % when,
                  "  jq: {expression: '.', data_key: __input__}"]
    for i in range(n_exec):
        lines += ["- name: e%d" % i, "  type: jq", "  jq: {expression: '.', data_key: __input__}"]
    return "\n".join(lines) + "\n"


def file_has_sync(build):
    out = subprocess.run([os.path.join(build, "octoflow"), "plugins", "--json"], capture_output=True,
                         text=True, env=dict(os.environ, PLUGINS_PATH=os.path.join(build, "plugins"))).stdout
    for p in json.loads(out)["plugins"]:
        for s in p["steps"]:
            if s["name"] == "file":
                return any(o["name"] == "sync" for o in s["options"])
    return False


def sequential(svc, route, flow, duration):
    args = (ob.TOKEN, route, flow, 1, 1)
    svc.wait_idle()
    ob.wrk(svc.url, 1, 1, 1, POST_LUA, args, check=False)
    svc.wait_idle()
    return ob.wrk(svc.url, duration, 1, 1, POST_LUA, args)


def breakdown(svc, flow, n):
    c = svc.conn()
    jobs = [svc.job(flow, {"x": i}, conn=c) for i in range(n)]
    steps = {}
    for j in jobs:
        for s in j["timeline"]:
            steps.setdefault("%s (%s)" % (s["name"], s["type"]), []).append(s["duration_us"])
    return (statistics.median(j["duration_seconds"] for j in jobs) * 1e6,
            {k: statistics.median(v) for k, v in steps.items()})


def job_us(svc, conn, flow, reps):
    for _ in range(2):
        svc.job(flow, {"x": 1}, conn=conn)
    return statistics.median(svc.job(flow, {"x": 1}, conn=conn)["duration_seconds"] for _ in range(reps)) * 1e6


def main():
    build = ob.build_dir(sys.argv)
    ob.install_signal_handlers()
    duration = int(os.environ.get("DURATION", "5"))
    warm = int(os.environ.get("WARM", "3"))
    nbreak = int(os.environ.get("BREAKDOWN", "300"))
    nskip = int(os.environ.get("NSKIP", "1000"))
    reps = int(os.environ.get("REPS", "9"))
    nexec = 200
    res = ob.Results("launch")
    has_sync = file_has_sync(build)
    print("launch latency: load %s, file step sync option: %s" % (ob.loadavg(), "yes" if has_sync else "no"))
    svc = ob.Service(build, "launch", {"MAX_STEPS_PER_RUN": str(max(10000, nskip + nexec + 10))})
    try:
        svc.write("input/tickets.json", tickets())
        svc.write("templates/report.j2", TEMPLATE)
        for k in range(8):
            svc.write("flows/four_%d.yml" % k, four_step(k))
        if has_sync:
            for k in range(8):
                svc.write("flows/nosync_%d.yml" % k, four_step(k, sync=False))
        svc.write("flows/base.yml", steps_flow("base", 0, ""))
        svc.write("flows/skip_const.yml", steps_flow("skip const", nskip, "false"))
        svc.write("flows/skip_var.yml", steps_flow("skip var", nskip, "__input__.x > 1000000"))
        svc.write("flows/exec.yml", steps_flow("exec", 0, "", nexec))
        svc.start()
        job = svc.job("four_0.yml", {"x": 1})
        want = sum(1 for t in json.loads(tickets())["result"] if t["state"] == "new" and t["priority"] <= 5)
        got = job["result"]["report"]["summary"]["count"]
        if got != want:
            raise RuntimeError("the 4-step flow counted %r tickets, not %d" % (got, want))

        # 1. sequential 4-step launches
        seq = {}
        variants = [("POST /api/flows/launch", "/api/flows/launch", "four_0.yml"),
                    ("POST /api/v1/jobs?wait=30", "/api/v1/jobs?wait=30", "four_0.yml")]
        if has_sync:
            variants.append(("POST /api/flows/launch, write with sync: false", "/api/flows/launch",
                             "nosync_0.yml"))
        for label, route, flow in variants:
            r = sequential(svc, route, flow, duration)
            seq[label] = r
            print("  %-50s %7d launches  p50 %.3f  p99 %.3f ms" % (label, r["requests"], r["p50_ms"], r["p99_ms"]))
            med = r["p50_ms"]
            res.add("Launch", "4-step flow, sequential, %s: median" % label, med, "ms",
                    ob.ORIGINAL, ORIGINAL_4STEP_MS, ORIGINAL_4STEP_MS / med,
                    "%.0fx faster" % (ORIGINAL_4STEP_MS / med), "<= 0.3 ms (>= 100x)", med <= 0.3,
                    "%d launches" % r["requests"])
            res.add("Launch", "4-step flow, sequential, %s: p99" % label, r["p99_ms"], "ms", target="-")
        job_med, per_step = breakdown(svc, "four_0.yml", nbreak)
        lat_us = seq["POST /api/v1/jobs?wait=30"]["p50_ms"] * 1000
        res.details["four_step_breakdown_us"] = {"job (runner, in the worker)": job_med,
                                                 "steps": per_step,
                                                 "latency through /api/v1/jobs (wrk median)": lat_us,
                                                 "API + dispatch + store (latency - job)": lat_us - job_med}
        print("  where the time goes (median us of %d jobs): job %.0f; %s; API+dispatch+store %.0f"
              % (nbreak, job_med, ", ".join("%s %.0f" % kv for kv in per_step.items()), lat_us - job_med))
        fs = per_step.get("write (file)")
        nosync = None
        if has_sync:
            _, ns_steps = breakdown(svc, "nosync_0.yml", nbreak)
            nosync = ns_steps.get("write (file)")
            res.details["four_step_breakdown_us"]["write (file) with sync: false"] = nosync
        if fs is not None:
            res.add("Launch", "file write step (atomic, fsync) in the 4-step flow", fs, "us",
                    "the same step with `sync: false`" if nosync is not None else "the whole job (4 steps)",
                    nosync if nosync is not None else job_med, fs / (nosync or job_med),
                    "fsync: %.0f us, %.0f%% of the job" % (fs - (nosync or 0), 100 * (fs - (nosync or 0)) / job_med)
                    if nosync is not None else "%.0f%% of the job" % (100 * fs / job_med),
                    "`sync: false` offered if it dominates", has_sync or fs < job_med / 2,
                    "the job takes %.0f us" % job_med if has_sync else "no `sync` option in the file step")

        if os.environ.get("PERF") == "1":
            t = svc.tree()
            with ob.perf_record([t["service"]] + t["workers"], os.path.join(svc.tmp, "perf.data")) as lines:
                r = sequential(svc, "/api/v1/jobs?wait=30", "four_0.yml", duration)
            res.details["perf"] = {"launches": r["requests"], "report": lines}
            print("  perf profile of %d sequential launches (self time, >= 0.5%%):" % r["requests"])
            for line in lines[:40]:
                print("    " + line)

        # 2. when-skipped steps
        svc.wait_idle()
        c = svc.conn()
        base = job_us(svc, c, "base.yml", reps)
        execd = (job_us(svc, c, "exec.yml", reps) - base) / nexec
        for label, flow in (("constant `when: false`", "skip_const.yml"),
                            ("`when: __input__.x > 1000000`", "skip_var.yml")):
            per = (job_us(svc, c, flow, reps) - base) / nskip
            res.add("Launch", "`when`-skipped step, %s" % label, per, "us",
                    "an executed jq '.' step, same run", execd, per / execd,
                    "%.0f%% of an executed step" % (100 * per / execd), "<= 1 us", per <= 1.0,
                    "(T(1+%d) - T(1)) / %d, job durations, median of %d" % (nskip, nskip, reps))
        c.close()

        # 3. 8 clients x 8 flows; again with `sync: false`, which shows
        # how much of the tail is 8 writes waiting on fsync together
        runs = [("", "four_%d.yml")]
        if has_sync:
            runs.append((", write with sync: false", "nosync_%d.yml"))
        for label, pattern in runs:
            args = (ob.TOKEN, "/api/flows/launch", pattern, 8, 8)
            svc.wait_idle()
            ob.wrk(svc.url, warm, 8, 8, POST_LUA, args, check=False)
            svc.wait_idle()
            r = ob.wrk(svc.url, duration, 8, 8, POST_LUA, args)
            res.details["8x8" + ("_nosync" if label else "")] = r
            print("  8x8%s: %d launches, %.0f/s, p50 %.2f p99 %.2f ms"
                  % (label, r["requests"], r["rps"], r["p50_ms"], r["p99_ms"]))
            res.add("Concurrency", "8 clients x 8 different 4-step flows%s, after warm-up: p99" % label,
                    r["p99_ms"], "ms", ob.ORIGINAL, ORIGINAL_8X8_P99_MS, ORIGINAL_8X8_P99_MS / r["p99_ms"],
                    "%.0fx faster" % (ORIGINAL_8X8_P99_MS / r["p99_ms"]), "<= 5 ms", r["p99_ms"] <= 5.0,
                    "%d launches, %.0f/s, p50 %.2f ms%s" % (r["requests"], r["rps"], r["p50_ms"],
                                                            ", %d non-2xx" % r["non2xx"] if r["non2xx"] else ""))
    finally:
        svc.stop()
    res.save()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
