#!/usr/bin/python3
"""The flow and flow_loop steps end to end (`octoflow run`), with loop
items calling a recording HTTP server on 127.0.0.1 (tests/e2e/mockserv.py).

Covers: the flow step's output (the sub-flow's final flow data), its
__input__ from data_key, failure propagation and fail_on_error: false;
flow_loop output in input order with __input__/__loop_index__, item errors
merged into the parent's __errors__ with loop_index, fail_on_item_error,
bad data_key values; the depth limit for flows that call themselves
(directly, mutually, through flow_loop); parallelism (20 items of 200 ms
with max_workers 8 vs 1, peak concurrency seen by the server), nested
loops on a small pool, and cancellation of a running loop.
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import SLOW, MockServer, Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-subflows-e2e-")


class Concurrency:
    """A /work/<ms> route that sleeps and records the peak number of
    requests in flight."""

    def __init__(self, server):
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        server.add_route("GET", r"^/work/(\d+)$", self.work)

    def reset(self):
        with self.lock:
            self.now = self.peak = 0

    def work(self, req, m):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(int(m.group(1)) / 1000.0)
        finally:
            with self.lock:
                self.now -= 1
        return 200, {"item": req.query, "t": time.time()}


SRV = MockServer(name="api").start()
CONC = Concurrency(SRV)

VOLATILE = ("__timestamp__",)


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def strip(d):
    """Flow data without the keys that change from run to run."""
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in VOLATILE}
    if isinstance(d, list):
        return [strip(x) for x in d]
    return d


CHILD = """name: child
steps:
- name: doubled
  type: jq
  jq: {expression: '(.n // 0) * 2', data_key: __input__}
- name: echo
  type: rest
  rest:
    uri: "%s/echo/child/{{ __input__.n }}"
  jq_expression: .path
"""

FAILING_CHILD = """name: failing child
steps:
- name: ok
  type: jq
  jq: {expression: '"fine"'}
- name: boom
  type: jq
  jq: {expression: 'error("child exploded")'}
- name: never
  type: jq
  jq: {expression: '"not reached"'}
"""


def test_flow_step_output():
    o = octo()
    o.flow("sub/child.yml", CHILD % SRV.url)
    o.flow("parent.yml", """name: parent
steps:
- name: ticket
  type: jq
  jq: {expression: '{n: 21, tag: "x"}'}
- name: run child
  type: flow
  flow: {path: sub/child.yml, data_key: ticket}
- name: no input
  type: flow
  result_key: bare
  flow: {path: sub/child.yml}
- name: whole
  type: flow
  flow: {path: sub/child.yml, data_key: "."}
  jq_expression: '.__input__.ticket'
""")
    SRV.clear()
    r = o.run("parent.yml")
    eq(r.rc, 0, "run: %r" % r)
    eq(strip(r["run child"]), {"__errors__": [], "__input__": {"n": 21, "tag": "x"},
                               "__loop_index__": None, "__job_id__": None,
                               "__flow_path__": "sub/child.yml", "doubled": 42,
                               "echo": "/echo/child/21"},
       "the step's output is the sub-flow's final flow data")
    check(len(r["run child"]["__timestamp__"]) == 14, "with its own __timestamp__")
    eq((r["bare"]["__input__"], r["bare"]["doubled"], r["bare"]["echo"]), (None, 0, "/echo/child/"),
       "no data_key: __input__ is null")
    eq(r["whole"], {"n": 21, "tag": "x"}, "data_key '.': the whole parent data as __input__")
    eq([q.path for q in SRV.got()], ["/echo/child/21", "/echo/child/", "/echo/child/"],
       "each sub-flow ran once, in order")
    check(len(r["__job_id__"]) == 36, "the parent has a job id, sub-flows none")


def test_flow_step_failure():
    o = octo()
    o.flow("failing.yml", FAILING_CHILD)
    o.flow("strict.yml", """name: strict
