#!/usr/bin/env python3
"""Jobs through the /api/v1 routes, end to end (issue 8): the asynchronous
launch (202 at once, ?wait, 409 while running, the C.8 error shapes), the
job with its step timeline (skipped, ignored, retried and failed steps,
bounded loop items), the job id in every log line of a run, the listing
and deletion routes with their filters and times in TIMEZONE, live events
(SSE), and cancellation: a queued job, a REST call in flight, a retry wait
and a jq step that never ends (its worker is killed).

Slow flows wait on a recording HTTP server on 127.0.0.1 (mockserv.py), so
their durations do not depend on how busy the machine is.
"""
import datetime
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
import zoneinfo

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jobs_e2e as J  # noqa: E402
import mockserv as M  # noqa: E402
import octo_e2e as E  # noqa: E402
from octo_e2e import check, wait_for  # noqa: E402

ZONE = "Europe/Brussels"
ACCESS = re.compile(r'^127\.0\.0\.1 - - "')
SLOW_MS = 3000  # the slow flow's REST call

FLAKY = {}      # key -> number of calls seen
FLAKY_LOCK = threading.Lock()


def flaky(req, m):
    """503 twice, then 200, per key; /flaky/always/<key>: always 503."""
    key = m.group(2)
    with FLAKY_LOCK:
        FLAKY[key] = FLAKY.get(key, 0) + 1
        n = FLAKY[key]
    if m.group(1) or n <= 2:
        return 503, {"error": "busy %d" % n}
    return 200, {"ok": True, "calls": n}


MOCK = M.MockServer(routes=[("*", r"^/flaky/(always/)?([^/]+)$", flaky)], name="api-mock").start()
SILENT = J.SilentServer()

TIMELINE = """name: timeline
steps:
- name: seed
  type: jq
  jq: {expression: '{items: [range(0; 50)], n: 7}'}
- name: never
  type: jq
  when: "n is defined"
  jq: {expression: '1'}
- name: tolerated
  type: file
  ignore_errors: ['No such file']
  file: {path: nope/missing.json, type: json}
- name: flaky
  type: rest
  retry: {attempts: 3, delay: 0.05}
  rest: {uri: '%(url)s/flaky/{{ __job_id__ }}'}
- name: items
  type: jq
  jq: {expression: '.items', data_key: seed}
- name: loop
  type: flow_loop
  flow_loop: {path: item.yml, data_key: items}
- name: boom
  type: jq
  jq: {expression: '.n | error("boom \\(.)")', data_key: seed}
- name: unreached
  type: jq
  jq: {expression: '1'}
""" % {"url": MOCK.url}

ITEM = """name: item
steps:
- name: double
  type: jq
  jq: {expression: '. * 2', data_key: __input__}
"""


def logflow(tag):
    """A flow whose run writes many log lines: REST calls (one per loop
    item, on pool threads), an ignored error, a retry warning."""
    return """name: log%(tag)s
steps:
- name: call
  type: rest
  rest: {uri: '%(url)s/sleep/300/log%(tag)s'}
- name: tolerated
  type: file
  ignore_errors: ['No such file']
  file: {path: nope/%(tag)s.json, type: json}
- name: flaky
  type: rest
  retry: {attempts: 3, delay: 0.01}
  rest: {uri: '%(url)s/flaky/{{ __job_id__ }}'}
- name: list
  type: jq
  jq: {expression: '[range(0; 6)]'}
- name: each
  type: flow_loop
  flow_loop: {path: item%(tag)s.yml, data_key: list}
""" % {"tag": tag, "url": MOCK.url}


def logitem(tag):
    return """name: item%(tag)s
steps:
- name: get
  type: rest
  rest: {uri: '%(url)s/echo/item%(tag)s/{{ __input__ }}'}
""" % {"tag": tag, "url": MOCK.url}


FLOWS = {
    "slow.yml": """name: slow
steps:
- name: wait
  type: rest
  rest: {uri: '%s/sleep/%d'}
- name: after
  type: jq
  jq: {expression: '{n: 1}'}
""" % (MOCK.url, SLOW_MS),
    "echo.yml": E.ECHO_FLOW,
    "timeline.yml": TIMELINE,
    "item.yml": ITEM,
    "broken.yml": "name: broken\nsteps:\n- name: x\n  type: nosuchtype\n",
    "logA.yml": logflow("A"),
    "logB.yml": logflow("B"),
    "itemA.yml": logitem("A"),
    "itemB.yml": logitem("B"),
    "r_ok.yml": E.ECHO_FLOW.replace("name: echo", "name: r ok"),
    "r_fail.yml": "name: r fail\nsteps:\n- name: boom\n  type: jq\n  jq: {expression: 'error(\"no\")'}\n",
    "r_slow.yml": """name: r slow
steps:
- name: wait
  type: rest
  rest: {uri: '%s/sleep/2500'}
""" % MOCK.url,
}

srv = None
schemas = None


def setup():
    global srv, schemas
    srv = J.server(flows=FLOWS, name="jobs-api", env={"TIMEZONE": ZONE})
    srv.start()
    schemas = J.Schemas(srv)


