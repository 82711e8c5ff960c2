#!/usr/bin/python3
"""The control steps end to end: the real `octoflow run` and `octoflow
serve` with the bundled goto, switch, set_fact, sleep and exit plugins.

- A REST answer holding a "goto" key is data: the run goes on (the original
  jumped on it).
- A job sleeping 30 s ends within a second of POST /api/v1/jobs/{id}/cancel,
  at its deadline (timeout_seconds), and at a service shutdown once
  SHUTDOWN_GRACE passed (not by the worker kill that comes later).
- exit at top level: job status "exit" with its message in the job record
  and the API answers; the legacy /api/flows/launch answers 200; the CLI
  exits 0 and prints it.
- A goto loop fails at the executed-step cap with a clear error; a
  literal unknown target is a validation error with file:line.
"""
import os
import signal
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import octo_e2e as E  # noqa: E402
from mockserv import MockServer, Octo, check, eq, run_tests  # noqa: E402
from octo_e2e import wait_for  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-control-e2e-")

SLEEPY = """name: sleepy
steps:
- {name: nap, type: sleep, sleep: {seconds: 30}}
- {name: never, type: set_fact, set_fact: {value: woke}}
"""

BYE = """name: bye
steps:
- name: check
  type: switch
  switch:
    data_key: __input__
    cases:
    - when: "nothing"
      step: {name: stop, type: exit, exit: {message: "no tickets for {{ __input__ }}"}}
- {name: never, type: set_fact, set_fact: {value: ran}}
"""


def test_rest_answer_with_goto_key_is_data():
    srv = MockServer(name="goto").start()
    srv.add_route("GET", r"^/jump$", lambda r, m: (200, {"goto": "__start__", "n": 1}))
    try:
        o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
        o.flow("g.yml", """name: g
steps:
- name: call
  type: rest
  rest: {uri: "%s/jump"}
- name: next
  type: set_fact
  set_fact: {value: "after {{ call.goto }}"}
""" % srv.url)
        r = o.run("g.yml")
        eq(r.rc, 0, "the run succeeds: %r" % r)
        eq(r.data["call"], {"goto": "__start__", "n": 1}, "the answer is stored as data")
        eq(r.data["next"], "after __start__", "the next step ran")
        eq(len(srv.got(path="/jump")), 1, "one request: no jump back to the start")
    finally:
        srv.stop()


def job(srv, jid):
    return srv.get("/api/v1/jobs/%s" % jid).json()


def sleeping(srv, jid):
    """True once the job runs its sleep step."""
    j = job(srv, jid)
    return j.get("state") == "running" and (j.get("current_step") or {}).get("name") == "nap"


def finished(srv, jid, timeout):
    return wait_for(lambda: (lambda j: j if j["state"] == "finished" else None)(job(srv, jid)),
                    timeout, interval=0.02, what="the job to finish")


def test_cancel_during_sleep():
    with E.Server(flows={"sleepy.yml": SLEEPY}, name="cancel") as srv:
        r = srv.post("/api/v1/jobs", {"path": "sleepy.yml"})
        eq(r.status, 202, "launched: %r" % r)
        jid = r.json()["job_id"]
        wait_for(lambda: sleeping(srv, jid), 10 * E.SLOW, what="the job to sleep")
        t0 = time.time()
        r = srv.post("/api/v1/jobs/%s/cancel" % jid, {})
        check(r.status == 202, "cancel accepted: %r" % r)
        j = finished(srv, jid, 5 * E.SLOW)
        took = time.time() - t0
        print("  cancel -> finished in %.3f s" % took)
        eq(j["status"], "cancelled", "the job record: %r" % j)
        check(took < 1.0, "a 30 s sleep ended %.3f s after the cancel" % took)
        steps = job(srv, jid).get("timeline") or []
        naps = [s for s in steps if s["name"] == "nap"]
        check(naps and naps[-1]["outcome"] == "failed" and
              naps[-1]["error"]["type"] == "cancelled", "the sleep step failed cancelled: %r" % naps)
        check(not any(s["name"] == "never" for s in steps), "nothing ran after it")


def test_timeout_during_sleep():
    with E.Server(flows={"sleepy.yml": SLEEPY}, name="timeout") as srv:
        t0 = time.time()
        r = srv.post("/api/v1/jobs?wait=60", {"path": "sleepy.yml", "timeout_seconds": 1})
        took = time.time() - t0
        print("  timeout_seconds 1 -> answered in %.3f s" % took)
        eq(r.status, 200, "waited for the end: %r" % r)
        j = r.json()
        eq(j["status"], "timeout", "the job: %r" % j)
        check(1.0 <= took < 1.0 + 1.5 * E.SLOW, "ended at the deadline, after %.3f s" % took)


