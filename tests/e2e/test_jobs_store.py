#!/usr/bin/env python3
"""The job store end to end (issue 8): kill -9 of the service during a run
(the job is abandoned after the restart, nothing else is lost, the flow's
lock died with the process), retention (JOBS_MAX, JOBS_RETENTION_DAYS),
a broken store - a corrupt file, a database locked by another process, a
full disk (RLIMIT_FSIZE on the running service) - under which runs go on,
/api/health says "degraded" and the error is logged once a minute, and
`octoflow run` recording a job that `octoflow jobs list/show` print, and
schema versions (a version 1 file upgraded with its jobs, a newer file
left alone).

Old rows are written into the SQLite file with Python's sqlite3 while the
service is stopped; slow flows wait on a recording HTTP server on
127.0.0.1 (mockserv.py).
"""
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jobs_e2e as J  # noqa: E402
import mockserv as M  # noqa: E402
import octo_e2e as E  # noqa: E402
from octo_e2e import check, wait_for  # noqa: E402

MOCK = M.MockServer(name="store-mock").start()

ECHO = E.ECHO_FLOW
FAIL = "name: fail\nsteps:\n- name: boom\n  type: jq\n  jq: {expression: 'error(\"no\")'}\n"


def slow(ms):
    return """name: slow
steps:
- name: wait
  type: rest
  rest: {uri: '%s/sleep/%d'}
- name: after
  type: jq
  jq: {expression: '{n: 1}'}
""" % (MOCK.url, ms)


TIMELINE = """name: timeline
steps:
- name: seed
  type: jq
  jq: {expression: '{items: [range(0; 25)], n: 7}'}
- name: never
  type: jq
  when: "n is defined"
  jq: {expression: '1'}
- name: tolerated
  type: file
  ignore_errors: ['No such file']
  file: {path: nope/missing.json, type: json}
- name: items
  type: jq
  jq: {expression: '.items', data_key: seed}
- name: loop
  type: flow_loop
  flow_loop: {path: item.yml, data_key: items}
"""
ITEM = "name: item\nsteps:\n- name: double\n  type: jq\n  jq: {expression: '. * 2', data_key: __input__}\n"


def store_error_lines(srv):
    """Log lines of the store's own error report (store_writer.c: once a
    minute), once there is one: the log writer thread writes a line after
    the error it reports already shows in /api/health."""
    def lines():
        return [m for lvl, m in J.log_lines(srv.log()) if lvl == "ERROR" and m.startswith("job store: ")]
    wait_for(lines, 5 * E.SLOW, what="a job store error line in the log")
    return lines()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def descendants(pid):
    """Every live process below pid (the zygote and the workers)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def db_path(srv):
    return os.path.join(srv.data, "octoflow.db")


def stored_state(srv, jid):
    """The job's state in the store file, read by another process."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path(srv), uri=True, timeout=5)
    try:
        row = db.execute("SELECT state FROM jobs WHERE id = ?", (jid,)).fetchone()
    finally:
        db.close()
    return row[0] if row else None