def offset_ok(text):
    """The time is written with Europe/Brussels' offset at that instant."""
    t = J.iso(text)
    want = t.astimezone(zoneinfo.ZoneInfo(ZONE)).utcoffset()
    check(t.utcoffset() == want, "%s: offset %s, want %s (TIMEZONE=%s)" % (text, t.utcoffset(), want, ZONE))
    return t


# -- launch ----------------------------------------------------------------
def test_launch_answers_202_at_once_and_the_job_runs():
    t0 = time.time()
    r = J.launch(srv, "slow.yml", {"n": 1})
    took = time.time() - t0
    check(r.status == 202, r)
    body = r.json()
    check(list(body) == ["job_id"] and J.UUID.match(body["job_id"]), "202 body %r" % body)
    check(took < SLOW_MS / 1000.0 / 2, "the launch answered after %.2f s: it waited for the run" % took)
    jid = body["job_id"]
    # at once, the job exists and has not finished
    j = J.job(srv, jid)
    check(j["state"] in ("queued", "running") and j["status"] is None, "just launched: %r" % j)
    # while it runs: state running, the step in progress
    j = wait_for(lambda: (lambda j: j if j.get("current_step") else None)(J.job(srv, jid)),
                 10 * E.SLOW, what="current_step while the REST call runs")
    schemas.check(j, "JobDetail")
    check(j["state"] == "running" and j["status"] is None and j["ended"] is None, j)
    check(j["current_step"]["name"] == "wait" and j["current_step"]["outcome"] == "running"
          and j["current_step"]["type"] == "rest", j["current_step"])
    check(j["id"] == jid and j["job_id"] == jid and j["flow_path"] == "slow.yml" and j["source"] == "api"
          and j["input"] == {"n": 1} and j["meta"]["payload"] == {"n": 1} and j["result"] is None, j)
    check([s["outcome"] for s in j["timeline"]] == ["running"], j["timeline"])
    check(time.time() - t0 < SLOW_MS / 1000.0, "the run was still going when these were asked")
    # a second launch of the same flow is refused at once, with or without wait
    for q in ("", "?wait=5"):
        r2 = srv.post("/api/v1/jobs" + q, {"path": "slow.yml"})
        E.assert_json_error(r2, 409, None)
        check(r2.json() == {"error": "A job for flow 'slow.yml' is already running."}, r2)
        check(r2.elapsed < 2 * E.SLOW, "the 409 waited for the run (%.2f s)" % r2.elapsed)
    # a listing shows it live
    listed = [x for x in J.list_jobs(srv, "?flow=slow.yml")["jobs"] if x["id"] == jid]
    check(len(listed) == 1 and listed[0]["state"] == "running" and "timeline" not in listed[0], listed)
    # after: status, result, timeline
    j = J.wait_job(srv, jid, 20 * E.SLOW)
    schemas.check(j, "JobDetail")
    check(j["status"] == "success" and j["error"] is None and j["errors"] is None, j)
    check(j["result"]["wait"]["slept_ms"] == SLOW_MS and j["result"]["after"] == {"n": 1}
          and j["result"]["__job_id__"] == jid and j["result"]["__input__"] == {"n": 1}, j["result"])
    check([(s["name"], s["outcome"], s["attempt"]) for s in j["timeline"]]
          == [("wait", "ok", 1), ("after", "ok", 1)], j["timeline"])
    check(j["timeline"][0]["duration_us"] >= SLOW_MS * 1000 * 0.95, j["timeline"][0])
    check(j["timeline"][0]["output"]["slept_ms"] == SLOW_MS, j["timeline"][0])
    check(j["duration_seconds"] >= SLOW_MS / 1000.0 * 0.95, j)
    check(J.epoch(j["ended"]) >= J.epoch(j["started"]) >= J.epoch(j["created"]), j)
    check(j["start_time"] == j["started"] and j["end_time"] == j["ended"], j)
    check("current_step" not in j, "a finished job has no current step: %r" % j.get("current_step"))
    # the flow can run again at once
    r = J.launch(srv, "echo.yml", {"x": 4}, wait=10)
    check(r.status == 200 and r.json()["result"]["got"] == {"x": 4, "doubled": 8}, r)


def test_launch_with_wait():
    # ends in time: 200 with the finished job and its timeline
    t0 = time.time()
    r = J.launch(srv, "slow.yml", {"w": 1}, wait=60)
    check(r.status == 200, r)
    j = schemas.check(r.json(), "JobDetail")
    check(j["state"] == "finished" and j["status"] == "success" and j["job_id"] == j["id"], j)
    check(len(j["timeline"]) == 2 and j["result"]["after"] == {"n": 1}, j)
    check(time.time() - t0 >= SLOW_MS / 1000.0 * 0.95, "answered before the run ended")
    # does not end in time: 202 with the running job, after the wait
    t0 = time.time()
    r = J.launch(srv, "slow.yml", None, wait=1)
    took = time.time() - t0
    check(r.status == 202, r)
    j = r.json()
    check(J.UUID.match(j["job_id"]) and j["id"] == j["job_id"] and j["state"] == "running"
          and j["status"] is None, j)
    check(0.9 <= took < SLOW_MS / 1000.0, "wait=1 answered after %.2f s" % took)
    check(J.wait_job(srv, j["job_id"], 20 * E.SLOW)["status"] == "success", "the run went on")
    # wait=0: at once
    r = J.launch(srv, "echo.yml", {"x": 1}, wait=0)
    check(r.status in (200, 202) and r.elapsed < 2 * E.SLOW, r)
    # a run longer than its timeout_seconds
    r = J.launch(srv, "slow.yml", None, wait=30, timeout_seconds=1)
    check(r.status == 200, r)
    j = r.json()
    check(j["status"] == "timeout" and j["timeout_seconds"] == 1 and "timed out after 1 seconds" in j["error"],
          "timeout_seconds=1: %r" % {k: j[k] for k in ("status", "error", "timeout_seconds")})