steps:
- name: call
  type: flow
  flow: {path: failing.yml, data_key: __input__}
- name: after
  type: jq
  jq: {expression: '"should not run"'}
""")
    o.flow("lenient.yml", """name: lenient
steps:
- name: call
  type: flow
  flow: {path: failing.yml, data_key: __input__, fail_on_error: false}
- name: after
  type: jq
  jq: {expression: '"ran"'}
""")
    o.flow("ignoring.yml", """name: ignoring
steps:
- name: call
  type: flow
  ignore_errors: ["^subflow: sub-flow failing.yml failed: boom: .*child exploded"]
  flow: {path: failing.yml}
- name: after
  type: jq
  jq: {expression: '"ran"'}
""")
    r = o.run("strict.yml", data={"a": 1})
    eq(r.rc, 1, "a failing sub-flow fails the flow step: %r" % r)
    eq(len(r.errors), 1, "one error in the parent")
    e = r.errors[0]
    eq(e["step"], "call", "the parent's step")
    eq(e["error"]["type"], "subflow", "type subflow")
    check(e["error"]["message"].startswith("sub-flow failing.yml failed: boom: ")
          and "child exploded" in e["error"]["message"], "message names flow, step, cause: %r" % e)
    check("call" not in r.data and "after" not in r.data, "nothing stored, flow stopped")
    check("[failing child][boom // jq] Error in step boom" in o.log(), "the child's error is logged")

    r = o.run("lenient.yml", data={"a": 1})
    eq(r.rc, 0, "fail_on_error: false: %r" % r)
    c = r["call"]
    eq((c["ok"], "never" in c, c["__input__"]), ("fine", False, {"a": 1}), "the failed sub-flow's data")
    eq(c["__errors__"][0]["step"], "boom", "with its __errors__")
    check("child exploded" in c["__errors__"][0]["error"]["message"], "and the message")
    eq(r["after"], "ran", "the parent goes on")
    eq(r.errors, [], "the parent has no error")

    r = o.run("ignoring.yml")
    eq(r.rc, 0, "ignore_errors matches the subflow error text: %r" % r)
    check("ignored" in r.errors[0] and r["after"] == "ran", "ignored, flow went on")

    # a sub-flow that does not exist / escapes FLOWS_PATH
    o.flow("missing.yml", "name: m\nsteps:\n- name: x\n  type: flow\n  flow: {path: nope.yml}\n")
    r = o.run("missing.yml")
    eq(r.rc, 1, "missing sub-flow: %r" % r)
    check("nope.yml" in r.errors[0]["error"]["message"], "names it: %r" % r.errors)
    o.flow("escape.yml", "name: e\nsteps:\n- name: x\n  type: flow\n  flow: {path: ../secrets.yml}\n")
    v = o.validate("escape.yml")
    eq(v.rc, 1, "a path out of FLOWS_PATH is invalid: %r" % v)
    # an invalid sub-flow
    o.flow("broken.yml", "name: b\nsteps:\n- name: x\n  type: nosuch\n")
    o.flow("callbroken.yml", "name: cb\nsteps:\n- name: x\n  type: flow\n  flow: {path: broken.yml}\n")
    r = o.run("callbroken.yml")
    eq(r.rc, 1, "invalid sub-flow: %r" % r)
    eq(r.errors[0]["error"]["type"], "subflow", "type")
    check("broken.yml" in r.errors[0]["error"]["message"], "names it: %r" % r.errors)


def test_depth_limit():
    """A flow that calls itself stops at FLOW_MAX_DEPTH with an error that
    says so (not a crash, not a hang, not a truncated chain)."""
    o = octo()
    o.flow("self.yml", """name: self
steps:
- name: count
  type: jq
  jq: {expression: '(.depth // 0) + 1', data_key: __input__}
- name: again
  type: flow
  flow: {path: self.yml, data_key: next}
  jq_expression: '.again // .count'