def test_shutdown_during_sleep():
    srv = E.Server(flows={"sleepy.yml": SLEEPY}, name="shutdown",
                   env={"SHUTDOWN_GRACE": "1", "KILL_GRACE_SECONDS": "20"})
    srv.start()
    try:
        r = srv.post("/api/v1/jobs", {"path": "sleepy.yml"})
        eq(r.status, 202, "launched: %r" % r)
        jid = r.json()["job_id"]
        wait_for(lambda: sleeping(srv, jid), 10 * E.SLOW, what="the job to sleep")
        t0 = time.time()
        srv.stop(sig=signal.SIGTERM)
        took = time.time() - t0
        print("  SIGTERM with SHUTDOWN_GRACE=1 -> exited in %.3f s" % took)
        # the worker would be killed only 20 s after the grace: an exit well
        # before that means the sleep itself ended on the shutdown's cancel
        check(took < 1.0 + 3.0 * E.SLOW, "the service stopped %.3f s after SIGTERM" % took)
        check("killed" not in srv.log(), "no worker had to be killed")
    finally:
        srv.cleanup()


def test_exit_at_top_level():
    with E.Server(flows={"bye.yml": BYE}, name="exit") as srv:
        r = srv.post("/api/v1/jobs?wait=60", {"path": "bye.yml", "data": "nothing new"})
        eq(r.status, 200, "waited for the end: %r" % r)
        j = r.json()
        eq(j["status"], "exit", "job status: %r" % j)
        eq(j["error"], "Flow exited with message: no tickets for nothing new", "the message")
        d = job(srv, j["id"])
        eq((d["status"], d["errors"], d["error"]),
           ("exit", "Flow exited with message: no tickets for nothing new",
            "Flow exited with message: no tickets for nothing new"), "the job record")
        check("never" not in d["result"], "nothing ran after the exit: %r" % d["result"])
        listed = [x for x in srv.get("/api/v1/jobs?status=exit").json()["jobs"] if x["id"] == j["id"]]
        eq(len(listed), 1, "listed with status exit")
        # the legacy launch route: 200, not a failure
        r = srv.post("/api/flows/launch", {"path": "bye.yml", "data": "nothing at all"})
        eq(r.status, 200, "legacy launch: %r" % r)
        check(r.json()["status"].startswith("Flow bye.yml exited: ") and
              r.json()["status"].endswith("no tickets for nothing at all"), r.json())
        # a value that matches no case: the run goes on and succeeds
        r = srv.post("/api/flows/launch", {"path": "bye.yml", "data": "3 tickets"})
        eq(r.status, 200, "legacy launch: %r" % r)
        eq(r.json()["data"]["never"], "ran", "no case matched: the next step ran")


def test_cli_exit_loop_cap_and_validation():
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    o.flow("bye.yml", BYE)
    r = o.run("bye.yml", data="nothing")
    eq(r.rc, 0, "exit is not a failure: %r" % r)
    check("octoflow run: Flow exited with message: no tickets for nothing" in r.stderr, r.stderr)
    o.flow("loop.yml", """name: loop
max_steps: 50
steps:
- {name: a, type: set_fact, set_fact: {value: x}}
- {name: b, type: goto, goto: {step_name: a}}
""")
    r = o.run("loop.yml")
    eq(r.rc, 1, "a goto loop fails: %r" % r)
    check("octoflow run: flow failed: a: the run executed 50 steps, the limit (the flow's "
          "max_steps): a goto loop?" in r.stderr, r.stderr)
    r = o.run("loop.yml", env={"MAX_STEPS_PER_RUN": "1000"})
    eq(r.rc, 1, "the flow's max_steps wins: %r" % r)
    o.flow("loop2.yml", "name: loop2\nsteps:\n- {name: a, type: goto, goto: {step_name: a}}\n")
    r = o.run("loop2.yml", env={"MAX_STEPS_PER_RUN": "30"})
    eq(r.rc, 1, "MAX_STEPS_PER_RUN: %r" % r)
    check("the run executed 30 steps, the limit (MAX_STEPS_PER_RUN): a goto loop?" in r.stderr,
          r.stderr)
    o.flow("bad.yml", """name: bad
steps:
- name: jump
  type: goto
  goto:
    step_name: nowhere
- name: sw
  type: switch
  switch:
    data_key: x
    cases:
    - when: "("
      step: {name: s1, type: goto, goto: {step_name: __end__}}
""")
    v = o.validate("bad.yml")
    eq(v.rc, 1, "invalid: %r" % v)
    check('bad.yml:6: steps[0] ("jump"): step_name: no step is named "nowhere"' in v.stdout,
          v.stdout)
    check('bad.yml:12: steps[1] ("sw").switch.cases[0].when: bad regular expression' in v.stdout,
          v.stdout)


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        import shutil
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
