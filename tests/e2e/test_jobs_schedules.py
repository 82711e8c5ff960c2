#!/usr/bin/env python3
"""Schedules through /api/v1/schedules, end to end (issue 8): a schedule
added through the API is stored and comes back after a restart (same id,
its history, it fires again), the overlap policies (skip: a fire while
the flow runs is dropped, last_status "skipped" when another run holds
the lock; queue: one run waits and goes right after), the missed-run
policies at start (last: one run at start after a fire time passed while
the service was down; none: no run at start), pause and resume, and the
route's error shapes (original-behaviour.md C.7, C.8).

Scheduled runs are jobs (source "schedule", schedule_id): they are read
back from GET /api/v1/jobs. Slow flows wait on a recording HTTP server on
127.0.0.1 (mockserv.py).
"""
import os
import sys
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
MOCK = M.MockServer(name="sched-mock").start()

QUICK = "name: %s\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '{ok: true}'}\n"


def sleeper(name, ms=None):
    """A flow that waits ms (or __input__.ms, 0 when absent) on the mock."""
    wait = str(ms) if ms is not None else "{{ __input__.ms | default(0) }}"
    return """name: %s
steps:
- name: wait
  type: rest
  rest: {uri: '%s/sleep/%s/%s'}
""" % (name, MOCK.url, wait, name)


FLOWS = {
    "tick.yml": QUICK % "tick",
    "cfg.yml": QUICK % "cfg",
    "paused.yml": QUICK % "paused",
    "skiplock.yml": sleeper("skiplock"),
    "queuelock.yml": sleeper("queuelock"),
    "ownskip.yml": sleeper("ownskip", 2500),
    "ownqueue.yml": sleeper("ownqueue", 2500),
    "m_last.yml": QUICK % "m_last",
    "m_none.yml": QUICK % "m_none",
}
CONFIG = "autostart_flows:\n  - {path: cfg.yml, every_seconds: 3600}\n"


def jobs_of(s, flow, source="schedule"):
    """The flow's jobs, oldest first."""
    v = J.list_jobs(s, "?" + urllib.parse.urlencode({"flow": flow, "source": source, "limit": 1000}))
    return list(reversed(v["jobs"]))


def add(s, **body):
    r = s.post("/api/v1/schedules", body)
    check(r.status == 201, "add %r: %r" % (body, r))
    return r.json()["schedule_id"]


def sched(s, sid):
    r = s.get("/api/v1/schedules/%s" % sid)
    check(r.status == 200, r)
    return r.json()


def offset_ok(text):
    t = J.iso(text)
    check(t.utcoffset() == t.astimezone(zoneinfo.ZoneInfo(ZONE)).utcoffset(), "%s not in %s" % (text, ZONE))
    return t


def server(name):
    return J.server(flows=FLOWS, config=CONFIG, name=name, env={"TIMEZONE": ZONE})


