#!/usr/bin/env python3
"""The scheduler through the service, end to end: every_seconds flows run
several times (counted from the end of the previous run) and stop for good
after DELETE, cron schedules fire and show the right next_run in TIMEZONE,
failed and timed-out runs do not kill a schedule, a long flow does not delay
other schedules, autostart from config.yml in both formats, stale lock files
removed at start, an invalid config.yml stops start-up with a message
instead of hanging (issue 5; original-behaviour.md A.7, B.6, E.11, E.12).
"""
import datetime
import os
import re
import sys
import time
import zoneinfo

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import check, wait_for  # noqa: E402

ZONE = "Asia/Kolkata"  # +05:30, no DST: the offset shows the zone is used


def jq_flow(name, every=None, cron=None, expr="1"):
    head = "name: %s\n" % name
    if every is not None:
        head += "every_seconds: %d\n" % every
    if cron is not None:
        head += "cron: '%s'\n" % cron
    return head + "steps:\n- name: n\n  type: jq\n  jq: {expression: '%s'}\n" % expr


FLOWS = {
    "tick.yml": jq_flow("tick", every=1),
    "tock.yml": jq_flow("tock", every=1),
    "paced.yml": E.slow_flow("paced", 5, every_seconds=1),         # ~0.5 s run
    "long.yml": E.slow_flow("long", 30, every_seconds=1),          # ~3 s run
    "daily.yml": jq_flow("daily", cron="7 3 * * *"),
    "hourly.yml": jq_flow("hourly", cron="@hourly"),
    "everysec.yml": jq_flow("everysec", cron="* * * * * */2"),
    "weekday.yml": jq_flow("weekday", cron="0 9 * * mon-fri"),
    "failing.yml": """name: failing
every_seconds: 1
steps:
- name: boom
  type: file
  file: {path: nope/missing.json, type: json}
""",
    "doomed.yml": jq_flow("doomed", every=1),
}

srv = None
LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - (\w+) - (.*)$")


def log_times(text, needle):
    """Timestamps (seconds, local wall clock) of the log lines containing needle."""
    out = []
    for l in text.splitlines():
        m = LINE.match(l)
        if m and needle in m.group(3):
            dt = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
            out.append(dt.timestamp())
    return out


def setup():
    global srv
    srv = E.Server(flows=FLOWS, name="sched", env={"TIMEZONE": ZONE})
    srv.start()


def add(path, **kw):
    body = {"path": path}
    body.update(kw)
    r = srv.post("/api/flows/add", body)
    assert r.status == 201, r
    return r.json()["flow_id"]


def entry(fid):
    return [f for f in srv.flows() if f["id"] == fid][0]


def test_every_seconds_runs_and_stops_after_delete():
    fid = add("tick.yml")
    started = "[tick] Flow tick.yml started"
    wait_for(lambda: srv.log().count(started) >= 3, 10 * E.SLOW, what="three runs of tick.yml")
    e = entry(fid)
    check(e["last_status"] == "success" and e["last_run"] is not None, e)
    lr = datetime.datetime.fromisoformat(e["last_run"])
    nr = datetime.datetime.fromisoformat(e["next_run"])
    check(e["last_run"].endswith("+05:30") and e["next_run"].endswith("+05:30"), "times in TIMEZONE: %r" % e)
    check(0 <= (nr - lr).total_seconds() <= 2, "next_run = last_run + 1 s: %r" % e)
    r = srv.delete("/api/flows/%s" % fid)
    assert r.status == 200, r
    time.sleep(0.5)
    n = srv.log().count(started)
    time.sleep(3)
    check(srv.log().count(started) == n, "tick.yml still runs after DELETE (%d -> %d)"
          % (n, srv.log().count(started)))
    check(fid not in [f["id"] for f in srv.flows()], "still listed")