""".replace("data_key: next", "data_key: nextin") .replace("- name: again", """- name: nextin
  type: jq
  jq: {expression: '{depth: .count}'}
- name: again"""))
    r = o.run("self.yml")
    eq(r.rc, 1, "stops with a failure: %r" % r)
    msg = r.errors[0]["error"]["message"]
    check("depth limit (FLOW_MAX_DEPTH=16) reached calling self.yml" in msg,
          "the top-level error says why: %r" % msg)
    check("sub-flow depth limit (FLOW_MAX_DEPTH=16) reached calling self.yml: does a flow call itself?" in o.log(),
          "and the log")
    check(len(msg) < 512, "the message is not truncated")

    r = o.run("self.yml", env={"FLOW_MAX_DEPTH": "3"})
    eq(r.rc, 1, "FLOW_MAX_DEPTH=3")
    check("depth limit (FLOW_MAX_DEPTH=3) reached" in r.errors[0]["error"]["message"], "message: %r" % r.errors)
    runs = o.log().split("Flow self.yml started")[-1].count("[again // flow] -> sub-flow self.yml")
    eq(runs, 4, "the top flow and 3 nested levels each started the call")

    o.flow("a.yml", "name: a\nsteps:\n- name: to b\n  type: flow\n  flow: {path: b.yml}\n")
    o.flow("b.yml", "name: b\nsteps:\n- name: to a\n  type: flow\n  flow: {path: a.yml}\n")
    r = o.run("a.yml")
    eq(r.rc, 1, "mutual recursion stops")
    check("depth limit (FLOW_MAX_DEPTH=16)" in r.errors[0]["error"]["message"], "says why: %r" % r.errors)

    o.flow("loopself.yml", """name: loopself
steps:
- name: items
  type: jq
  jq: {expression: '[1]'}
- name: loop
  type: flow_loop
  flow_loop: {path: loopself.yml, data_key: items, fail_on_item_error: true}
""")
    t0 = time.time()
    r = o.run("loopself.yml", env={"FLOW_MAX_DEPTH": "5"})
    eq(r.rc, 1, "a flow_loop over itself stops: %r" % r)
    check(any("depth limit (FLOW_MAX_DEPTH=5)" in e["error"]["message"] for e in r.errors),
          "depth limit named: %r" % r.errors)
    check(time.time() - t0 < 10 * SLOW, "quickly")


ITEM = """name: item
steps:
- name: call
  type: rest
  rest:
    uri: "%s/sleep/{{ __input__.ms }}/item/{{ __loop_index__ }}"
    query: {name: "{{ __input__.name }}"}
  jq_expression: '{path, query}'
- name: check
  type: jq
  jq: {expression: 'if .fail then error("item \\(.name) failed") else .name end', data_key: __input__}
"""

LOOP = """name: loop
steps:
- name: loop
  type: flow_loop
  flow_loop: {path: item.yml, data_key: __input__%s}
- name: after
  type: jq
  jq: {expression: '"after"'}