def test_launch_error_shapes():
    before = J.list_jobs(srv)["total"]
    E.assert_json_error(srv.post("/api/v1/jobs", {}), 400)
    check(srv.post("/api/v1/jobs", {}).json() == {"error": "flow path is required"}, "C.8 message")
    check(srv.post("/api/v1/jobs", {"path": ""}).json() == {"error": "flow path is required"}, "empty path")
    check(srv.post("/api/v1/jobs", {"path": 3}).json() == {"error": "flow path is required"}, "path not text")
    r = srv.post("/api/v1/jobs", {"path": "missing.yml"})
    E.assert_json_error(r, 404)
    check(r.json() == {"error": "Flow file missing.yml not found."}, r)
    r = srv.post("/api/v1/jobs", {"path": "broken.yml"})
    msg = E.assert_json_error(r, 400)
    check(msg.startswith("Failed to parse flow file broken.yml: ") and "nosuchtype" in msg, msg)
    for q in ("abc", "-1", "3601", "nan", "1e400"):
        E.assert_json_error(srv.post("/api/v1/jobs?wait=" + q, {"path": "echo.yml"}), 400, "wait")
    for t in ("x", -1, 0, 1e12):
        E.assert_json_error(srv.post("/api/v1/jobs", {"path": "echo.yml", "timeout_seconds": t}), 400,
                            "timeout_seconds")
    E.assert_json_error(srv.post("/api/v1/jobs", raw="{not json", headers={"Content-Type": "application/json"}),
                        400)
    E.assert_json_error(srv.post("/api/v1/jobs", {"path": "../escape.yml"}), 400)
    # refused launches are no jobs
    check(J.list_jobs(srv)["total"] == before, "a refused launch was recorded")
    # unknown ids: 404 on every job route
    for jid in (str(uuid.uuid4()), "not-a-uuid"):
        r = srv.get("/api/v1/jobs/%s" % jid)
        E.assert_json_error(r, 404)
        check(r.json() == {"error": "Job not found"}, r)
        E.assert_json_error(srv.post("/api/v1/jobs/%s/cancel" % jid), 404)
        E.assert_json_error(srv.delete("/api/v1/jobs/%s" % jid), 404)
        E.assert_json_error(srv.get("/api/v1/jobs/%s/events" % jid), 404)


