#!/usr/bin/env python3
"""POST /api/flows/launch end to end: one run per flow at a time (exactly one
of several simultaneous launches wins, the others get 409), locks visible in
/api/locks, deleting a lock file through the API during a run does not let a
second run start, timeout_seconds cancels a run, scheduled runs and launches
exclude each other (a scheduled run that finds its flow locked is skipped with
a warning), lock files of other processes are honoured (issue 5; decisions
14 and 15; original-behaviour.md A.6, E.14).
"""
import datetime
import fcntl
import struct
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import Background, check, wait_for  # noqa: E402

FLOWS = {
    "slow.yml": E.slow_flow("slow", 10),            # ~1 s
    "slow_b.yml": E.slow_flow("slow b", 10),        # ~1 s, another flow
    "long.yml": E.slow_flow("long", 20),            # ~2 s
    "fast.yml": "name: fast\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '.', data_key: __input__}\n",
}

srv = None


def setup():
    global srv
    srv = E.Server(flows=FLOWS, name="launch")
    srv.start()


def simultaneous_launches(path, n):
    """n launches of path (or of each path of a list) released at the same
    instant; [(status, body, seconds)]."""
    paths = path if isinstance(path, list) else [path] * n
    n = len(paths)
    conns = [srv.connection() for _ in range(n)]
    for c in conns:
        c.connect()
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i):
        c = conns[i]
        barrier.wait()
        t0 = time.time()
        c.request("POST", "/api/flows/launch", body=json.dumps({"path": paths[i], "data": {"i": i}}),
                  headers={"Authorization": "Bearer %s" % srv.token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        results[i] = (r.status, json.loads(r.read()), time.time() - t0)
        c.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60 * E.SLOW)
    assert all(r is not None for r in results), "a launch did not answer: %r" % results
    return results


def runs_of(log, flow_file):
    """[(start, end)] line indexes of the top-level runs of flow_file in the log."""
    lines = log.splitlines()
    starts = [i for i, l in enumerate(lines) if "Flow %s started" % flow_file in l]
    ends = [i for i, l in enumerate(lines) if re.search(r"Flow %s (finished successfully|failed) in"
                                                        % re.escape(flow_file), l)]
    return list(zip(starts, ends)), len(starts), len(ends)


def test_exactly_one_of_simultaneous_launches_wins():
    # load and compile the flow first (the flow cache), so that the
    # simultaneous launches only race for the lock
    check(srv.launch("slow.yml").status == 200, "warm-up launch")
    for rnd in range(2):
        before = srv.log().count("[slow] Flow slow.yml started")
        results = simultaneous_launches("slow.yml", 8)
        ok = [r for r in results if r[0] == 200]
        conflict = [r for r in results if r[0] == 409]
        time.sleep(0.2)
        runs, n_start, n_end = runs_of(srv.log(), "slow.yml")
        # the invariant: runs of one flow never overlap, whatever the timing
        check(n_start == n_end, "a run did not end: %d starts, %d ends" % (n_start, n_end))
        for (s1, e1), (s2, e2) in zip(runs, runs[1:]):
            check(e1 < s2, "two runs of slow.yml overlapped (log lines %d-%d and %d-%d)" % (s1, e1, s2, e2))
        # each launch either ran (200) or was refused at once (409)
        check(len(ok) + len(conflict) == 8, "statuses %r" % sorted(r[0] for r in results))
        check(len(ok) == srv.log().count("[slow] Flow slow.yml started") - before, "one run per 200")
        # simultaneous: the ~1 s run outlasts all the others' arrival
        check(len(ok) == 1 and len(conflict) == 7,
              "round %d: statuses %r" % (rnd, sorted(r[0] for r in results)))
        check(ok[0][1]["status"] == "Flow slow.yml executed successfully.", ok[0][1])
        for r in conflict:
            check(r[1] == {"error": "Flow slow.yml is already running."}, r[1])
            # refused at once, not queued behind the run
            check(r[2] < ok[0][2], "a 409 waited for the run (%.2f s vs %.2f s)" % (r[2], ok[0][2]))
        check(srv.lock_files() == [], "lock left after the run: %r" % srv.lock_files())


def test_different_flows_run_at_the_same_time():
    check(srv.launch("slow_b.yml").status == 200, "warm-up (flow cache)")
    ra, rb = simultaneous_launches(["slow.yml", "slow_b.yml"], 2)
    check(ra[0] == 200 and rb[0] == 200, (ra, rb))
    # the runs' last lines reach the file through the log writer thread,
    # maybe after the answers
    log = wait_for(lambda: (lambda l: l if l.rfind("Flow slow.yml finished") > l.rfind("[slow] Flow slow.yml started")
                            and l.rfind("Flow slow_b.yml finished") > l.rfind("[slow b] Flow slow_b.yml started")
                            else None)(srv.log()), 5 * E.SLOW, what="both runs' end lines")
    # both started before either finished: they overlapped
    last_a = log.rindex("[slow] Flow slow.yml started")
    last_b = log.rindex("[slow b] Flow slow_b.yml started")
    end_a = log.index("Flow slow.yml finished", last_a)
    end_b = log.index("Flow slow_b.yml finished", last_b)
    check(max(last_a, last_b) < min(end_a, end_b), "the two flows did not run concurrently")


def test_lock_visible_and_delete_refused_while_held():
    bg = Background(lambda: srv.launch("long.yml", {"n": 1}))
    bg.start()
    wait_for(lambda: srv.lock_files() == ["long.yml.lock"], 10 * E.SLOW, what="the lock file")
    locks = wait_for(lambda: [l for l in srv.locks() if l["filename"] == "long.yml.lock"],
                     5 * E.SLOW, what="GET /api/locks to list the lock")
    stamp = locks[0]["timestamp"]
    check(re.match(r"^\d{14}$", stamp), "lock timestamp YYYYmmddHHMMSS: %r" % stamp)
    ts = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    check(abs((datetime.datetime.now() - ts).total_seconds()) < 60, "lock timestamp is now: %s" % stamp)
    check(locks[0]["pid"] == srv.proc.pid and locks[0]["host"] and locks[0]["job_id"],
          "the holder is named: %r" % locks[0])
    with open(os.path.join(srv.lock_dir, "long.yml.lock")) as f:
        first = f.read().split("\n")[0]
    check(first == stamp, "the file's first line is the timestamp")
    # /api/jobs and /api/health see the run
    jobs = srv.get("/api/jobs").json()
    check(any(j["path"] == "long.yml" and j["source"] == "api" for j in jobs["running"]), jobs)
    check(srv.get("/api/health", auth=False).json()["running_flows"] >= 1, "health running_flows")

    # a held lock is never "released" by deleting its file: 409, file kept
    r = srv.delete("/api/locks/long")
    check(r.status == 409 and "held by a running flow" in r.json()["error"], r)
    check("long.yml.lock" in srv.lock_files(), "the lock file stays")
    r = srv.launch("long.yml")
    check(r.status == 409 and r.json() == {"error": "Flow long.yml is already running."},
          "second launch after DELETE /api/locks/long: %r" % r)
    r = srv.delete("/api/locks")
    check(r.status == 409 and [h["filename"] for h in r.json()["held"]] == ["long.yml.lock"], r)
    r = srv.launch("long.yml")
    check(r.status == 409, "second launch after DELETE /api/locks: %r" % r)
    check(bg.is_alive(), "the first run should still be going (flow too fast for this test?)")
    r = bg.get()
    check(r.status == 200 and r.json()["data"]["__input__"] == {"n": 1}, r)
    check(srv.log().count("[long] Flow long.yml started") == 1, "long.yml ran twice")
    # free again afterwards, the lock file comes and goes with the next run
    r = srv.launch("fast.yml", {"ok": 1})
    check(r.status == 200, r)
    check(srv.lock_files() == [], srv.lock_files())


def test_delete_lock_with_cancel():
    bg = Background(lambda: srv.launch("long.yml"))
    bg.start()
    wait_for(lambda: [l for l in srv.locks() if l["filename"] == "long.yml.lock"],
             10 * E.SLOW, what="the run to hold its lock")
    r = srv.delete("/api/locks/long.yml?cancel=true")
    check(r.status == 202 and r.json()["job_id"], r)
    r = bg.get()
    check(r.status == 500 and "cancelled" in r.json()["error"], "the run was cancelled: %r" % r)
    wait_for(lambda: srv.lock_files() == [], 10 * E.SLOW, what="the lock to go")
    check(srv.launch("fast.yml").status == 200, "works afterwards")


def test_timeout_seconds_cancels_a_launch():
    t0 = time.time()
    r = srv.launch("long.yml", {"t": 1}, extra={"timeout_seconds": 0.5})
    took = time.time() - t0
    assert r.status == 500, r
    v = r.json()
    check(re.match(r"^long.yml:\d+: step \"spin\d+\": timeout: the run timed out after 0\.5 seconds$",
                   v["error"]), v["error"])
    errs = v["data"]["__errors__"]
    check(len(errs) == 1 and errs[0]["error"]["type"] == "timeout", errs)
    done = [k for k in v["data"] if k.startswith("spin")]
    check(0 < len(done) < 30, "some steps ran, not all: %d" % len(done))
    check(took < 2.5 * E.SLOW, "cancelled after %.2f s" % took)
    check(srv.lock_files() == [], "lock released after the timeout")
    # the flow can run again at once
    r = srv.launch("slow.yml", extra={"timeout_seconds": 60})
    check(r.status == 200, r)
    # the log says why
    srv.log_match(r"ERROR - \[job [0-9a-f]{8}\] \[long\]\[spin\d+ // jq\] Error in step spin\d+: "
                  r"timeout: the run timed out")  # the timeout error line in the log


def test_scheduled_run_skipped_while_launched():
    before = srv.log().count("[long] Flow long.yml started")
    bg = Background(lambda: srv.launch("long.yml"))
    bg.start()
    wait_for(lambda: "long.yml.lock" in srv.lock_files(), 10 * E.SLOW, what="the launch to start")
    r = srv.post("/api/flows/add", {"path": "long.yml", "every_seconds": 1})
    assert r.status == 201, r
    fid = r.json()["flow_id"]
    try:
        warn = "WARNING - Flow long.yml is already running. Skipping."
        wait_for(lambda: warn in srv.log(), 10 * E.SLOW, what="the skip warning")
        entry = [f for f in srv.flows() if f["id"] == fid][0]
        check(entry["last_status"] == "skipped" and entry["next_run"] is not None, entry)
        r = bg.get()
        check(r.status == 200, r)
    finally:
        check(srv.delete("/api/flows/%s" % fid).status == 200, "delete schedule")
    wait_for(lambda: srv.lock_files() == [], 20 * E.SLOW, what="a scheduled run to end")
    # no run of long.yml started while the launched one was going: the
    # scheduler skipped (afterwards it may have run the flow normally)
    def launch_ended():
        ls = srv.log().splitlines()
        st = [i for i, l in enumerate(ls) if "[long] Flow long.yml started" in l][before:]
        return ls if st and any(re.search(r"Flow long\.yml (finished successfully|failed) in", l)
                                for l in ls[st[0]:]) else None
    lines = wait_for(launch_ended, 5 * E.SLOW, what="the launched run's end line")
    starts = [i for i, l in enumerate(lines) if "[long] Flow long.yml started" in l][before:]
    ends = [i for i, l in enumerate(lines) if re.search(r"Flow long\.yml (finished successfully|failed) in", l)]
    launch_start = starts[0]
    launch_end = min(e for e in ends if e > launch_start)
    check(not [i for i in starts if launch_start < i < launch_end], "a scheduled run started during the launch")
    check(any(warn in l for l in lines[launch_start:launch_end]), "the skip happened during the launch")
    check(srv.proc.poll() is None, "the server survived")


def test_launch_refused_during_a_scheduled_run():
    r = srv.post("/api/flows/add", {"path": "long.yml", "every_seconds": 1})
    assert r.status == 201, r
    fid = r.json()["flow_id"]
    try:
        entry = wait_for(lambda: [f for f in srv.flows() if f["id"] == fid and f.get("running")],
                         10 * E.SLOW, what="the scheduled run")[0]
        check(entry["running"] is True, entry)
        r = srv.launch("long.yml")
        check(r.status == 409 and r.json() == {"error": "Flow long.yml is already running."}, r)
        jobs = srv.get("/api/jobs").json()["running"]
        check(any(j["path"] == "long.yml" and j["source"] == "schedule" for j in jobs), jobs)
    finally:
        check(srv.delete("/api/flows/%s" % fid).status == 200, "delete schedule")
    # a removed schedule's run in progress finishes and releases its lock
    wait_for(lambda: srv.lock_files() == [], 10 * E.SLOW, what="the scheduled run to end")
    r = srv.launch("fast.yml")
    check(r.status == 200, r)


def test_lock_of_another_process_is_honoured():
    # a lock that another process holds (a second service, `octoflow
    # run`): the kernel says so, whatever the file says
    path = os.path.join(srv.lock_dir, "fast.yml.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    os.write(fd, b"20250101000000\npid=%d host=other job=\n" % os.getpid())
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
    try:
        r = srv.launch("fast.yml")
        check(r.status == 409 and r.json() == {"error": "Flow fast.yml is already running."}, r)
        check(os.path.exists(path), "a foreign lock file must not be removed by a refused launch")
        r = srv.delete("/api/locks/fast.yml")
        check(r.status == 409 and "process %d on other" % os.getpid() in r.json()["error"], r)
    finally:
        os.close(fd)  # the holder ends: the kernel releases its lock
    check(srv.launch("fast.yml").status == 200, "launch after the holder ended")
    # a lock file whose holder died is not a lock
    with open(path, "w") as f:
        f.write("20250101000000")
    check(srv.launch("fast.yml").status == 200, "a stale lock file does not block a launch")
    # the other way round: the CLI refuses a flow the service is running
    bg = Background(lambda: srv.launch("long.yml"))
    bg.start()
    wait_for(lambda: "long.yml.lock" in srv.lock_files(), 10 * E.SLOW, what="the launch")
    env = dict(srv.env_used)
    p = subprocess.run([E.BIN, "run", "long.yml"], env=env, capture_output=True, text=True,
                       timeout=60 * E.SLOW)
    check(p.returncode == 3, "octoflow run of a flow the service runs: exit %d %s" % (p.returncode, p.stderr))
    check(bg.get().status == 200, "the service's run finished")


def test_zz_clean_shutdown():
    srv.stop()
    check(srv.lock_files() == [], "lock files left at exit: %r" % srv.lock_files())
    for b in srv.bodies:
        check(srv.tmp.encode() not in b and srv.token.encode() not in b, b[:200])


if __name__ == "__main__":
    try:
        setup()
        E.run_tests(globals())
    finally:
        if srv is not None:
            srv.cleanup()