def test_every_seconds_counts_from_the_end_of_a_run():
    fid = add("paced.yml")
    try:
        wait_for(lambda: srv.log().count("Flow paced.yml finished") >= 3, 20 * E.SLOW,
                 what="three runs of paced.yml")
    finally:
        srv.delete("/api/flows/%s" % fid)
    log = srv.log()
    starts = log_times(log, "[paced] Flow paced.yml started")
    ends = log_times(log, "Flow paced.yml finished")
    check(len(starts) >= 3 and len(ends) >= 3, (starts, ends))
    for k in range(2):
        gap = starts[k + 1] - ends[k]
        check(0.9 <= gap <= 1.0 + 1.0 * E.SLOW, "run %d started %.2f s after the previous end (want 1 s)" % (k + 1, gap))
        check(ends[k] - starts[k] >= 0.2, "paced.yml is slow enough to tell the two rules apart")


def test_cron_next_run_in_timezone():
    tz = zoneinfo.ZoneInfo(ZONE)
    ids = {p: add(p) for p in ("daily.yml", "hourly.yml", "weekday.yml")}
    now = datetime.datetime.now(tz)
    e = entry(ids["daily.yml"])
    check(e["cron"] == "7 3 * * *" and e["every_seconds"] is None and e["last_run"] is None, e)
    want = now.replace(hour=3, minute=7, second=0, microsecond=0)
    if want <= now:
        want += datetime.timedelta(days=1)
    check(e["next_run"] == want.isoformat(), "daily next_run %s, want %s" % (e["next_run"], want.isoformat()))
    e = entry(ids["hourly.yml"])
    want = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    check(e["next_run"] == want.isoformat(), "@hourly next_run %s, want %s" % (e["next_run"], want.isoformat()))
    e = entry(ids["weekday.yml"])
    want = now.replace(hour=9, minute=0, second=0, microsecond=0)
    while want <= now or want.weekday() >= 5:
        want += datetime.timedelta(days=1)
    check(e["next_run"] == want.isoformat(), "mon-fri next_run %s, want %s" % (e["next_run"], want.isoformat()))
    for fid in ids.values():
        assert srv.delete("/api/flows/%s" % fid).status == 200
    # a cron expression given in the body
    fid = add("tick.yml", cron="15 */6 * * *")
    e = entry(fid)
    nr = datetime.datetime.fromisoformat(e["next_run"])
    check(e["cron"] == "15 */6 * * *" and nr.minute == 15 and nr.hour % 6 == 0 and nr.utcoffset()
          == datetime.timedelta(hours=5, minutes=30), e)
    assert srv.delete("/api/flows/%s" % fid).status == 200


def test_cron_with_seconds_fires():
    fid = add("everysec.yml")
    try:
        wait_for(lambda: srv.log().count("[everysec] Flow everysec.yml started") >= 2, 10 * E.SLOW,
                 what="two cron runs")
        e = entry(fid)
        check(e["last_status"] == "success", e)
        nr = datetime.datetime.fromisoformat(e["next_run"])
        check(nr.second % 2 == 0, "next_run on an even second: %r" % e["next_run"])
    finally:
        assert srv.delete("/api/flows/%s" % fid).status == 200
    for t in log_times(srv.log(), "[everysec] Flow everysec.yml started"):
        check(t % 2 < 0.9, "a */2 seconds run started at %.3f" % (t % 60))


def test_failures_do_not_kill_a_schedule():
    fid = add("failing.yml")
    try:
        wait_for(lambda: srv.log().count("Scheduled run of failing.yml failed") >= 2, 10 * E.SLOW,
                 what="two failed runs")
        check(entry(fid)["last_status"] == "failed", entry(fid))
        # the failure is logged with step and message
        srv.log_has("Scheduled run of failing.yml failed: boom: cannot read nope/missing.json")
    finally:
        assert srv.delete("/api/flows/%s" % fid).status == 200
    # the flow file disappears under a schedule: errors, the schedule lives on
    fid = add("doomed.yml")
    try:
        wait_for(lambda: srv.log().count("[doomed] Flow doomed.yml started") >= 1, 10 * E.SLOW,
                 what="doomed.yml to run once")
        os.unlink(os.path.join(srv.flows_dir, "doomed.yml"))
        wait_for(lambda: srv.log().count("Error running flow doomed.yml") >= 2, 10 * E.SLOW,
                 what="two errors for the missing file")
        check(entry(fid)["last_status"] == "error", entry(fid))
        # put it back: the schedule runs it again
        srv.write_flow("doomed.yml", FLOWS["doomed.yml"])
        n = srv.log().count("[doomed] Flow doomed.yml started")
        wait_for(lambda: srv.log().count("[doomed] Flow doomed.yml started") > n, 10 * E.SLOW,
                 what="doomed.yml to run again")
        check(srv.tmp not in srv.log(), "log lines name flows relative to FLOWS_PATH")
    finally:
        assert srv.delete("/api/flows/%s" % fid).status == 200