# -- the timeline -------------------------------------------------------------
def test_timeline_of_skipped_ignored_retried_failed_and_loop_steps():
    r = J.launch(srv, "timeline.yml", {"who": "me"}, wait=60)
    check(r.status == 200, r)
    j = schemas.check(r.json(), "JobDetail")
    jid = j["id"]
    check(j["status"] == "failed" and "boom 7" in j["error"], (j["status"], j["error"]))
    tl = j["timeline"]
    seqs = [s["seq"] for s in tl]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "seq order %r" % seqs)
    top = [s for s in tl if s["parent"] is None]
    check([(s["name"], s["outcome"], s["attempt"], s["index"]) for s in top] == [
        ("seed", "ok", 1, 0), ("never", "skipped", 1, 1), ("tolerated", "ignored", 1, 2),
        ("flaky", "retried", 1, 3), ("flaky", "retried", 2, 3), ("flaky", "ok", 3, 3),
        ("items", "ok", 1, 4), ("loop", "ok", 1, 5), ("boom", "failed", 1, 6)],
        "top-level rows %r" % [(s["name"], s["outcome"], s["attempt"]) for s in top])
    by = {}
    for s in top:
        by.setdefault(s["name"], []).append(s)
        check(isinstance(s["duration_us"], int) and s["duration_us"] >= 0, s)
        check(s["depth"] == 0 and s["item"] is None and s["flow"] == "timeline.yml", s)
        offset_ok(s["started"])
    seed = {"items": list(range(50)), "n": 7}
    check(by["seed"][0]["output"] == seed and by["seed"][0]["error"] is None, by["seed"])
    nv = by["never"][0]
    check(nv["input"] is None and nv["output"] is None and nv["error"] is None, nv)
    tol = by["tolerated"][0]
    check(tol["error"]["type"] == "io" and "No such file" in tol["error"]["message"] and tol["output"] is None,
          tol)
    f1, f2, f3 = by["flaky"]
    for n, f in ((1, f1), (2, f2)):
        check(f["error"]["type"] == "http" and f["error"]["status_code"] == 503
              and f["error"]["response_content"] == {"error": "busy %d" % n}, f)
    check(f3["error"] is None and f3["output"] == {"ok": True, "calls": 3}, f3)
    check(FLAKY.get(jid) == 3, "the server saw %r calls" % FLAKY.get(jid))
    # the waits between attempts: delay 0.05 s, then 0.1 s (backoff 2)
    end1 = J.epoch(f1["started"]) + f1["duration_us"] / 1e6
    end2 = J.epoch(f2["started"]) + f2["duration_us"] / 1e6
    check(J.epoch(f2["started"]) - end1 >= 0.045, "waited %.3f s before attempt 2" % (J.epoch(f2["started"]) - end1))
    check(J.epoch(f3["started"]) - end2 >= 0.095, "waited %.3f s before attempt 3" % (J.epoch(f3["started"]) - end2))
    it = by["items"][0]
    check(it["input"] == seed and it["output"] == list(range(50)), it)
    lp = by["loop"][0]
    check(lp["input"] == list(range(50)) and isinstance(lp["output"], list) and len(lp["output"]) == 50, "loop row")
    boom = by["boom"][0]
    check(boom["error"]["type"] == "jq" and "boom 7" in boom["error"]["message"] and boom["input"] == seed
          and boom["output"] is None, boom)
    # loop items: the first 20 items recorded under the loop step, the rest counted
    items = [s for s in tl if s["parent"] is not None]
    check(all(s["parent"] == lp["seq"] for s in items), "items under the loop step")
    check(sorted(s["item"] for s in items) == list(range(1, 21)),
          "recorded items %r" % sorted(s["item"] for s in items))
    for s in items:
        check(s["depth"] == 1 and s["name"] == "double" and s["flow"] == "item.yml" and s["outcome"] == "ok"
              and s["input"] == s["item"] - 1 and s["output"] == 2 * (s["item"] - 1) and s["index"] == 0, s)
    check(j["steps_dropped"] == 30, "steps_dropped %r (50 items, 20 kept)" % j["steps_dropped"])
    # the flow data
    errs = j["result"]["__errors__"]
    check([e["step"] for e in errs] == ["tolerated", "boom"] and "ignored" in errs[0], errs)
    check("unreached" not in j["result"] and len(j["result"]["loop"]) == 50, "run stopped at boom")
    # the same job from the listing: no timeline there, the same status
    listed = [x for x in J.list_jobs(srv, "?flow=timeline.yml")["jobs"] if x["id"] == jid]
    check(len(listed) == 1 and listed[0]["status"] == "failed" and listed[0]["steps_dropped"] == 30
          and "timeline" not in listed[0], listed)
    schemas.check(listed[0], "Job")


# -- job ids in log lines --------------------------------------------------------
def test_every_log_line_of_a_run_carries_its_job_id():
    # two runs at the same time, each with loop items on pool threads
    ra = J.launch(srv, "logA.yml")
    rb = J.launch(srv, "logB.yml")
    check(ra.status == 202 and rb.status == 202, (ra, rb))
    ja, jb = ra.json()["job_id"], rb.json()["job_id"]
    for jid in (ja, jb):
        check(J.wait_job(srv, jid, 20 * E.SLOW)["status"] == "success", "run %s" % jid)
    # the lines reach the log: the end line of both jobs
    wait_for(lambda: all("Job %s (log%s.yml, api) finished" % (i, t) in srv.log()
                         for i, t in ((ja, "A"), (jb, "B"))), 5 * E.SLOW, what="end lines")
    r = srv.get("/api/v1/logs?lines=5000")
    check(r.status == 200, r)
    api_lines = r.json()["logs"]
    for source, lines in (("log file", srv.log().splitlines()), ("GET /api/v1/logs", api_lines)):
        parsed = J.log_lines(lines)
        for jid, tag, other in ((ja, "A", jb), (jb, "B", ja)):
            short = "[job %s]" % jid[:8]
            # the run's lines: its flows' (the top one and the loop items'),
            # and the job's own (launched, finished); not the access log's
            mine = [m for _, m in parsed if not ACCESS.match(m) and (
                "[log%s]" % tag in m or "[item%s]" % tag in m or jid in m)]
            # enough lines to mean something: start, 6 item calls, the
            # error and its ignore, the retry, the end lines
            check(len(mine) >= 14, "%s: only %d lines of job %s:\n%s" % (source, len(mine), tag, "\n".join(mine)))
            for m in mine:
                check(m.startswith(short), "%s: a line of job %s lacks %s: %r" % (source, tag, short, m))
                check("[job %s]" % other[:8] not in m, "%s: a line carries the other job's id: %r" % (source, m))
            calls = [m for m in mine if "/echo/item%s/" % tag in m]
            check(len(calls) == 6, "%s: %d item calls of job %s" % (source, len(calls), tag))
            check(any("retrying" in m for m in mine) and any("Ignoring error" in m for m in mine),
                  "%s: the retry and ignore lines of job %s" % (source, tag))
    # the API serves the lines the file has
    file_lines = set(srv.log().splitlines())
    run_lines = [l.rstrip("\n") for l in api_lines if ja[:8] in l or jb[:8] in l]
    missing = [l for l in run_lines if l not in file_lines]
    check(run_lines and not missing, "GET /api/v1/logs lines not in the file: %r" % missing[:3])