"""


def test_flow_loop_results_in_input_order():
    o = octo()
    o.flow("item.yml", ITEM % SRV.url)
    o.flow("loop.yml", LOOP % ", max_workers: 4")
    # later items answer first: the output still follows the input order
    items = [{"name": "n%d" % i, "ms": (7 - i) * 40} for i in range(8)]
    SRV.clear()
    r = o.run("loop.yml", data=items)
    eq(r.rc, 0, "run: %r" % r)
    out = r["loop"]
    eq(len(out), 8, "one result per item")
    for i, d in enumerate(out):
        eq(d["__input__"], items[i], "item %d input" % i)
        eq(d["__loop_index__"], i + 1, "1-based __loop_index__")
        eq(d["__flow_path__"], "item.yml", "path")
        eq(d["__job_id__"], None, "no job id for items")
        eq(d["call"], {"path": "/sleep/%d/item/%d" % (items[i]["ms"], i + 1),
                       "query": "name=n%d" % i}, "item %d REST result" % i)
        eq(d["check"], "n%d" % i, "item %d last step" % i)
    eq(r.errors, [], "no errors")
    eq(r["after"], "after", "the flow goes on")
    check("[item][3][call // rest]" in o.log(), "item log lines carry the loop index")
    # empty list: []
    r = o.run("loop.yml", data=[])
    eq((r.rc, r["loop"]), (0, []), "empty input: []")
    # not a list / missing
    for data, what in ((None, "null"), ({"a": 1}, "a mapping"), ("text", "a string")):
        r = o.run("loop.yml", data=data)
        eq(r.rc, 1, "%s is refused: %r" % (what, r))
        eq(r.errors[0]["error"]["message"], 'Data key must produce a list: "__input__" is %s' % what,
           "message")
    o.flow("nokey.yml", "name: nk\nsteps:\n- name: l\n  type: flow_loop\n  flow_loop: "
           "{path: item.yml, data_key: nothing_here}\n")
    r = o.run("nokey.yml")
    eq(r.rc, 1, "missing data_key key: %r" % r)
    check("nothing_here" in r.errors[0]["error"]["message"], "names the key: %r" % r.errors)


def test_flow_loop_item_errors():
    o = octo()
    o.flow("item.yml", ITEM % SRV.url)
    o.flow("loop.yml", LOOP % "")
    o.flow("strict.yml", LOOP % ", fail_on_item_error: true")
    items = [{"name": "a", "ms": 0}, {"name": "b", "ms": 0, "fail": True}, {"name": "c", "ms": 0},
             {"name": "d", "ms": 0, "fail": True}]
    r = o.run("loop.yml", data=items)
    eq(r.rc, 0, "by default failed items do not fail the step (as the original): %r" % r)
    eq(len(r.errors), 2, "two item errors in the parent")
    for e, idx, name in zip(r.errors, (2, 4), ("b", "d")):
        eq((e["step"], e["loop_index"], e["error"]["type"]), ("check", idx, "jq"), "error record")
        check("item %s failed" % name in e["error"]["message"], "message: %r" % e)
    eq([("check" in d) for d in r["loop"]], [True, False, True, False], "failed items have no result")
    eq(r["loop"][1]["__errors__"][0]["step"], "check", "the item's own __errors__")
    check("loop_index" not in r["loop"][1]["__errors__"][0], "marked only in the parent")
    eq(r["after"], "after", "the flow went on")
    check("2 of 4 item(s) failed" in o.log(), "warning logged")

    r = o.run("strict.yml", data=items)
    eq(r.rc, 1, "fail_on_item_error: true fails the step: %r" % r)
    msgs = [(e["step"], e.get("loop_index"), e["error"]["message"]) for e in r.errors]
    check(("loop", None, "2 of 4 item(s) of item.yml failed") in msgs, "step error: %r" % msgs)
    eq(sorted(i for s, i, m in msgs if s == "check"), [2, 4], "the item errors are kept: %r" % msgs)
    check("after" not in r.data and "loop" not in r.data, "the flow stopped, no output stored")


def _loop_timing(o, workers, n=20, ms=200, env=None):
    items = [{"name": "p%d" % i, "ms": ms} for i in range(n)]
    o.flow("par%d.yml" % workers, LOOP.replace("item.yml", "work.yml") % (", max_workers: %d" % workers))
    CONC.reset()
    t0 = time.time()
    r = o.run("par%d.yml" % workers, data=items, env=env)
    took = time.time() - t0
    eq(r.rc, 0, "run: %r" % r)
    eq([d["call"]["item"] for d in r["loop"]], ["i=%d" % (i + 1) for i in range(n)], "all items, in order")
    return took, CONC.peak


def test_parallelism():
    """20 items that each make a 200 ms REST call: max_workers 8 runs 8 at a
    time (far less than 20 x 200 ms), max_workers 1 one after the other."""
    o = octo()
    o.flow("work.yml", """name: work