def test_long_flow_does_not_delay_others_and_timeouts():
    # long.yml takes ~3 s; its schedule has a 1 s timeout: each run is
    # cancelled (last_status "timeout"); meanwhile tock.yml keeps its pace
    lid = add("long.yml", timeout_seconds=1)
    tid = add("tock.yml")
    try:
        e = entry(lid)
        check(e["timeout_seconds"] == 1, e)
        wait_for(lambda: entry(lid)["last_status"] == "timeout", 15 * E.SLOW, what="a timed-out run")
        # the log is written by its own thread: the line may trail the API's state by a moment
        wait_for(lambda: re.search(r"Scheduled run of long\.yml failed: spin\d+: the run timed out after 1 seconds",
                                   srv.log()), 5 * E.SLOW, what="the timeout logged")
        wait_for(lambda: entry(lid).get("running"), 10 * E.SLOW, what="the next long.yml run")
        n = srv.log().count("[tock] Flow tock.yml started")
        time.sleep(2.5)
        check(srv.log().count("[tock] Flow tock.yml started") >= n + 2,
              "tock.yml was held up by long.yml (%d -> %d)" % (n, srv.log().count("[tock] Flow tock.yml started")))
    finally:
        srv.delete("/api/flows/%s" % lid)
        srv.delete("/api/flows/%s" % tid)
    wait_for(lambda: srv.lock_files() == [], 10 * E.SLOW, what="locks released")


def test_zz_stop():
    srv.stop()