# -- SSE -------------------------------------------------------------------------
def test_events_stream_of_a_running_and_a_finished_job():
    t_launch = time.time()
    jid = J.launch_id(srv, "slow.yml")
    seen = []  # (event, data, absolute arrival time)
    t_sub = time.time()
    status, headers, events, took = J.sse(srv, "/api/v1/jobs/%s/events" % jid,
                                          on_event=lambda e, d, t: seen.append((e, d, time.time())))
    t_closed = time.time()
    check(status == 200 and headers.get("content-type") == "text/event-stream", (status, headers))
    names = [e for e, _ in events]
    check(names[0] == "job" and names[-1] == "end" and names.count("end") == 1, names)
    check(set(names) <= {"job", "state", "step", "end"}, names)
    check(events[0][1]["id"] == jid and events[0][1]["state"] in ("queued", "running"), events[0])
    steps = [d for e, d in events if e == "step"]
    for d in steps:
        schemas.check(d, "TimelineStep")
    got = [(d["name"], d["outcome"]) for d in steps]
    want = [("wait", "running"), ("wait", "ok"), ("after", "running"), ("after", "ok")]
    # subscribed after the first step started: its start is in the job event
    check(got == want or (got == want[1:] and events[0][1]["current_step"]["name"] == "wait"),
          "step events %r" % got)
    end = events[-1][1]
    schemas.check(end, "Job")
    check(end["status"] == "success" and end["state"] == "finished" and end["id"] == jid, end)
    # live: the first event at once, the step's end when it ended
    check(seen[0][2] - t_sub < 1.0 * E.SLOW, "the first event came %.2f s after subscribing" % (seen[0][2] - t_sub))
    t_wait_ok = [t for e, d, t in seen if e == "step" and d["name"] == "wait" and d["outcome"] == "ok"][0]
    check(t_wait_ok - t_launch >= SLOW_MS / 1000.0 * 0.95,
          "the step end came %.2f s after the launch, before the step could end" % (t_wait_ok - t_launch))
    # the stream ends with its end event: a client reading to the end is not held
    check(t_closed - seen[-1][2] < 1.0 * E.SLOW,
          "the stream stayed open %.2f s after its end event" % (t_closed - seen[-1][2]))
    # a finished job: its end at once, and the stream closes
    status, headers, events, took = J.sse(srv, "/api/v1/jobs/%s/events" % jid)
    names = [e for e, _ in events]
    check(status == 200 and names and names[-1] == "end" and names.count("end") == 1
          and set(names) <= {"job", "end"}, "finished job events %r" % names)
    check(events[-1][1]["status"] == "success" and events[-1][1]["id"] == jid, events[-1])
    check(took < 1.0 * E.SLOW, "a finished job's stream took %.2f s" % took)


# -- listing and deleting ------------------------------------------------------
def q(**kw):
    return "?" + urllib.parse.urlencode(kw)