steps:
- name: call
  type: rest
  rest: {uri: "%s/work/{{ __input__.ms }}", query: {i: "{{ __loop_index__ }}"}}
""" % SRV.url)
    took8, peak8 = _loop_timing(o, 8)
    check(took8 < 2.0 * SLOW, "max_workers 8: 20 x 200 ms took %.2fs (serial: 4 s)" % took8)
    # 8 at the peak (7 tolerated: a helper thread starting 200 ms late on a loaded CI machine)
    check(7 <= peak8 <= 8, "about 8 requests in flight at the peak, never more: %d" % peak8)
    took1, peak1 = _loop_timing(o, 1)
    check(took1 >= 4.0, "max_workers 1 serialises: %.2fs" % took1)
    eq(peak1, 1, "one request at a time")
    # the default (0) is FLOW_MAX_WORKERS
    o.flow("pardef.yml", LOOP.replace("item.yml", "work.yml") % "")
    CONC.reset()
    r = o.run("pardef.yml", data=[{"ms": 100}] * 12, env={"FLOW_MAX_WORKERS": "3"})
    eq(r.rc, 0, "run")
    eq(CONC.peak, 3, "max_workers default: FLOW_MAX_WORKERS")
    print("  timings: max_workers 8 %.2fs (peak %d), max_workers 1 %.2fs" % (took8, peak8, took1))


def test_nested_loops_small_pool():
    """Loops inside loop items on a pool of 2 workers finish (the waiting
    caller runs items itself) and keep every result."""
    o = octo()
    o.flow("leaf.yml", """name: leaf
steps:
- name: call
  type: rest
  rest: {uri: "%s/work/20", query: {o: "{{ __input__.o }}", i: "{{ __input__.i }}"}}
  jq_expression: .item
""" % SRV.url)
    o.flow("middle.yml", """name: middle
steps:
- name: inner items
  type: jq
  jq: {expression: '[range(0; 4) as $i | {o: .o, i: $i}]', data_key: __input__}
- name: inner
  type: flow_loop
  flow_loop: {path: leaf.yml, data_key: inner items, max_workers: 4}
  jq_expression: '[.[].call]'
""")
    o.flow("outer.yml", """name: outer
steps:
- name: outer
  type: flow_loop
  flow_loop: {path: middle.yml, data_key: __input__, max_workers: 4}
  jq_expression: '[.[].inner]'
""")
    t0 = time.time()
    r = o.run("outer.yml", data=[{"o": k} for k in range(4)], env={"FLOW_MAX_WORKERS": "2"},
              timeout=60 * SLOW)
    eq(r.rc, 0, "nested loops complete: %r" % r)
    eq(r["outer"], [["o=%d&i=%d" % (k, i) for i in range(4)] for k in range(4)], "all 16 leaves, in order")
    check(time.time() - t0 < 20 * SLOW, "no deadlock")


def test_loop_cancelled():
    """run --timeout stops a loop: items not started do not run."""
    o = octo()
    o.flow("work.yml", """name: work
steps:
- name: call
  type: rest
  rest: {uri: "%s/work/400"}
""" % SRV.url)
    o.flow("slow.yml", LOOP.replace("item.yml", "work.yml") % ", max_workers: 2")
    SRV.clear()
    t0 = time.time()
    r = o.cmd(["run", "slow.yml", "--timeout", "1", "--data", json.dumps(list(range(20)))])
    took = time.time() - t0
    eq(r.rc, 1, "the run fails: %r" % r)
    check(took < 4 * SLOW, "stopped early: %.2fs (20 x 400 ms / 2 = 4 s)" % took)
    n = len(SRV.got(prefix="/work/"))
    check(n < 12, "items after the timeout did not call the server (%d calls)" % n)
    check(any(e["error"]["type"] in ("timeout", "cancelled") for e in r.errors), "recorded: %r" % r.errors)


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