# -- stored schedules ----------------------------------------------------------
def test_api_schedule_survives_a_restart():
    s = server("sched-restart")
    try:
        s.start()
        sch = J.Schemas(s)
        r = s.post("/api/v1/schedules", {"path": "tick.yml", "every_seconds": 1, "timeout_seconds": 20})
        check(r.status == 201, r)
        body = r.json()
        sid = body["schedule_id"]
        check(J.UUID.match(sid) and body["status"] == "Schedule for 'tick.yml' added successfully", body)
        sch.check(body["schedule"], "Schedule")
        check(body["schedule"]["source"] == "api" and body["schedule"]["every_seconds"] == 1
              and body["schedule"]["overlap"] == "skip" and body["schedule"]["missed"] == "none", body)
        # finished ones: the next fire (every second) may be running at any time
        jobs = wait_for(lambda: (lambda j: j if len(j) >= 2 else None)(
            [x for x in jobs_of(s, "tick.yml") if x["state"] == "finished"]), 10 * E.SLOW,
            what="two scheduled runs finished")
        for j in jobs:
            check(j["source"] == "schedule" and j["schedule_id"] == sid and j["meta"]["schedule_id"] == sid
                  and j["status"] == "success" and j["timeout_seconds"] == 20, j)
        e = sched(s, sid)
        check(e["last_status"] == "success" and e["last_job_id"] in [j["id"] for j in jobs_of(s, "tick.yml")], e)
        offset_ok(e["next_run"])
        offset_ok(e["last_run"])
        listed = s.get("/api/v1/schedules").json()["schedules"]
        check([x["path"] for x in listed] == ["cfg.yml", "tick.yml"], "config and API schedules: %r" % listed)
        for x in listed:
            sch.check(x, "Schedule")
        check([x["source"] for x in listed] == ["config", "api"], listed)
        s.stop()
        t_restart = time.time()
        s.start()
        listed = s.get("/api/v1/schedules").json()["schedules"]
        by_path = {x["path"]: x for x in listed}
        check(sorted(by_path) == ["cfg.yml", "tick.yml"] and len(listed) == 2,
              "after the restart: %r (the config one is not stored twice)" % listed)
        back = by_path["tick.yml"]
        check(back["id"] == sid and back["source"] == "api" and back["every_seconds"] == 1
              and back["timeout_seconds"] == 20, back)
        check(back["last_job_id"] is not None and back["last_status"] == "success", "history kept: %r" % back)
        # it fires again, as the same schedule
        n_before = len([j for j in jobs_of(s, "tick.yml") if J.epoch(j["created"]) < t_restart])
        fresh = wait_for(lambda: [j for j in jobs_of(s, "tick.yml") if J.epoch(j["created"]) > t_restart],
                         10 * E.SLOW, what="a run after the restart")
        check(fresh[0]["schedule_id"] == sid and n_before >= 2, fresh[0])
        # removed: gone for good, also after a restart
        r = s.delete("/api/v1/schedules/%s" % sid)
        check(r.status == 200 and r.json() == {"status": "Removed flow with ID: %s" % sid}, r)
        s.stop()
        s.start()
        check([x["path"] for x in s.get("/api/v1/schedules").json()["schedules"]] == ["cfg.yml"],
              "a removed schedule came back")
        n = len(jobs_of(s, "tick.yml"))
        time.sleep(2)
        check(len(jobs_of(s, "tick.yml")) == n, "a removed schedule still runs")
        s.stop()
    finally:
        s.cleanup()


# -- overlap -----------------------------------------------------------------------
def test_overlap_when_another_run_holds_the_lock():
    s = server("sched-overlap")
    try:
        s.start()
        # both flows run from the API for 9 s; their schedules fire at 6 s
        # (and, for skip, next at 12 s: well after the lock is free)
        api = {f: J.launch_id(s, f, {"ms": 9000}) for f in ("skiplock.yml", "queuelock.yml")}
        for jid in api.values():
            J.wait_job(s, jid, 10 * E.SLOW, state="running")
        sk = add(s, path="skiplock.yml", every_seconds=6, overlap="skip")
        qu = add(s, path="queuelock.yml", every_seconds=6, overlap="queue")
        # skip: the fire is dropped, last_status says why
        e = wait_for(lambda: (lambda e: e if e["last_status"] == "skipped" else None)(sched(s, sk)), 10 * E.SLOW,
                     what="the skip schedule's fire")
        check(not e["running"] and not e["queued"] and e["last_job_id"] is None, e)
        s.log_has("Flow skiplock.yml is already running. Skipping.")
        # queue: one run waits
        e = wait_for(lambda: (lambda e: e if e["queued"] else None)(sched(s, qu)), 10 * E.SLOW,
                     what="the queue schedule's run to wait")
        check(e["last_status"] is None, e)
        s.log_has("Flow queuelock.yml is already running: the scheduled run waits (overlap: queue)")
        check(jobs_of(s, "skiplock.yml") == [] and jobs_of(s, "queuelock.yml") == [],
              "no scheduled job while the API runs hold the locks")
        ended = {f: J.epoch(J.wait_job(s, jid, 20 * E.SLOW)["ended"]) for f, jid in api.items()}
        # queue: exactly one run, right after the API run
        q = wait_for(lambda: jobs_of(s, "queuelock.yml"), 10 * E.SLOW, what="the queued run")
        lag = J.epoch(q[0]["created"]) - ended["queuelock.yml"]
        check(0 <= lag < 1.5 + 0.5 * E.SLOW, "the queued run started %.2f s after the lock was free" % lag)
        J.wait_job(s, q[0]["id"], 10 * E.SLOW)
        q_end = J.epoch(J.job(s, q[0]["id"])["ended"])
        while time.time() < q_end + 5.0:  # every_seconds=6 counts from that run's end
            time.sleep(0.2)
        q = jobs_of(s, "queuelock.yml")
        check(len(q) == 1, "%d scheduled runs after the API run, want exactly one: %r"
              % (len(q), [j["created"] for j in q]))
        check(sched(s, qu)["last_status"] == "success" and not sched(s, qu)["queued"], sched(s, qu))
        # skip: the next run at the next fire time, not when the lock was freed
        k = wait_for(lambda: jobs_of(s, "skiplock.yml"), 10 * E.SLOW, what="the skip schedule's next run")
        lag = J.epoch(k[0]["created"]) - ended["skiplock.yml"]
        check(lag >= 1.5, "the skip schedule ran %.2f s after the lock was freed: the skipped fire ran" % lag)
        s.stop()
    finally:
        s.cleanup()