def test_list_filters_limits_and_times_in_timezone():
    ok = [J.launch(srv, "r_ok.yml", {"x": i}, wait=30).json() for i in range(3)]
    bad = [J.launch(srv, "r_fail.yml", None, wait=30).json() for _ in range(2)]
    check(all(j["status"] == "success" for j in ok) and all(j["status"] == "failed" for j in bad),
          "setup runs")
    # limit, offset, total, newest first
    v = J.list_jobs(srv, q(flow="r_ok.yml", limit=2))
    check(v["total"] == 3 and v["limit"] == 2 and v["offset"] == 0, v)
    check([x["id"] for x in v["jobs"]] == [ok[2]["id"], ok[1]["id"]], "newest first")
    v = J.list_jobs(srv, q(flow="r_ok.yml", limit=2, offset=2))
    check([x["id"] for x in v["jobs"]] == [ok[0]["id"]] and v["offset"] == 2 and v["total"] == 3, v)
    v = J.list_jobs(srv, q(flow="r_ok.yml"))
    check(v["limit"] == 50 and len(v["jobs"]) == 3, "default limit 50: %r" % v["limit"])
    v = J.list_jobs(srv, q(limit=5000))
    check(v["limit"] == 1000, "limit capped at 1000: %r" % v["limit"])
    for bad_q in (q(limit=-1), q(limit="x"), q(offset=-1), q(offset="1.5")):
        E.assert_json_error(srv.get("/api/v1/jobs" + bad_q), 400)
    for x in J.list_jobs(srv, q(limit=1000))["jobs"]:
        schemas.check(x, "Job")
    # state / status / source, with the original's names
    v = J.list_jobs(srv, q(flow="r_fail.yml", status="error"))
    check(v["total"] == 2 and all(x["status"] == "failed" for x in v["jobs"]), "status=error is failed")
    check(J.list_jobs(srv, q(flow="r_fail.yml", status="failed"))["total"] == 2, "status=failed")
    check(J.list_jobs(srv, q(flow="r_ok.yml", status="failed"))["total"] == 0, "status and flow ANDed")
    check(J.list_jobs(srv, q(flow="r_ok.yml", state="finished", source="api"))["total"] == 3, "state+source")
    check(J.list_jobs(srv, q(flow="r_ok.yml", source="cli"))["total"] == 0, "source=cli")
    for name in ("pending", "queued", "stopping", "running"):
        check(J.list_jobs(srv, q(flow="r_ok.yml", state=name))["total"] == 0, "state=%s" % name)
    running = J.launch_id(srv, "r_slow.yml")
    J.wait_job(srv, running, 10 * E.SLOW, state="running")
    for name in ("running", "stopping"):
        v = J.list_jobs(srv, q(state=name))
        check(running in [x["id"] for x in v["jobs"]] and all(x["state"] == "running" for x in v["jobs"]),
              "state=%s lists the running job" % name)
    for k, val in (("state", "bogus"), ("status", "bogus"), ("status", "unknown"), ("source", "bogus"),
                   ("state", "FINISHED")):
        msg = E.assert_json_error(srv.get("/api/v1/jobs" + q(**{k: val})), 400)
        check(k in msg, "the 400 names %s: %r" % (k, msg))
    # times: ISO 8601 in TIMEZONE, with its offset
    for j in ok + bad:
        for k in ("created", "started", "ended", "start_time", "end_time"):
            offset_ok(j[k])
        for s in j["timeline"]:
            offset_ok(s["started"])
    # time filters, inclusive, as epoch seconds and as ISO 8601 (with
    # offset, in UTC, and without offset: TIMEZONE assumed)
    for j in ok:
        st = J.iso(j["start_time"])
        en = J.iso(j["end_time"])
        forms = {"iso": lambda t: t.isoformat(), "utc": lambda t: t.astimezone(datetime.timezone.utc).isoformat(),
                 "naive": lambda t: t.replace(tzinfo=None).isoformat(), "epoch": lambda t: repr(t.timestamp())}
        for fname, form in forms.items():
            for key, t in (("start_time_from", st), ("start_time_to", st), ("end_time_from", en),
                           ("end_time_to", en)):
                ids = [x["id"] for x in J.list_jobs(srv, q(flow="r_ok.yml", **{key: form(t)}))["jobs"]]
                check(j["id"] in ids, "%s=%s (%s) excludes the job whose time it is (%s)"
                      % (key, form(t), fname, j[key.rsplit("_", 1)[0]]))
    # from job 2's start: jobs 2 and 3; up to job 2's end: jobs 1 and 2
    ids = [x["id"] for x in J.list_jobs(srv, q(flow="r_ok.yml", start_time_from=ok[1]["start_time"]))["jobs"]]
    check(set(ids) == {ok[1]["id"], ok[2]["id"]}, "start_time_from")
    ids = [x["id"] for x in J.list_jobs(srv, q(flow="r_ok.yml", end_time_to=ok[1]["end_time"]))["jobs"]]
    check(set(ids) == {ok[0]["id"], ok[1]["id"]}, "end_time_to")
    ids = [x["id"] for x in J.list_jobs(srv, q(flow="r_ok.yml", start_time_from=ok[1]["start_time"],
                                               end_time_to=ok[1]["end_time"]))["jobs"]]
    check(ids == [ok[1]["id"]], "both: %r" % ids)
    # "0" and "" are no filter; garbage is a 400
    check(J.list_jobs(srv, q(flow="r_ok.yml", start_time_from="0", end_time_to=""))["total"] == 3, "0 and ''")
    for bad_t in ("yesterday", "2026-13-01", "12:00", "2026-01-01T25:00"):
        E.assert_json_error(srv.get("/api/v1/jobs" + q(start_time_from=bad_t)), 400, "start_time_from")
    # the running job is finished before the next test deletes
    J.wait_job(srv, running, 20 * E.SLOW)


