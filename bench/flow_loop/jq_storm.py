#!/usr/bin/env python3
"""jq compile storm (issue 13), bench/flow_loop/jq_storm.py BUILD_DIR.

A flow_loop over ITEMS items whose item flow has a jq step and a
jq_expression (two jq programs, no I/O), run cold by `octoflow run` (a fresh
process: nothing compiled yet) with max_workers 2 and 16
(FLOW_MAX_WORKERS=16; JOBS_DB=none: the store is not what is measured),
REPEAT times each, alternating. items/s from the loop flow's own run time
(its "finished successfully in N ms" line), the median of the runs. With
compiled jq programs shared (or cloned) between the loop's threads, 16
workers are no slower per item than 2; with one compile per worker thread
they are (libjq 1.6: ~20 ms a program). Target: items/s with 16 >= items/s
with 2 (we allow 5% for noise).

Environment: ITEMS (10000), REPEAT (5), RESULTS_DIR.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import json

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import octobench as ob  # noqa: E402

ITEM_FLOW = """name: storm item
steps:
- name: shape
  type: jq
  jq:
    expression: '{id: .id, name: ("item " + (.id | tostring)), tags: [.tags[] | ascii_upcase], score: (.a * 3 + .b)}'
    data_key: __input__
  jq_expression: '{id, name, tags: (.tags | join(",")), hot: (.score > 100)}'
"""


def run_once(build, data, workers, items):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "DATA_", "LOG_"))}
    env.update({"DATA_PATH": data, "PLUGINS_PATH": os.path.join(build, "plugins"),
                "FLOW_MAX_WORKERS": "16", "JOBS_DB": "none"})
    flow = "loop_%d.yml" % workers
    p = subprocess.run([os.path.join(build, "octoflow"), "run", flow, "--data", "@" + os.path.join(data, "items.json")],
                       env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("octoflow run %s: exit %d: %s" % (flow, p.returncode, p.stderr[-800:]))
    out = json.loads(p.stdout)
    if len(out["loop"]) != items or out["loop"][-1]["shape"]["id"] != items:
        raise RuntimeError("unexpected loop output")
    # the run's summary line on stderr: "success loop_2.yml in 123.45 ms (...)"
    m = re.findall(r"^success %s in ([\d.]+) ms" % re.escape(flow), p.stderr, re.M)
    if not m:
        raise RuntimeError("no summary line in the run's stderr: %s" % p.stderr[-400:])
    return float(m[-1])


def main():
    build = ob.build_dir(sys.argv)
    ob.install_signal_handlers()
    items = int(os.environ.get("ITEMS", "10000"))
    repeat = int(os.environ.get("REPEAT", "5"))
    res = ob.Results("jq_storm")
    tmp = tempfile.mkdtemp(prefix="octo-bench13-storm-")
    try:
        data = os.path.join(tmp, "data")
        os.makedirs(os.path.join(data, "flows"))
        with open(os.path.join(data, "flows", "item.yml"), "w") as f:
            f.write(ITEM_FLOW)
        for w in (2, 16):
            with open(os.path.join(data, "flows", "loop_%d.yml" % w), "w") as f:
                f.write("name: loop %d\nsteps:\n- name: loop\n  type: flow_loop\n"
                        "  flow_loop: {path: item.yml, data_key: __input__, max_workers: %d}\n" % (w, w))
        with open(os.path.join(data, "items.json"), "w") as f:
            json.dump([{"id": i + 1, "a": i % 50, "b": 7, "tags": ["x", "y%d" % (i % 3)]} for i in range(items)], f)
        ms = {2: [], 16: []}
        print("jq compile storm: %d items, cold `octoflow run`, load %s" % (items, ob.loadavg()))
        for r in range(repeat):
            for w in (2, 16):
                ms[w].append(run_once(build, data, w, items))
                print("  run %d max_workers %2d: %8.1f ms, %8.0f items/s" % (r + 1, w, ms[w][-1],
                                                                           items / ms[w][-1] * 1000), flush=True)
        ips = {w: items / statistics.median(v) * 1000 for w, v in ms.items()}
        res.details["run_ms"] = {str(k): v for k, v in ms.items()}
        ratio = ips[16] / ips[2]
        res.add("Concurrency", "jq storm: flow_loop %d items, jq step + jq_expression, "
                "cold, max_workers 16: items/s" % items, ips[16], "items/s",
                "max_workers 2, same run", ips[2], ratio, "%.2fx" % ratio,
                ">= 1.0x (5% noise allowed)", ratio >= 0.95,
                "median of %d cold runs each; %d cores" % (repeat, os.cpu_count()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.save()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