def test_overlap_with_its_own_run():
    """cron every second, a 2.5 s flow: skip drops the fires during a run
    (the next run starts on a whole second after the end); queue keeps one
    and starts it right after the run ends. Runs never overlap."""
    s = server("sched-own")
    try:
        s.start()
        sk = add(s, path="ownskip.yml", cron="* * * * * *", overlap="skip")
        qu = add(s, path="ownqueue.yml", cron="* * * * * *", overlap="queue")
        wait_for(lambda: len(jobs_of(s, "ownskip.yml")) >= 3 and len(jobs_of(s, "ownqueue.yml")) >= 3,
                 30 * E.SLOW, what="three runs of each")
        for sid in (sk, qu):
            check(s.post("/api/v1/schedules/%s/pause" % sid).status == 200, "pause")
        for f in ("ownskip.yml", "ownqueue.yml"):
            for j in jobs_of(s, f):
                J.wait_job(s, j["id"], 10 * E.SLOW)
        for f in ("ownskip.yml", "ownqueue.yml"):
            runs = [J.job(s, j["id"]) for j in jobs_of(s, f)]
            check(all(r["status"] == "success" for r in runs), [r["status"] for r in runs])
            for a, b in zip(runs, runs[1:]):
                gap = J.epoch(b["started"]) - J.epoch(a["ended"])
                check(gap >= 0, "%s: runs overlapped by %.2f s" % (f, -gap))
                if f == "ownqueue.yml":
                    check(gap < 0.3 * E.SLOW, "%s: the waiting run started %.2f s after the previous one" % (f, gap))
                else:
                    start = J.epoch(b["created"])
                    check(start - int(start) < 0.3 * E.SLOW and gap <= 1.0 + 0.3 * E.SLOW,
                          "%s: a run at %.3f, %.2f s after the previous one: not the next cron second"
                          % (f, start, gap))
        s.stop()
    finally:
        s.cleanup()


# -- missed runs ----------------------------------------------------------------------
def test_missed_run_policies_at_start():
    s = server("sched-missed")
    try:
        s.start()
        last = add(s, path="m_last.yml", every_seconds=3, missed="last")
        none = add(s, path="m_none.yml", every_seconds=3, missed="none")
        check(sched(s, last)["missed"] == "last" and sched(s, none)["missed"] == "none", "stored policies")
        s.stop()
        time.sleep(7)  # two fire times pass while the service is down
        t_init = time.time()
        s.start()
        # last: one run at start
        ran = wait_for(lambda: jobs_of(s, "m_last.yml"), 5 * E.SLOW, what="the missed run at start")
        first = J.epoch(ran[0]["created"])
        check(first - t_init < 2.5 * E.SLOW, "the missed run came %.2f s after the start" % (first - t_init))
        check(ran[0]["schedule_id"] == last and ran[0]["source"] == "schedule", ran[0])
        check(("Schedule %s (m_last.yml) missed a run while the service was down: running it now (missed: last)"
               % last) in s.log(), "logged")
        # none: nothing at start, the first run one period after it
        n = wait_for(lambda: jobs_of(s, "m_none.yml"), 10 * E.SLOW, what="the none schedule's first run")
        check(J.epoch(n[0]["created"]) - t_init >= 2.9, "m_none ran %.2f s after the start: a run at start"
              % (J.epoch(n[0]["created"]) - t_init))
        # one run for all the missed fire times, the next one period later
        J.wait_job(s, ran[0]["id"], 5 * E.SLOW)
        end = J.epoch(J.job(s, ran[0]["id"])["ended"])
        later = [j for j in jobs_of(s, "m_last.yml") if J.epoch(j["created"]) < end + 2.9]
        check(len(later) == 1, "%d runs of m_last.yml at start: %r" % (len(later), [j["created"] for j in later]))
        check("m_none.yml) missed a run" not in s.log(), "none logged a missed run")
        s.stop()
    finally:
        s.cleanup()