# -- kill -9 ------------------------------------------------------------------
def test_kill_9_during_a_run():
    flows = {"slow.yml": slow(30000), "echo.yml": ECHO, "fail.yml": FAIL, "timeline.yml": TIMELINE,
             "item.yml": ITEM}
    s = J.server(flows=flows, name="kill9", env={"FLOW_MAX_WORKERS": "1"})
    try:
        s.start()
        sch = J.Schemas(s)
        # finished jobs, their details as served from memory
        done = [J.launch(s, "echo.yml", {"x": 3}, wait=30).json(), J.launch(s, "fail.yml", None, wait=30).json(),
                J.launch(s, "timeline.yml", {"t": 1}, wait=30).json()]
        check([j["status"] for j in done] == ["success", "failed", "success"], [j["status"] for j in done])
        check(done[2]["steps_dropped"] == 5 and len(done[2]["timeline"]) == 5 + 20, "timeline job")
        listed = {x["id"]: x for x in J.list_jobs(s)["jobs"]}
        # stored schedules, one of them paused
        s1 = s.post("/api/v1/schedules", {"path": "echo.yml", "every_seconds": 3600, "timeout_seconds": 30,
                                          "overlap": "queue", "missed": "last"})
        s2 = s.post("/api/v1/schedules", {"path": "fail.yml", "cron": "7 3 * * *", "paused": True})
        check(s1.status == 201 and s2.status == 201, (s1, s2))
        scheds = {x["id"]: x for x in s.get("/api/v1/schedules").json()["schedules"]}
        # a running job and a queued one behind it (one worker)
        running = J.launch_id(s, "slow.yml", {"r": 1})
        J.wait_job(s, running, 10 * E.SLOW, state="running")
        queued = J.launch_id(s, "timeline.yml", {"q": 1})
        check(J.job(s, queued)["state"] == "queued", "queued behind the slow run")
        wait_for(lambda: MOCK.got(path="/sleep/30000"), 10 * E.SLOW, what="the slow call")
        # the store has both jobs as they are now (its writer is asynchronous)
        wait_for(lambda: stored_state(s, running) == "running" and stored_state(s, queued) == "queued",
                 10 * E.SLOW, what="the store to record the running and the queued job")
        pid = s.proc.pid
        kids = descendants(pid)
        check(kids, "the service has worker processes")
        s.send_signal(signal.SIGKILL)
        s.wait_exit(10 * E.SLOW)
        # its workers do not outlive it
        wait_for(lambda: not any(alive(k) for k in kids), 10 * E.SLOW,
                 what="the workers of the killed service to exit")
        s.start()
        # the interrupted jobs: abandoned, with a message
        for jid, was in ((running, "running"), (queued, "queued")):
            j = J.job(s, jid)
            sch.check(j, "JobDetail")
            check(j["state"] == "finished" and j["status"] == "abandoned", j)
            check("abandoned" in j["error"] and "while it was %s" % was in j["error"]
                  and "kill -9" in j["error"] and str(pid) in j["error"], j["error"])
            check(j["ended"] is not None and J.epoch(j["ended"]) >= J.epoch(j["created"]), j)
        check(J.job(s, running)["input"] == {"r": 1}, "input kept")
        s.log_match(r"WARNING - Job %s \(slow\.yml\) abandoned" % running)  # abandon logged
        v = J.list_jobs(s, "?status=abandoned")
        check(sorted(x["id"] for x in v["jobs"]) == sorted([running, queued]), v)
        # the finished jobs are intact: the same job, now from the store
        for before in done:
            after = J.job(s, before["id"])
            check(after == before, "job %s changed across the restart:\nbefore %s\nafter  %s"
                  % (before["id"], json.dumps(before, sort_keys=True)[:3000], json.dumps(after, sort_keys=True)[:3000]))
        # and in the listing, the same entries
        now_listed = {x["id"]: x for x in J.list_jobs(s)["jobs"]}
        for before in done:
            check(now_listed[before["id"]] == listed[before["id"]], "listing of %s changed across the restart:"
                  "\nbefore %s\nafter  %s" % (before["id"], json.dumps(listed[before["id"]], sort_keys=True),
                                               json.dumps(now_listed[before["id"]], sort_keys=True)))
            sch.check(now_listed[before["id"]], "Job")
        # the stored schedules are back, the paused one paused
        now = {x["id"]: x for x in s.get("/api/v1/schedules").json()["schedules"]}
        check(set(now) == set(scheds), (sorted(now), sorted(scheds)))
        for sid, x in scheds.items():
            for k in ("path", "cron", "every_seconds", "timeout_seconds", "overlap", "missed", "paused", "source"):
                check(now[sid][k] == x[k], "schedule %s: %s %r -> %r" % (sid, k, x[k], now[sid][k]))
        check(now[s2.json()["schedule_id"]]["paused"] is True and now[s2.json()["schedule_id"]]["next_run"] is None,
              "still paused")
        # an abandoned job's events: its end at once
        status, _, events, took = J.sse(s, "/api/v1/jobs/%s/events" % running)
        check(status == 200 and [e for e, _ in events][-1] == "end" and events[-1][1]["status"] == "abandoned",
              events)
        check(took < 1.0 * E.SLOW, "stream of a stored job took %.2f s" % took)
        # the lock died with the process: the flow runs again
        s.write_flow("slow.yml", slow(200))
        r = J.launch(s, "slow.yml", {"again": 1}, wait=30)
        check(r.status == 200 and r.json()["status"] == "success", "the flow runs again: %r" % r)
        check(s.locks() == [], "no lock left: %r" % s.locks())
        check(s.get("/api/health").json()["status"] == "ok", "healthy after the restart")
        s.stop()
    finally:
        s.cleanup()