def test_delete_never_deletes_unfinished_jobs():
    running = J.launch_id(srv, "r_slow.yml")
    J.wait_job(srv, running, 10 * E.SLOW, state="running")
    fails = [x["id"] for x in J.list_jobs(srv, q(flow="r_fail.yml"))["jobs"]]
    check(len(fails) == 2, fails)
    # a running job: 409 on its own, never matched by filters
    E.assert_json_error(srv.delete("/api/v1/jobs/%s" % running), 409, "cancel it first")
    r = srv.delete("/api/v1/jobs" + q(state="running"))
    check(r.status == 200 and r.json() == {"deleted": 0, "older_than_days": None, "status": None,
                                           "state": "running"}, r)
    r = srv.delete("/api/v1/jobs" + q(state="stopping"))
    check(r.status == 200 and r.json()["deleted"] == 0 and r.json()["state"] == "running", r)
    # filters: status (original name) and flow
    r = srv.delete("/api/v1/jobs" + q(status="error", flow="r_fail.yml"))
    check(r.status == 200 and r.json() == {"deleted": 2, "older_than_days": None, "status": "failed",
                                           "state": None}, r)
    check(J.list_jobs(srv, q(flow="r_fail.yml"))["total"] == 0, "failed jobs deleted")
    for jid in fails:
        E.assert_json_error(srv.get("/api/v1/jobs/%s" % jid), 404)
    # older_than_days: only jobs that ended before now - days
    r = srv.delete("/api/v1/jobs" + q(older_than_days=1))
    check(r.status == 200 and r.json()["deleted"] == 0 and r.json()["older_than_days"] == 1, r)
    for bad_q in (q(older_than_days="x"), q(older_than_days=-1), q(status="bogus"), q(state="nope")):
        E.assert_json_error(srv.delete("/api/v1/jobs" + bad_q), 400)
    # no filter: every finished job goes, the running one stays
    finished = J.list_jobs(srv, q(state="finished"))["total"]
    some_ok = J.list_jobs(srv, q(flow="r_ok.yml"))["jobs"][0]["id"]
    check(finished > 0, "finished jobs to delete")
    r = srv.delete("/api/v1/jobs")
    check(r.status == 200 and r.json() == {"deleted": finished, "older_than_days": None, "status": None,
                                           "state": None}, r)
    v = J.list_jobs(srv)
    check([x["id"] for x in v["jobs"]] == [running] and v["total"] == 1, "left: %r" % v["jobs"])
    E.assert_json_error(srv.get("/api/v1/jobs/%s" % some_ok), 404)
    check(J.job(srv, running)["state"] == "running", "the running job is intact")
    # it records its end normally, then can be deleted by id, once
    j = J.wait_job(srv, running, 20 * E.SLOW)
    check(j["status"] == "success" and j["timeline"][0]["outcome"] == "ok", j)
    check(J.list_jobs(srv, q(flow="r_slow.yml"))["jobs"][0]["status"] == "success", "its end was recorded")
    r = srv.delete("/api/v1/jobs/%s" % running)
    check(r.status == 200 and r.json() == {"deleted": 1, "job_id": running}, r)
    E.assert_json_error(srv.get("/api/v1/jobs/%s" % running), 404)
    E.assert_json_error(srv.delete("/api/v1/jobs/%s" % running), 404)
    E.assert_json_error(srv.get("/api/v1/jobs/%s/events" % running), 404)


def test_zz_stop():
    srv.stop()


# -- cancel (one worker, short kill grace) -------------------------------------------
CANCEL_FLOWS = {
    "slow.yml": FLOWS["slow.yml"],
    "echo.yml": E.ECHO_FLOW,
    "hang.yml": """name: hang
steps:
- name: call
  type: rest
  rest: {uri: '%s/never'}
- name: after
  type: jq
  jq: {expression: '2'}
""" % SILENT.url,
    "waits.yml": """name: waits
steps:
- name: call
  type: rest
  retry: {attempts: 5, delay: 60, max_delay: 60}
  rest: {uri: '%s/flaky/always/{{ __job_id__ }}'}
""" % MOCK.url,
    "forever.yml": """name: forever
steps:
- name: spin
  type: jq
  jq: {expression: 'def f: f; f'}
- name: after
  type: jq
  jq: {expression: '2'}
""",
}


def test_cancel():
    s = J.server(flows=CANCEL_FLOWS, name="jobs-cancel",
                 env={"FLOW_MAX_WORKERS": "1", "KILL_GRACE_SECONDS": "1"})
    try:
        s.start()
        sch = J.Schemas(s)
        cancel_queued(s, sch)
        cancel_rest_call(s)
        cancel_retry_wait(s)
        cancel_stuck_jq(s)
        s.stop()
    finally:
        s.cleanup()


def cancel_queued(s, sch):
    blocker = J.launch_id(s, "slow.yml")
    J.wait_job(s, blocker, 10 * E.SLOW, state="running")
    queued = J.launch_id(s, "echo.yml", {"x": 1})
    j = J.job(s, queued)
    check(j["state"] == "queued" and j["started"] is None and j["timeline"] == [], "behind the only worker: %r" % j)
    check(s.get("/api/health").json()["queued"] == 1, "health counts the queued job")
    r = s.post("/api/v1/jobs/%s/cancel" % queued)
    check(r.status == 202, r)
    check(r.json()["job_id"] == queued, r)
    j = J.wait_job(s, queued, 5 * E.SLOW)
    sch.check(j, "JobDetail")
    check(j["status"] == "cancelled" and j["error"] == "the job was cancelled before it started"
          and j["started"] is None and j["timeline"] == [] and j["result"] is None, j)
    E.assert_json_error(s.post("/api/v1/jobs/%s/cancel" % queued), 409, "already finished")
    # it never starts, also once the worker is free
    J.wait_job(s, blocker, 20 * E.SLOW)
    time.sleep(0.5)
    check("[job %s] [echo] Flow echo.yml started" % queued[:8] not in s.log(), "the cancelled job ran")
    check(J.job(s, queued)["status"] == "cancelled", "still cancelled")
    # a queued job's events: job (queued), state (running), steps, end
    blocker = J.launch_id(s, "slow.yml")
    J.wait_job(s, blocker, 10 * E.SLOW, state="running")
    watched = J.launch_id(s, "echo.yml", {"x": 3})
    bg = E.Background(lambda: J.sse(s, "/api/v1/jobs/%s/events" % watched))
    bg.start()
    status, _, events, _ = bg.get()
    names = [e for e, _ in events]
    check(status == 200 and names[0] == "job" and events[0][1]["state"] == "queued", names)
    check("state" in names and names.index("state") < names.index("step"), names)
    check([d["state"] for e, d in events if e == "state"] == ["running"], events)
    check(names[-1] == "end" and events[-1][1]["status"] == "success", names)
    J.wait_job(s, blocker, 20 * E.SLOW)