# -- pause, resume, errors --------------------------------------------------------------
def test_pause_resume_and_errors():
    s = server("sched-pause")
    try:
        s.start()
        sch = J.Schemas(s)
        sid = add(s, path="paused.yml", every_seconds=1)
        wait_for(lambda: jobs_of(s, "paused.yml"), 10 * E.SLOW, what="a first run")
        r = s.post("/api/v1/schedules/%s/pause" % sid)
        check(r.status == 200, r)
        e = sch.check(r.json(), "Schedule")
        check(e["id"] == sid and e["paused"] is True and e["next_run"] is None, e)
        wait_for(lambda: not sched(s, sid)["running"], 5 * E.SLOW, what="the run in progress to end")
        n = len(jobs_of(s, "paused.yml"))
        time.sleep(3)
        check(len(jobs_of(s, "paused.yml")) == n, "a paused schedule ran")
        check(s.post("/api/v1/schedules/%s/pause" % sid).json()["paused"] is True, "pause twice")
        r = s.post("/api/v1/schedules/%s/resume" % sid)
        check(r.status == 200, r)
        e = r.json()
        check(e["paused"] is False and e["next_run"] is not None, e)
        offset_ok(e["next_run"])
        wait_for(lambda: len(jobs_of(s, "paused.yml")) > n, 10 * E.SLOW, what="runs after resume")
        # unknown ids
        bogus = str(uuid.uuid4())
        for method, path in (("POST", "/pause"), ("POST", "/resume"), ("GET", ""), ("DELETE", "")):
            r = s.request(method, "/api/v1/schedules/%s%s" % (bogus, path))
            E.assert_json_error(r, 404)
            check(r.json() == {"error": "Flow with ID %s not found." % bogus}, r)
        # invalid requests: 400 (the original answered 500), 404, 409
        cases = [
            ({}, 400, "Flow path must be provided."),
            ({"path": "tick.yml"}, 400, "Flow must have either 'cron' or 'every_seconds' defined."),
            ({"path": "tick.yml", "every_seconds": "x"}, 400, "every_seconds"),
            ({"path": "tick.yml", "every_seconds": 0}, 400, "every_seconds"),
            ({"path": "tick.yml", "every_seconds": True}, 400, "every_seconds"),
            ({"path": "tick.yml", "cron": "not a cron"}, 400, None),
            ({"path": "tick.yml", "cron": 5}, 400, "cron"),
            ({"path": "tick.yml", "every_seconds": 5, "overlap": "both"}, 400, "overlap"),
            ({"path": "tick.yml", "every_seconds": 5, "missed": "all"}, 400, "missed"),
            ({"path": "tick.yml", "every_seconds": 5, "timeout_seconds": -1}, 400, "timeout_seconds"),
            ({"path": "nope.yml", "every_seconds": 5}, 404, "Flow file nope.yml not found."),
            ({"path": "paused.yml", "every_seconds": 5}, 409, "Flow paused.yml is already added to the scheduler."),
            ({"path": "cfg.yml", "every_seconds": 5}, 409, "already added"),
        ]
        for body, status, msg in cases:
            E.assert_json_error(s.post("/api/v1/schedules", body), status, msg)
        check([x["path"] for x in s.get("/api/v1/schedules").json()["schedules"]] == ["cfg.yml", "paused.yml"],
              "refused schedules were added")
        # a schedule added paused does not run, and stays paused
        pid = add(s, path="tick.yml", every_seconds=1, paused=True)
        time.sleep(2)
        check(jobs_of(s, "tick.yml") == [] and sched(s, pid)["paused"] is True, "added paused")
        s.stop()
    finally:
        s.cleanup()


if __name__ == "__main__":
    try:
        E.run_tests(globals())
    finally:
        MOCK.stop()