# -- retention ------------------------------------------------------------------
def test_jobs_max_prunes_the_oldest_finished_jobs():
    s = J.server(flows={"slow.yml": slow(8000), "echo.yml": ECHO}, name="jobsmax",
                 env={"JOBS_MAX": "5", "JOBS_PRUNE_INTERVAL": "1"})
    try:
        s.start()
        running = J.launch_id(s, "slow.yml")  # the oldest job, unfinished
        J.wait_job(s, running, 10 * E.SLOW, state="running")
        ids = []
        for i in range(12):
            r = J.launch(s, "echo.yml", {"x": i}, wait=30)
            check(r.status == 200 and r.json()["status"] == "success", r)
            ids.append(r.json()["id"])
        v = wait_for(lambda: (lambda v: v if v["total"] <= 5 else None)(J.list_jobs(s)), 10 * E.SLOW,
                     what="JOBS_MAX=5 to prune")
        # the newest finished ones stay, and the running one (never pruned)
        check(sorted(x["id"] for x in v["jobs"]) == sorted(ids[-4:] + [running]),
              "left: %r" % [(x["id"], x["state"]) for x in v["jobs"]])
        check(v["total"] == 5, v["total"])
        # a pruned job is gone everywhere, not still answered from memory
        for jid in ids[:-4]:
            check(s.get("/api/v1/jobs/%s" % jid).status == 404, "pruned job %s still answered" % jid)
        s.log_match(r"job store: \d+ old job\(s\) pruned \(JOBS_RETENTION_DAYS=30, JOBS_MAX=5\)")  # pruning logged
        check(J.job(s, running)["state"] == "running", "the running job is intact")
        check(J.wait_job(s, running, 20 * E.SLOW)["status"] == "success", "and ends normally")
        # its end was recorded (it was not pruned under it), then it may go
        wait_for(lambda: [x for x in J.list_jobs(s, "?flow=slow.yml")["jobs"] if x["status"] == "success"]
                 or J.list_jobs(s)["total"] <= 5, 10 * E.SLOW, what="the slow job's end to be recorded")
        s.stop()
        # the pruned jobs' timeline rows went with them
        db = sqlite3.connect(db_path(s))
        try:
            jobs = {r[0] for r in db.execute("SELECT id FROM jobs")}
            step_jobs = {r[0] for r in db.execute("SELECT DISTINCT job_id FROM job_steps")}
        finally:
            db.close()
        check(len(jobs) <= 5 and step_jobs <= jobs, "steps of pruned jobs left: %r" % (step_jobs - jobs))
    finally:
        s.cleanup()