def cancel_rest_call(s):
    killed = s.get("/api/health").json()["workers"]["killed"]
    n = SILENT.count()
    jid = J.launch_id(s, "hang.yml")
    wait_for(lambda: SILENT.count() > n and SILENT.received(n), 10 * E.SLOW, what="the REST call to arrive")
    # the step's start event may reach the service after the request
    # reached the server (it travels from the worker): wait for it
    j = wait_for(lambda: (lambda j: j if (j.get("current_step") or {}).get("name") == "call" else None)(
        J.job(s, jid)), 5 * E.SLOW, what="the job to show its REST step running")
    check(j["state"] == "running", j)
    time.sleep(0.3)
    t0 = time.time()
    r = s.post("/api/v1/jobs/%s/cancel" % jid)
    check(r.status == 202 and r.json()["job_id"] == jid, r)
    j = J.wait_job(s, jid, 10 * E.SLOW)
    took = time.time() - t0
    check(j["status"] == "cancelled" and j["error"] == "the run was cancelled", j)
    check(took < 1.0 + 1.0 * E.SLOW, "cancelled after %.2f s" % took)
    hung = wait_for(lambda: SILENT.hung_up(n), 5 * E.SLOW, what="the REST connection to be closed")
    check(hung - t0 < 1.0 + 1.0 * E.SLOW, "the call was aborted %.2f s after the cancel" % (hung - t0))
    check([(x["name"], x["outcome"]) for x in j["timeline"]] == [("call", "failed")], j["timeline"])
    check(j["timeline"][0]["error"]["type"] == "cancelled", j["timeline"][0])
    check("after" not in j["result"], "the next step did not run: %r" % j["result"])
    check(s.get("/api/health").json()["workers"]["killed"] == killed, "no worker was killed for it")


def cancel_retry_wait(s):
    jid = J.launch_id(s, "waits.yml")
    j = wait_for(lambda: (lambda j: j if j["timeline"] and j["timeline"][0]["outcome"] == "retried" else None)(
        J.job(s, jid)), 10 * E.SLOW, what="the first attempt to fail")
    check(j["state"] == "running", j)
    t0 = time.time()
    check(s.post("/api/v1/jobs/%s/cancel" % jid).status == 202, "cancel")
    j = J.wait_job(s, jid, 10 * E.SLOW)
    check(time.time() - t0 < 1.0 + 1.0 * E.SLOW, "the 60 s retry wait was not interrupted (%.2f s)"
          % (time.time() - t0))
    check(j["status"] == "cancelled" and j["error"] == "the run was cancelled", j)
    check(FLAKY.get(jid) == 1, "%r calls: the step was attempted again" % FLAKY.get(jid))
    # one attempt in the timeline, no second one, and it keeps its own
    # error (the 503), not the cancel that came while waiting to retry
    check([(x["name"], x["attempt"]) for x in j["timeline"]] == [("call", 1)]
          and j["timeline"][0]["outcome"] == "retried",
          "timeline %r" % [(x["outcome"], x["attempt"]) for x in j["timeline"]])
    check(j["timeline"][0]["error"]["type"] != "cancelled", j["timeline"][0])


def cancel_stuck_jq(s):
    killed = s.get("/api/health").json()["workers"]["killed"]
    jid = J.launch_id(s, "forever.yml")
    wait_for(lambda: (J.job(s, jid).get("current_step") or {}).get("name") == "spin", 10 * E.SLOW,
             what="the jq step to start")
    time.sleep(0.3)
    t0 = time.time()
    check(s.post("/api/v1/jobs/%s/cancel" % jid).status == 202, "cancel")
    j = J.wait_job(s, jid, 15 * E.SLOW)
    took = time.time() - t0
    check(1.0 <= took < 1.0 + 1.5 * E.SLOW, "KILL_GRACE_SECONDS=1: finished %.2f s after the cancel" % took)
    check(j["status"] == "cancelled", j)
    check("did not stop in step 'spin' (jq)" in j["error"] and "worker was killed" in j["error"]
          and "KILL_GRACE_SECONDS=1" in j["error"], j["error"])
    check([(x["name"], x["outcome"]) for x in j["timeline"]] == [("spin", "aborted")], j["timeline"])
    check(s.get("/api/health").json()["workers"]["killed"] == killed + 1, "the worker was killed")
    # the service goes on with a new worker
    r = J.launch(s, "echo.yml", {"x": 5}, wait=30 * E.SLOW)
    check(r.status == 200 and r.json()["status"] == "success", r)
    # cancel of a finished job: 409
    msg = E.assert_json_error(s.post("/api/v1/jobs/%s/cancel" % jid), 409)
    check(msg == "Job %s has already finished" % jid, msg)


if __name__ == "__main__":
    try:
        setup()
        E.run_tests(globals())
    finally:
        if srv is not None:
            srv.cleanup()
        MOCK.stop()
        SILENT.close()
