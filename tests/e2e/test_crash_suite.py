#!/usr/bin/env python3
"""The crash suite: what an attacker or a careless operator does to the
service, each case against the real `octoflow serve` (issue: one bad flow
must never take the service down).

Every case asserts the service is still up afterwards (/api/health) and
that the next job succeeds, besides what the case itself is about: a
crash in a step (a plugin, libjq) fails that job with a message naming
the signal and the step; endless steps end at their deadline; limits
stop runaway flows; locks die with their holder; the worker sandbox
keeps a hostile plugin out of what is not its business.

A plugin that misbehaves on purpose (tests/e2e/plugins/misbehave.c) is
loaded beside the real ones.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import octo_e2e as E  # noqa: E402
from octo_e2e import check, wait_for  # noqa: E402

TEST_PLUGINS = os.environ.get("OCTO_TEST_PLUGIN_DIR", "")

OK_FLOW = "name: ok\nsteps:\n- name: one\n  type: jq\n  jq: {expression: '{\"ok\": true}'}\n"


def jq_flow(name, expression, data="{}"):
    return ("name: %s\nsteps:\n- name: setup\n  type: jq\n  jq: {expression: %s}\n"
            "- name: j\n  type: jq\n  jq: {expression: %s, data_key: setup}\n"
            % (name, json.dumps(data), json.dumps(expression)))


def misbehave_flow(name, how, prepare=False):
    return ("name: %s\nsteps:\n- name: s\n  type: misbehave\n  misbehave: {how: %s%s}\n"
            % (name, how, ", crash_in_prepare: true" if prepare else ""))


FLOWS = {
    "ok.yml": OK_FLOW,
    "bomb.yml": jq_flow("bomb", "def f: [f]; f"),
    "endless.yml": jq_flow("endless", "def f: f; f"),
    "debugjq.yml": jq_flow("debugjq", "[1, 2] | debug | length"),
    "paths.yml": jq_flow("paths", "[paths]", '{"a": {"b": 1}, "c": [2]}'),
    "leafpaths.yml": jq_flow("leafpaths", "[leaf_paths]", '{"a": {"b": 1}, "c": [2]}'),
    "todate.yml": jq_flow("todate", "1e1000 | todate"),
    "setpath.yml": jq_flow("setpath", "setpath([1e9]; 1)"),
    "gsub.yml": jq_flow("gsub", 'gsub(""; "x")', '"abc"'),
    "segv.yml": misbehave_flow("segv", "segv"),
    "abort.yml": misbehave_flow("abort", "abort"),
    "exit.yml": misbehave_flow("exit", "exit"),
    "oom.yml": misbehave_flow("oom", "oom"),
    "spin.yml": misbehave_flow("spin", "spin"),
    "hostile.yml": misbehave_flow("hostile", "hostile"),
    "badprepare.yml": misbehave_flow("badprepare", "ok", prepare=True),
    "finally_string.yml": ("name: finally_string\nfinally_step: cleanup\nsteps:\n"
                           "- just a string\n- name: cleanup\n  type: jq\n  jq: {expression: '1'}\n"),
    "lastloop.yml": ("name: lastloop\nsteps:\n- name: items\n  type: jq\n"
                     "  jq: {expression: '[range(0; 40)]'}\n"
                     "- name: each\n  type: flow_loop\n  flow_loop: {path: slowitem.yml, data_key: items,"
                     " max_workers: 2}\n"),
    "slowitem.yml": E.slow_flow("slowitem", 2),
    "fanout.yml": ("name: fanout\nsteps:\n- name: two\n  type: jq\n  jq: {expression: '[1, 2]'}\n"
                   "- name: again\n  type: flow_loop\n  flow_loop: {path: fanout.yml, data_key: two}\n"),
    "slow.yml": E.slow_flow("slow", 300),  # ~30 s: outlives a service restart
}

srv = None


def setup():
    global srv
    plugins = E.PLUGINS + (":" + TEST_PLUGINS if TEST_PLUGINS else "")
    env = {"PLUGINS_PATH": plugins, "FLOW_MAX_WORKERS": "3", "KILL_GRACE_SECONDS": "1",
           "WORKER_MAX_MEMORY_MB": "256",
           # a crash is the test: let it be a plain signal in the ASan build
           # too, and let malloc fail instead of ASan aborting on it
           "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:handle_segv=0:handle_abort=0:"
                           "allocator_may_return_null=1"}
    srv = E.Server(flows=FLOWS, env=env, name="crash")
    with open(os.path.join(srv.data, "secrets.yml"), "w") as f:
        f.write("- name: s1\n  type: token\n  token: t0ps3cret-value\n")
    srv.start()


def launch_v1(path, data=None, timeout=None, wait=120):
    body = {"path": path}
    if data is not None:
        body["data"] = data
    if timeout is not None:
        body["timeout_seconds"] = timeout
    return srv.post("/api/v1/jobs?wait=%d" % wait, body)


def still_fine():
    """The service answers and the next job succeeds."""
    r = srv.get("/api/health", auth=False)
    check(r.status == 200, "health after the case: %r" % r)
    r = launch_v1("ok.yml")
    check(r.status == 200 and r.json()["status"] == "success", "the next job succeeds: %r" % r)
    check(srv.proc.poll() is None, "the service is still running")


def finished(path, timeout=None, data=None, wait=120):
    r = launch_v1(path, data=data, timeout=timeout, wait=wait)
    assert r.status == 200, "%s: %r" % (path, r)
    return r.json()


def test_jq_memory_bomb_fails_its_job_only():
    t0 = time.time()
    j = finished("bomb.yml")
    check(j["status"] == "failed" and "out of memory" in (j["error"] or ""),
          "the job failed with out of memory: %r" % j["error"])
    check("in step 'j' (jq)" in (j["error"] or ""), "the step is named: %r" % j["error"])
    check(time.time() - t0 < 60 * E.SLOW, "it took %.1f s" % (time.time() - t0))
    still_fine()


def test_jq_debug_builtin_works():
    j = finished("debugjq.yml")
    check(j["status"] == "success" and j["result"]["j"] == 2, j)
    still_fine()


def test_jq_paths_and_leaf_paths_work():
    j = finished("paths.yml")
    check(j["status"] == "success" and j["result"]["j"] == [["a"], ["a", "b"], ["c"], ["c", 0]], j)
    j = finished("leafpaths.yml")
    check(j["status"] == "success" and j["result"]["j"] == [["a", "b"], ["c", 0]], j)
    still_fine()


def test_endless_jq_ends_at_its_deadline():
    t0 = time.time()
    j = finished("endless.yml", timeout=1)
    took = time.time() - t0
    check(j["status"] == "timeout", j)
    check("KILL_GRACE_SECONDS" in (j["error"] or "") and "step 'j' (jq)" in j["error"], j["error"])
    check(took < 1 + 1 + 3 * E.SLOW, "ended %.1f s after launch (timeout 1 s + kill grace 1 s)" % took)
    check("endless.yml.lock" not in [l["filename"] for l in srv.locks()], "its lock was released")
    still_fine()


def test_other_libjq_killers_fail_their_job():
    for path in ("todate.yml", "setpath.yml", "gsub.yml"):
        j = finished(path, timeout=5)
        check(j["state"] == "finished" and j["status"] in ("failed", "timeout", "success"),
              "%s ends: %r" % (path, j))
        if j["status"] != "success":
            check(j["error"], "%s says why" % path)
        still_fine()


def test_misbehaving_plugin_crashes_are_contained():
    expect = {"segv.yml": r"worker crashed: SIGSEGV in step 's' \(misbehave\)",
              "abort.yml": r"worker crashed: SIGABRT in step 's' \(misbehave\)",
              "exit.yml": r"worker exited with status 7 in step 's' \(misbehave\)",
              "oom.yml": r"out of memory"}
    before = srv.get("/api/health", auth=False).json()["workers"]["crashes"]
    for path, pattern in expect.items():
        j = finished(path)
        check(j["status"] == "failed" and re.search(pattern, j["error"] or ""),
              "%s: %r" % (path, j["error"]))
        tl = j["timeline"]
        check(tl and tl[-1]["name"] == "s" and tl[-1]["outcome"] == "aborted",
              "%s: the step that was running is in the timeline: %r" % (path, tl))
        still_fine()
    after = srv.get("/api/health", auth=False).json()["workers"]
    check(after["crashes"] >= before + 4, "crashes counted: %r" % after)
    check(after["idle"] + after["busy"] + after["starting"] == after["workers"],
          "dead workers were replaced: %r" % after)


def test_spinning_plugin_is_killed_at_the_deadline():
    t0 = time.time()
    j = finished("spin.yml", timeout=1)
    check(j["status"] == "timeout" and "step 's' (misbehave)" in j["error"], j)
    check(time.time() - t0 < 2 + 3 * E.SLOW, "took %.1f s" % (time.time() - t0))
    still_fine()


def test_cancel_kills_what_does_not_stop():
    r = srv.post("/api/v1/jobs", {"path": "spin.yml"})
    assert r.status == 202, r
    jid = r.json()["job_id"]
    # its step running, not only the job: a cancel that comes before the
    # step starts is a plain cancel, nothing to kill
    wait_for(lambda: (srv.get("/api/v1/jobs/%s" % jid).json().get("current_step") or {}).get("name")
             == "s", 10 * E.SLOW, what="the spinning step to run")
    t0 = time.time()
    r = srv.post("/api/v1/jobs/%s/cancel" % jid, {})
    check(r.status == 202, r)
    j = wait_for(lambda: (lambda v: v if v["state"] == "finished" else None)(
        srv.get("/api/v1/jobs/%s" % jid).json()), 10 * E.SLOW, what="the cancel")
    check(j["status"] == "cancelled" and "killed" in j["error"], j)
    check(time.time() - t0 < 1 + 3 * E.SLOW, "cancelled in %.1f s (kill grace 1 s)" % (time.time() - t0))
    still_fine()


def test_a_crash_while_checking_a_flow_is_a_refusal():
    r = srv.post("/api/v1/jobs", {"path": "badprepare.yml"})
    check(r.status == 400 and "crashed" in r.json()["error"], r)
    r = srv.launch("badprepare.yml")
    check(r.status == 400, r)
    still_fine()


def test_step_entry_that_is_a_string():
    r = srv.launch("finally_string.yml")
    check(r.status == 400 and "finally_string.yml:4" in r.json()["error"], r)
    still_fine()


def test_deadline_inside_a_last_step_loop_is_a_timeout():
    j = finished("lastloop.yml", timeout=0.5)
    check(j["status"] == "timeout", "not a success: %r" % j["status"])
    r = srv.post("/api/flows/launch", {"path": "lastloop.yml", "timeout_seconds": 0.5})
    check(r.status == 500 and "timed out" in r.json()["error"], r)
    still_fine()


def test_self_calling_loop_stops_at_a_limit():
    t0 = time.time()
    j = finished("fanout.yml")
    check(j["status"] == "failed" and ("FLOW_MAX_DEPTH" in j["error"] or "MAX_SUBRUNS_PER_RUN" in j["error"]),
          j["error"])
    check(time.time() - t0 < 30 * E.SLOW, "it stopped after %.1f s" % (time.time() - t0))
    still_fine()


def test_timeouts_and_intervals_are_validated():
    for t in (1e19, 0, -1, "5", 31622401):
        r = srv.post("/api/v1/jobs", {"path": "ok.yml", "timeout_seconds": t})
        check(r.status == 400 and "timeout_seconds" in r.json()["error"], "timeout %r: %r" % (t, r))
        r = srv.launch("ok.yml", extra={"timeout_seconds": t})
        check(r.status == 400, "legacy launch, timeout %r: %r" % (t, r))
    # JSON has no inf or nan; the parser's extensions are refused whole
    for raw in ('{"path": "ok.yml", "timeout_seconds": Infinity}',
                '{"path": "ok.yml", "timeout_seconds": NaN}'):
        r = srv.request("POST", "/api/v1/jobs", raw=raw, headers={"Content-Type": "application/json"})
        check(r.status == 400, "%s: %r" % (raw, r))
    for every in (9223372036854775807, 31622401, 0, -5):
        r = srv.post("/api/v1/schedules", {"path": "ok.yml", "every_seconds": every})
        check(r.status == 400, "every_seconds %r: %r" % (every, r))
    check(srv.get("/api/v1/schedules").json()["schedules"] == [], "nothing was scheduled")
    still_fine()


def test_hostile_plugin_is_sandboxed():
    health = srv.get("/api/health", auth=False).json()["workers"]
    j = finished("hostile.yml")
    check(j["status"] == "success", j)
    got = j["result"]["s"]
    if health["sandbox"]["landlock"] > 0:
        for k in ("read_shadow", "read_own_environ", "read_parent_environ", "write_tmp"):
            check(got[k] != "allowed", "%s must be denied: %r" % (k, got))
    else:
        print("  (kernel without Landlock: read confinement not asserted)")
        srv.log_has("sandbox incomplete")  # the missing sandbox is logged
    if health["sandbox"]["protected_files"]:
        check(got["write_secrets"] != "allowed" and got["write_flows"] != "allowed",
              "protected files stay read-only: %r" % got)
    else:
        srv.log_has("sandbox incomplete")  # the missing protection is logged
    check(got["write_data"] == "allowed", "DATA_PATH stays writable: %r" % got)
    check(got["env_api_token"] == "absent", "the API token is not in a worker's environment")
    with open(os.path.join(srv.data, "secrets.yml")) as f:
        check("t0ps3cret-value" in f.read(), "secrets.yml untouched")
    still_fine()


def test_a_cli_run_lock_survives_a_service_restart():
    env = dict(srv.env_used)
    cli = subprocess.Popen([E.BIN, "run", "slow.yml"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        lock = os.path.join(srv.lock_dir, "slow.yml.lock")
        wait_for(lambda: os.path.exists(lock) and "pid=%d" % cli.pid in open(lock).read(),
                 10 * E.SLOW, what="the CLI to hold the lock")
        srv.stop()
        srv.start()
        check(os.path.exists(lock), "a restart deletes no lock file")
        r = srv.launch("slow.yml")
        check(r.status == 409, "the CLI's run still holds the flow: %r" % r)
        cli.kill()
        cli.wait()
        r = launch_v1("slow.yml", timeout=0.2)
        check(r.status == 200 and r.json()["state"] == "finished",
              "the lock died with the CLI: %r" % r)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    still_fine()


def test_sigterm_with_an_endless_step_completes():
    s = E.Server(flows=FLOWS, name="sigterm",
                 env={"SHUTDOWN_GRACE": "1", "KILL_GRACE_SECONDS": "1",
                      "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:handle_segv=0"})
    try:
        s.start()
        r = s.post("/api/v1/jobs", {"path": "endless.yml"})
        assert r.status == 202, r
        jid = r.json()["job_id"]
        wait_for(lambda: s.get("/api/v1/jobs/%s" % jid).json()["state"] == "running",
                 10 * E.SLOW, what="the endless job")
        took = s.stop()
        check(took < 1 + 1 + 4 * E.SLOW, "SIGTERM completed in %.1f s (grace 1 + kill grace 1)" % took)
        s.start()
        j = s.get("/api/v1/jobs/%s" % jid).json()
        check(j["status"] == "cancelled" and "shut down" in (j["error"] or "") or "cancelled" in (j["error"] or ""),
              "the job says it was stopped by the shutdown: %r" % j)
        s.stop()
    finally:
        s.cleanup()


def test_zz_clean_shutdown():
    took = srv.stop()
    check(took < 10 * E.SLOW, "stopped in %.1f s" % took)
    for b in srv.bodies:
        check(b"t0ps3cret-value" not in b, "a response leaked a secret")


if __name__ == "__main__":
    try:
        setup()
        E.run_tests(globals())
    finally:
        if srv is not None:
            srv.cleanup()