def old_row(db, jid, days, state="finished", status="success", owner="1:1", steps=0):
    now = time.time()
    t = now - days * 86400
    db.execute("INSERT INTO jobs (id, flow_path, source, state, status, created, started, ended, node, owner,"
               " input, result) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (jid, "echo.yml", "api", state, status if state == "finished" else None, t - 1, t - 1,
                t if state == "finished" else None, NODE, owner, '{"old": %d}' % days, '{"r": 1}'))
    for k in range(steps):
        db.execute("INSERT INTO job_steps (job_id, seq, depth, idx, name, type, flow, started, duration_us,"
                   " outcome, attempt) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (jid, k + 1, 0, k, "s%d" % k, "jq", "echo.yml", t - 1, 10, "ok", 1))


NODE = "e2e-node"


def test_retention_days_prunes_old_jobs_at_start():
    s = J.server(flows={"echo.yml": ECHO}, name="retention",
                 env={"JOBS_RETENTION_DAYS": "0", "NODE_NAME": NODE})
    try:
        s.start()  # creates the store
        fresh = J.launch(s, "echo.yml", {"x": 1}, wait=30).json()["id"]
        s.stop()
        ids = {"d400": str(uuid.uuid4()), "d40": str(uuid.uuid4()), "d10": str(uuid.uuid4()),
               "crashed": str(uuid.uuid4())}
        db = sqlite3.connect(db_path(s))
        try:
            old_row(db, ids["d400"], 400, steps=3)
            old_row(db, ids["d40"], 40, status="failed", steps=2)
            old_row(db, ids["d10"], 10)
            # left running 40 days ago by a process that is gone
            old_row(db, ids["crashed"], 40, state="running", owner="999999999:1")
            db.commit()
        finally:
            db.close()
        # JOBS_RETENTION_DAYS=0 keeps everything
        s.start()
        time.sleep(2.5)  # past the first prune (1 s after start)
        v = J.list_jobs(s)
        check({x["id"] for x in v["jobs"]} == set(ids.values()) | {fresh}, "JOBS_RETENTION_DAYS=0 keeps all: %r"
              % [x["id"] for x in v["jobs"]])
        check(J.job(s, ids["crashed"])["status"] == "abandoned", "the crash leftover is abandoned at start")
        s.stop()
        # 30 days: the 400- and 40-day-old finished jobs go, at start
        s.extra_env["JOBS_RETENTION_DAYS"] = "30"
        s.start()
        wait_for(lambda: J.list_jobs(s)["total"] == 3, 10 * E.SLOW, what="the old jobs to be pruned")
        left = {x["id"] for x in J.list_jobs(s)["jobs"]}
        # the crashed one ended (abandoned) just now: it is not old
        check(left == {fresh, ids["d10"], ids["crashed"]}, "left: %r" % left)
        for k in ("d400", "d40"):
            E.assert_json_error(s.get("/api/v1/jobs/%s" % ids[k]), 404)
        check(J.job(s, ids["d10"])["input"] == {"old": 10}, "a kept job is whole")
        s.log_match(r"job store: 2 old job\(s\) pruned \(JOBS_RETENTION_DAYS=30, JOBS_MAX=100000\)")  # pruning logged
        s.stop()
        db = sqlite3.connect(db_path(s))
        try:
            n = db.execute("SELECT count(*) FROM job_steps WHERE job_id IN (?, ?)", (ids["d400"], ids["d40"])).fetchone()
        finally:
            db.close()
        check(n[0] == 0, "%d timeline rows of pruned jobs left" % n[0])
    finally:
        s.cleanup()


# -- a broken store ----------------------------------------------------------------
def runs_go_on(s, n=3):
    """Launches run and answer, through both launch routes; returns the
    v1 job ids."""
    ids = []
    for i in range(n):
        r = J.launch(s, "echo.yml", {"x": i}, wait=30)
        check(r.status == 200, "launch while the store is broken: %r" % r)
        j = r.json()
        check(j["status"] == "success" and j["result"]["got"] == {"x": i, "doubled": 2 * i}, j)
        ids.append(j["id"])
        # the job is there for its client, from memory
        check(J.job(s, j["id"])["status"] == "success", "GET of a job run while the store is broken")
    r = s.launch("echo.yml", {"x": 7})
    check(r.status == 200 and r.json()["data"]["got"]["doubled"] == 14, "/api/flows/launch: %r" % r)
    return ids


def degraded(s, contains):
    h = s.get("/api/health").json()
    return h if h["status"] == "degraded" and contains in (h["store"]["error"] or "") else None


# The schema a store file had at version 1 (store_sqlite.c's first
# migration), written here as an older Octoflow left it.
SCHEMA_V1 = """
CREATE TABLE octo_schema (version INTEGER NOT NULL);
INSERT INTO octo_schema(version) VALUES (1);
CREATE TABLE jobs (id TEXT PRIMARY KEY, flow_path TEXT NOT NULL, source TEXT NOT NULL,
 schedule_id TEXT, state TEXT NOT NULL, status TEXT, input TEXT,
 input_truncated INTEGER NOT NULL DEFAULT 0, result TEXT, result_truncated INTEGER NOT NULL DEFAULT 0,
 error TEXT, created REAL NOT NULL, started REAL, ended REAL, timeout REAL, node TEXT, owner TEXT,
 steps_dropped INTEGER NOT NULL DEFAULT 0);
CREATE INDEX jobs_created ON jobs(created);
CREATE INDEX jobs_flow ON jobs(flow_path, created);
CREATE INDEX jobs_state ON jobs(state, created);
CREATE TABLE job_steps (job_id TEXT NOT NULL, seq INTEGER NOT NULL, parent INTEGER, item INTEGER,
 depth INTEGER NOT NULL DEFAULT 0, idx INTEGER, name TEXT, type TEXT, flow TEXT, started REAL,
 duration_us INTEGER, outcome TEXT, attempt INTEGER, error TEXT, input TEXT, output TEXT,
 PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE TABLE schedules (id TEXT PRIMARY KEY, path TEXT NOT NULL, cron TEXT, every_seconds INTEGER,
 timeout REAL, overlap TEXT NOT NULL DEFAULT 'skip', missed TEXT NOT NULL DEFAULT 'none',
 paused INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, last_job_id TEXT, last_status TEXT,
 last_run REAL, last_fire REAL);
"""


def write_v1_store(s, fill):
    """The store file as a version 1 Octoflow left it; fill(db) adds rows."""
    os.makedirs(s.data, exist_ok=True)
    db = sqlite3.connect(db_path(s))
    try:
        db.executescript(SCHEMA_V1)
        fill(db)
        db.commit()
    finally:
        db.close()


def test_a_version_1_store_is_migrated_with_its_jobs_and_timelines():
    s = J.server(flows={"echo.yml": ECHO}, name="migrate", env={"NODE_NAME": NODE})
    try:
        old = str(uuid.uuid4())
        write_v1_store(s, lambda db: old_row(db, old, 1, steps=3))
        s.start()
        j = J.job(s, old)
        check(j["status"] == "success" and j["input"] == {"old": 1}, "the old job: %r" % j)
        check([(x["name"], x["outcome"], x["duration_us"]) for x in j["timeline"]]
              == [("s0", "ok", 10), ("s1", "ok", 10), ("s2", "ok", 10)], "its timeline: %r" % j["timeline"])
        fresh = J.launch(s, "echo.yml", {"x": 5}, wait=30).json()["id"]
        j = J.job(s, fresh)
        check(j["status"] == "success" and [x["name"] for x in j["timeline"]] == ["got"],
              "a new job's timeline: %r" % j)
        check(s.get("/api/health").json()["status"] == "ok", "health after the migration")
        s.stop()
        db = sqlite3.connect(db_path(s))
        try:
            version = db.execute("SELECT max(version) FROM octo_schema").fetchone()[0]
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'job_steps'").fetchone()[0]
            n_old = db.execute("SELECT count(*) FROM job_steps WHERE job_id = ?", (old,)).fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
        check(version == 2, "schema version %r" % version)
        check("WITHOUT ROWID" not in sql.upper(), "job_steps is still keyed by job: %s" % sql)
        check(n_old == 3 and "job_steps_v2" not in tables, "steps %d, tables %r" % (n_old, tables))
        # a second start finds version 2 and migrates nothing
        s.start()
        check(len(J.job(s, old)["timeline"]) == 3, "the old timeline after a restart")
        s.stop()
    finally:
        s.cleanup()


def test_a_store_from_a_newer_octoflow_is_not_written():
    s = J.server(flows={"echo.yml": ECHO}, name="newer")
    try:
        write_v1_store(s, lambda db: db.execute("INSERT INTO octo_schema(version) VALUES (99)"))
        s.start()
        h = wait_for(lambda: degraded(s, "schema version 99"), 5 * E.SLOW, what="health to say why")
        check("refusing to write" in h["store"]["error"], h)
        runs_go_on(s)
        s.stop()
        db = sqlite3.connect(db_path(s))
        try:
            check(db.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0, "jobs written to a newer file")
        finally:
            db.close()
    finally:
        s.cleanup()


def test_corrupt_store_file():
    s = J.server(flows={"echo.yml": ECHO}, name="corrupt")
    try:
        garbage = os.urandom(64 * 1024)
        with open(db_path(s), "wb") as f:
            f.write(garbage)
        s.start()
        h = s.get("/api/health").json()
        check(h["status"] == "degraded" and h["store"]["ok"] is False
              and "file is not a database" in h["store"]["error"], "health: %r" % h)
        J.Schemas(s).check(h, "Health")
        runs_go_on(s)
        h = s.get("/api/health").json()
        check(h["status"] == "degraded" and h["store"]["dropped_writes"] > 0, "writes counted as dropped: %r" % h)
        msg = E.assert_json_error(s.get("/api/v1/jobs"), 503, "file is not a database")
        check("job store" in msg, msg)
        lines = store_error_lines(s)
        check(len(lines) == 1 and "file is not a database" in lines[0], "store errors logged: %r" % lines)
        s.stop()
        with open(db_path(s), "rb") as f:
            check(f.read() == garbage, "the service wrote over the corrupt file")
    finally:
        s.cleanup()


def test_store_locked_by_another_process():
    s = J.server(flows={"echo.yml": ECHO}, name="locked")
    db = None
    try:
        s.start()
        before = J.launch(s, "echo.yml", {"x": 0}, wait=30).json()["id"]
        db = sqlite3.connect(db_path(s), isolation_level=None, timeout=10 * E.SLOW)
        db.execute("BEGIN EXCLUSIVE")
        t0 = time.time()
        during = runs_go_on(s)
        h = wait_for(lambda: degraded(s, "database is locked"), 15 * E.SLOW, what="health to say degraded")
        check(h["store"]["ok"] is False and h["store"]["errors_total"] >= 1, h)
        runs_go_on(s, 2)
        wait_for(lambda: s.get("/api/health").json()["store"]["dropped_writes"] > 0, 15 * E.SLOW,
                 what="writes dropped while locked")
        check(degraded(s, "database is locked"), "still degraded while locked")
        held = time.time() - t0
        db.execute("ROLLBACK")
        db.close()
        db = None
        lines = store_error_lines(s)
        check(len(lines) == 1 and "database is locked" in lines[0],
              "store errors logged in %.0f s: %d lines %r" % (held, len(lines), lines))
        # recovers when the lock goes
        after = J.launch(s, "echo.yml", {"x": 9}, wait=30).json()["id"]
        wait_for(lambda: s.get("/api/health").json()["status"] == "ok", 30 * E.SLOW, what="health back to ok")
        wait_for(lambda: after in [x["id"] for x in J.list_jobs(s)["jobs"]], 10 * E.SLOW, what="new jobs recorded")
        ids = [x["id"] for x in J.list_jobs(s)["jobs"]]
        check(before in ids, "the job recorded before the lock is intact")
        s.log_has("job store writable again")  # recovery logged
        check(len(store_error_lines(s)) == 1, "one store error line")
        del during
        s.stop()
    finally:
        if db is not None:
            db.close()
        s.cleanup()


def test_launches_refused_while_the_store_is_behind():
    """A store writer that cannot keep up (here: blocked by another
    process's lock for its busy timeout) makes launches wait with 503 and
    Retry-After once JOBS_QUEUE_MAX writes queue up; they are accepted again
    when it catches up. Without this the queue grew until writes were
    dropped and finished jobs went missing."""
    s = J.server(flows={"echo.yml": ECHO}, env={"JOBS_QUEUE_MAX": "100"}, name="behind")
    db = None
    try:
        s.start()
        J.launch(s, "echo.yml", {"x": 0}, wait=30)
        db = sqlite3.connect(db_path(s), isolation_level=None, timeout=10 * E.SLOW)
        db.execute("BEGIN EXCLUSIVE")
        accepted, refused = 0, None
        t_end = time.time() + 20 * E.SLOW
        while refused is None and time.time() < t_end:
            r = J.launch(s, "echo.yml", {"x": accepted}, wait=30)
            if r.status == 200:
                accepted += 1
            else:
                refused = r
        check(refused is not None, "no launch refused after %d launches with the store locked" % accepted)
        check(refused.status == 503, "refused with %r" % refused)
        check(refused.headers.get("retry-after") == "1", refused.headers)
        msg = refused.json()["error"]
        check(msg.startswith("The job store is ") and msg.endswith(" writes behind: retry in a moment"), msg)
        check(int(msg.split()[4]) >= 100, msg)
        check(accepted >= 10, "only %d launches before the refusal: JOBS_QUEUE_MAX=100 is ~30 jobs" % accepted)
        db.execute("ROLLBACK")
        db.close()
        db = None
        # the writer catches up (or drops what the lock made fail): launches go on
        r = wait_for(lambda: (lambda r: r if r.status == 200 else None)(J.launch(s, "echo.yml", {"x": -1}, wait=30)),
                     30 * E.SLOW, what="a launch accepted after the store caught up")
        check(r.json()["status"] == "success", r.json())
        s.stop()
    finally:
        if db is not None:
            db.close()
        s.cleanup()


def test_full_disk():
    s = J.server(flows={"echo.yml": ECHO}, name="fulldisk")
    try:
        s.start()
        before = J.launch(s, "echo.yml", {"x": 0}, wait=30).json()["id"]
        # one large job makes the WAL far larger than the log files: a
        # file size limit below the WAL and above the logs makes every
        # store write fail while log lines still get written
        r = J.launch(s, "echo.yml", {"x": 1, "pad": "p" * 300000}, wait=30)
        check(r.status == 200 and r.json()["status"] == "success", r)
        time.sleep(0.5)
        wal = os.path.getsize(db_path(s) + "-wal")
        limit = max(os.path.getsize(s.log_path), os.path.getsize(s.out_path)) + 256 * 1024
        check(limit < wal < 3500 * 1024, "WAL %d bytes, limit %d" % (wal, limit))
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            runs_go_on(s, 1)
            h = wait_for(lambda: degraded(s, "disk I/O error"), 10 * E.SLOW, what="health to say degraded")
            check(h["store"]["dropped_writes"] > 0, h)
            # it stays degraded as long as the disk is full: each launch
            # writes, each write fails
            for i in range(4):
                jid = runs_go_on(s, 1)[0]
                time.sleep(0.3)
                h = s.get("/api/health").json()
                check(h["status"] == "degraded", "health says %r with the disk still full (after job %s): %r"
                      % (h["status"], jid, h["store"]))
            check("job store writable again" not in s.log(), "'writable again' logged while the disk is full")
            lines = store_error_lines(s)
            check(len(lines) == 1 and "disk I/O error" in lines[0], "store errors logged: %r" % lines)
            check(s.proc.poll() is None, "the service died")
        finally:
            resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        after = J.launch(s, "echo.yml", {"x": 9}, wait=30).json()["id"]
        wait_for(lambda: s.get("/api/health").json()["status"] == "ok", 10 * E.SLOW, what="health back to ok")
        wait_for(lambda: after in [x["id"] for x in J.list_jobs(s)["jobs"]], 10 * E.SLOW, what="new jobs recorded")
        check(before in [x["id"] for x in J.list_jobs(s)["jobs"]], "the job recorded before is intact")
        s.log_has("job store writable again", count=1)  # recovery logged once
        check(len(store_error_lines(s)) == 1, "one store error line")
        s.stop()
        # the file is a sound database
        db = sqlite3.connect(db_path(s))
        try:
            check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity check")
        finally:
            db.close()
    finally:
        s.cleanup()


# -- the CLI -----------------------------------------------------------------------
def cli(s, *args):
    env = dict(s.env_used)
    return subprocess.run([E.BIN] + list(args), env=env, capture_output=True, text=True, timeout=120 * E.SLOW,
                          cwd=s.tmp)


def test_cli_run_records_a_job_that_jobs_list_and_show_print():
    s = J.server(flows={"echo.yml": ECHO, "fail.yml": FAIL, "slow.yml": slow(4000)}, name="cli")
    try:
        s.start()
        sch = J.Schemas(s)
        p = cli(s, "run", "echo.yml", "--data", '{"x": 21}')
        check(p.returncode == 0, "run: %d %s" % (p.returncode, p.stderr))
        out = json.loads(p.stdout)
        jid = out["__job_id__"]
        check(J.UUID.match(jid) and out["got"] == {"x": 21, "doubled": 42}, out)
        pf = cli(s, "run", "fail.yml")
        check(pf.returncode == 1, "failing run: %d" % pf.returncode)
        fid = json.loads(pf.stdout)["__job_id__"]
        # the service sees the CLI's jobs (one store)
        v = wait_for(lambda: (lambda v: v if v["total"] == 2 else None)(J.list_jobs(s, "?source=cli")), 10 * E.SLOW,
                     what="the CLI jobs in the service's listing")
        check({x["id"] for x in v["jobs"]} == {jid, fid}, v)
        j = J.job(s, jid)
        sch.check(j, "JobDetail")
        check(j["source"] == "cli" and j["status"] == "success" and j["input"] == {"x": 21}
              and j["result"]["got"]["doubled"] == 42 and [x["name"] for x in j["timeline"]] == ["got"], j)
        # jobs list, text
        p = cli(s, "jobs", "list")
        check(p.returncode == 0, p.stderr)
        rows = {l.split()[0]: l.split() for l in p.stdout.splitlines()[1:] if J.UUID.match(l.split()[0])}
        check(p.stdout.splitlines()[0].split() == ["ID", "CREATED", "STATE", "STATUS", "SOURCE", "FLOW"], p.stdout)
        check(rows[jid][2:] == ["finished", "success", "cli", "echo.yml"], rows.get(jid))
        check(rows[fid][2:] == ["finished", "failed", "cli", "fail.yml"], rows.get(fid))
        check(p.stdout.rstrip().endswith("2 of 2 job(s)"), p.stdout)
        # filters and --json
        p = cli(s, "jobs", "list", "--status", "failed", "--json")
        check(p.returncode == 0, p.stderr)
        lst = json.loads(p.stdout)
        check([x["id"] for x in lst] == [fid] and lst[0]["source"] == "cli", lst)
        for x in lst:
            sch.check(x, "Job")
        p = cli(s, "jobs", "list", "--flow", "echo.yml", "--limit", "1", "--json")
        check([x["id"] for x in json.loads(p.stdout)] == [jid], p.stdout)
        # jobs show, text: the job and its timeline as a table
        p = cli(s, "jobs", "show", jid)
        check(p.returncode == 0, p.stderr)
        t = p.stdout
        for want in ("job      %s" % jid, "flow     echo.yml", "source   cli", "state    finished",
                     "status   success"):
            check(want in t, "%r not in:\n%s" % (want, t))
        table = t.split("\n\n", 1)[1].splitlines()
        check(table[0].split()[:5] == ["SEQ", "PARENT", "STEP", "TYPE", "OUTCOME"], table)
        check(table[1].split()[:4] == ["1", "got", "jq", "ok"], table)
        p = cli(s, "jobs", "show", fid)
        check("error    " in p.stdout and "no" in p.stdout and " failed " in p.stdout, p.stdout)
        # jobs show --json: the API's job
        p = cli(s, "jobs", "show", jid, "--json")
        check(p.returncode == 0, p.stderr)
        shown = json.loads(p.stdout)
        check(shown == J.job(s, jid), "jobs show --json differs from GET /api/v1/jobs/{id}")
        p = cli(s, "jobs", "show", str(uuid.uuid4()))
        check(p.returncode != 0 and "no such job" in p.stderr, (p.returncode, p.stderr))
        # the CLI's log lines carry the job id too
        mine = [m for _, m in J.log_lines(s.log()) if "[echo]" in m and "echo.yml" in m]
        check(mine and all(m.startswith("[job %s]" % jid[:8]) for m in mine), mine)
        # a flow the service is running: the CLI is refused (the kernel lock), no job
        running = J.launch_id(s, "slow.yml")
        J.wait_job(s, running, 10 * E.SLOW, state="running")
        p = cli(s, "run", "slow.yml")
        check(p.returncode == 3, "run of a flow the service runs: %d %s" % (p.returncode, p.stderr))
        check(J.list_jobs(s, "?source=cli")["total"] == 2, "a refused CLI run was recorded")
        J.wait_job(s, running, 20 * E.SLOW)
        s.stop()
        # without the service: still recorded and listed
        p = cli(s, "run", "echo.yml", "--data", '{"x": 1}')
        check(p.returncode == 0, p.stderr)
        p = cli(s, "jobs", "list", "--source", "cli", "--json")
        check(len(json.loads(p.stdout)) == 3, p.stdout)
    finally:
        s.cleanup()


if __name__ == "__main__":
    try:
        E.run_tests(globals())
    finally:
        MOCK.stop()