# -- separate servers ------------------------------------------------------
def test_autostart_both_formats_and_stale_locks():
    flows = {
        "a.yml": jq_flow("a", every=1),
        "sub/b.yml": jq_flow("b", cron="30 4 * * *"),
        "c.yml": jq_flow("c"),
        "d.yml": jq_flow("d"),
        "e.yml": jq_flow("e", every=3600),
        "noschedule.yml": jq_flow("noschedule"),
        "slowsched.yml": E.slow_flow("slowsched", 40, every_seconds=1),
    }
    config = """# both formats of the original
autostart:
  - a.yml
  - sub/b.yml
  - missing.yml
  - noschedule.yml
  - ../escape.yml
  - slowsched.yml
autostart_flows:
  - {path: c.yml, every_seconds: 1}
  - {path: d.yml, cron: "*/5 * * * *"}
  - {path: e.yml}
  - {path: c.yml, cron: "not a cron"}
  - {every_seconds: 5}
"""
    # FLOW_TIMEOUT bounds scheduled runs that have no timeout of their own
    s = E.Server(flows=flows, config=config, name="autostart", env={"FLOW_TIMEOUT": "1"})
    try:
        # stale lock files from a previous life, nested ones included
        os.makedirs(os.path.join(s.lock_dir, "old"), exist_ok=True)
        for n in ("a.yml.lock", "c.yml.lock", "other.yml.lock", "old/x.yml.lock"):
            with open(os.path.join(s.lock_dir, n), "w") as f:
                f.write("20200101000000")
        s.start()
        # the start-up messages end with the count line (written by the
        # log writer thread, maybe after the API is up)
        log = s.log_has("flow(s) scheduled from the configuration")
        # nothing is deleted at start (a lock is the kernel's: these files
        # have no holder, so they are no locks): not listed, never blocking
        check("stale lock" not in log and os.path.exists(os.path.join(s.lock_dir, "other.yml.lock"))
              and os.path.exists(os.path.join(s.lock_dir, "old/x.yml.lock")), s.lock_files())
        check(s.locks() == [], "stale files are not listed as locks: %r" % s.locks())
        flows_now = {f["path"]: f for f in s.flows()}
        check(set(flows_now) == {"a.yml", "sub/b.yml", "c.yml", "d.yml", "e.yml", "slowsched.yml"},
              sorted(flows_now))
        check(all(f["timeout_seconds"] == 1 for f in flows_now.values()), "FLOW_TIMEOUT: %r" % flows_now)
        check(flows_now["a.yml"]["every_seconds"] == 1 and flows_now["a.yml"]["cron"] is None, flows_now["a.yml"])
        check(flows_now["sub/b.yml"]["cron"] == "30 4 * * *", flows_now["sub/b.yml"])
        check(flows_now["c.yml"]["every_seconds"] == 1, flows_now["c.yml"])
        check(flows_now["d.yml"]["cron"] == "*/5 * * * *", flows_now["d.yml"])
        check(flows_now["e.yml"]["every_seconds"] == 3600, "schedule from the file: %r" % flows_now["e.yml"])
        check("6 flow(s) scheduled from the configuration" in log, "count line")
        for frag in ("missing.yml", "noschedule.yml", "escape.yml", "not a cron", "autostart_flows[4] has no path"):
            check(re.search(r"ERROR - Failed to add flow: .*%s" % re.escape(frag), log),
                  "failure for %s logged" % frag)
        check(s.tmp not in log, "no absolute path in the start-up messages")
        # the autostarted interval flows really run
        wait_for(lambda: s.log().count("[a] Flow a.yml started") >= 2 and s.log().count("[c] Flow c.yml started") >= 2,
                 10 * E.SLOW, what="a.yml and c.yml to run")
        # FLOW_TIMEOUT=1 cancels the ~4 s slowsched.yml runs
        sid = flows_now["slowsched.yml"]["id"]
        wait_for(lambda: [f for f in s.flows() if f["id"] == sid][0]["last_status"] == "timeout",
                 15 * E.SLOW, what="slowsched.yml to time out")
        # the FLOW_TIMEOUT message
        s.log_match(r"Scheduled run of slowsched\.yml failed: spin\d+: the run timed out after 1 seconds")
        # they can be removed like any other
        for f in s.flows():
            check(s.delete("/api/flows/%s" % f["id"]).status == 200, f)
        check(s.flows() == [], "all removed")
        s.stop()
    finally:
        s.cleanup()


def test_invalid_config_stops_startup():
    cases = [
        ("autostart: [a.yml\n  bad: : x\n", r"config\.yml:\d+"),
        ("- a.yml\n- b.yml\n", r"config\.yml.*mapping"),
        ("autostart: {{{\n", r"config\.yml"),
        ("\tautostart: []\n", r"config\.yml"),
    ]
    for text, pattern in cases:
        s = E.Server(config=text, name="badcfg")
        try:
            t0 = time.time()
            s.start(wait=False)
            rc = s.wait_exit(20 * E.SLOW)
            out = s.stderr()
            check(rc == 2, "invalid config %r: exit %r" % (text, rc))
            check(time.time() - t0 < 10 * E.SLOW, "took %.1f s" % (time.time() - t0))
            check(re.search(pattern, out), "message %r lacks %r" % (out, pattern))
            check(s.tmp not in out, "message names the absolute path: %s" % out)
        finally:
            s.cleanup()
    # an empty or missing config.yml is an empty configuration (the original hung)
    for text in ("", None, "autostart:\n"):
        s = E.Server(config=text, name="okcfg")
        try:
            s.start()
            check(s.flows() == [], "no schedules")
            s.stop()
        finally:
            s.cleanup()
    # a bad TIMEZONE refuses to start too (glibc would silently use UTC)
    s = E.Server(name="badtz", env={"TIMEZONE": "Mars/Olympus_Mons"})
    try:
        s.start(wait=False)
        rc = s.wait_exit(20 * E.SLOW)
        check(rc != 0 and "TIMEZONE" in s.stderr(), "bad TIMEZONE: %r %s" % (rc, s.stderr()))
    finally:
        s.cleanup()


if __name__ == "__main__":
    try:
        setup()
        E.run_tests(globals())
    finally:
        if srv is not None:
            srv.cleanup()
