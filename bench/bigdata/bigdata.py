#!/usr/bin/env python3
"""Big data (issue 13), bench/bigdata/bigdata.py BUILD_DIR.

Two jobs, each against `jq` (the command-line tool, jq 1.6) doing the same
transformation on the same file, in the same run; outputs compared:

  loop   file read of a JSON list of ITEMS objects -> flow_loop over it (item
         flow: one jq step reshaping the item) -> jq collecting the items'
         results -> file write (JSON). jq: '[.[] | <the item's program>]'.
  big    file read of a SIZE_MB JSON document -> jq (select and reshape the
         records) -> file write. jq: the same program.

Each runs (1) through the service, in a fresh `octoflow serve` with one
worker (FLOW_MAX_WORKERS=1, WORKER_MAX_MEMORY_MB raised to 8192 so the
limit is not what is measured): time = the job's own duration, peak RSS =
the worker's VmHWM (and the service's, which receives the job's events and
result); and (2) as `octoflow run` under /usr/bin/time -v (process start,
the store and printing the final flow data - which holds the whole input -
to /dev/null included). jq runs under /usr/bin/time -v. Target: peak RSS
<= 3x the input size.

Environment: ITEMS (100000), SIZE_MB (50), RESULTS_DIR.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import octobench as ob  # noqa: E402

MIB = 1024.0 * 1024.0
ITEM_JQ = '{id: .id, v: (.v * 2), name: (.name | ascii_upcase), hot: (.v > 500)}'
BIG_JQ = '[.records[] | select(.prio >= 3) | {id, name, owner: .meta.owner, ntags: (.tags | length)}]'


def gen_items(path, n):
    with open(path, "w") as f:
        json.dump([{"id": i, "v": i % 1000, "name": "item %d" % i} for i in range(n)], f)


def gen_big(path, size_mb):
    rnd = random.Random(13)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    target = size_mb * 1024 * 1024
    with open(path, "w") as f:
        f.write('{"source": "bench", "records": [')
        i = 0
        while f.tell() < target:
            rec = {"id": i, "name": "record %d" % i, "prio": i % 5,
                   "tags": rnd.sample(words, 1 + i % 4),
                   "meta": {"owner": "team-%d" % (i % 17), "created": "2026-12-%02dT10:00:00Z" % (1 + i % 28)},
                   "text": " ".join(rnd.choice(words) for _ in range(30))}
            f.write((", " if i else "") + json.dumps(rec))
            i += 1
        f.write("]}")


FLOWS = {
    "loop.yml": """name: big loop
steps:
- name: read
  type: file
  file: {path: input/items.json, type: json}
- name: loop
  type: flow_loop
  flow_loop: {path: item.yml, data_key: read}
- name: out
  type: jq
  jq: {expression: '[.[] | .t]', data_key: loop}
- name: write
  type: file
  file: {path: output/loop.json, mode: write, type: json, data_key: out}
""",
    "item.yml": "name: item\nsteps:\n- name: t\n  type: jq\n  jq: {expression: '%s', data_key: __input__}\n" % ITEM_JQ,
    "big.yml": """name: big doc
steps:
- name: read
  type: file
  file: {path: input/big.json, type: json}
- name: out
  type: jq
  jq: {expression: '%s', data_key: read}
- name: write
  type: file
  file: {path: output/big.json, mode: write, type: json, data_key: out}
""" % BIG_JQ,
}


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))


def via_service(build, src_data, flow, nitems):
    env = {"FLOW_MAX_WORKERS": "1", "WORKER_MAX_MEMORY_MB": "8192",
           "MAX_SUBRUNS_PER_RUN": str(max(100000, 2 * nitems)), "LOG_LEVEL": "WARNING"}
    with ob.Service(build, "bigsvc", env) as svc:
        shutil.rmtree(svc.data)
        shutil.copytree(src_data, svc.data)
        svc.start(settle=1)
        t = svc.tree()
        if len(t["workers"]) != 1:
            raise RuntimeError("expected one worker, got %s" % t["workers"])
        idle_rss = ob.memory(t["workers"][0])["rss"]
        t0 = time.perf_counter()
        job = svc.job(flow, None, wait=1800)
        wall = time.perf_counter() - t0
        worker = hwm_kib(t["workers"][0])
        service = hwm_kib(t["service"])
        out = json.load(open(svc.path("output", flow.replace(".yml", ".json"))))
    return {"seconds": job["duration_seconds"], "wall": wall, "worker_hwm_kib": worker,
            "worker_idle_rss_kib": idle_rss, "service_hwm_kib": service}, out


def via_cli(build, data, flow, nitems):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "DATA_", "LOG_", "MAX_"))}
    env.update({"DATA_PATH": data, "PLUGINS_PATH": os.path.join(build, "plugins"), "LOG_LEVEL": "WARNING",
                "MAX_SUBRUNS_PER_RUN": str(max(100000, 2 * nitems))})
    dt, rss, rc = ob.peak_rss_run([os.path.join(build, "octoflow"), "run", flow], env=env)
    if rc != 0:
        raise RuntimeError("octoflow run %s failed" % flow)
    return {"seconds": dt, "peak_kib": rss}


def via_jq(prog, src, dst):
    with open(dst, "w") as out:
        dt, rss, rc = ob.peak_rss_run(["jq", "-c", prog, src], stdout=out)
    if rc != 0:
        raise RuntimeError("jq failed")
    return {"seconds": dt, "peak_kib": rss}


def report(res, label, size, svc, cli, jqr):
    mib = size / MIB
    res.details[label] = {"input_bytes": size, "service": svc, "cli": cli, "jq": jqr}
    print("  %s: input %.1f MiB; service job %.2f s, worker peak %.0f MiB, service peak %.0f MiB; "
          "octoflow run %.2f s, %.0f MiB; jq %.2f s, %.0f MiB" % (
              label, mib, svc["seconds"], svc["worker_hwm_kib"] / 1024, svc["service_hwm_kib"] / 1024,
              cli["seconds"], cli["peak_kib"] / 1024, jqr["seconds"], jqr["peak_kib"] / 1024))
    res.add("Big data", "%s: time (job in a worker)" % label, svc["seconds"], "s", "jq 1.6 CLI, same run",
            jqr["seconds"], svc["seconds"] / jqr["seconds"], "%.1fx jq's time" % (svc["seconds"] / jqr["seconds"]),
            "reported", None, "octoflow run: %.2f s (start-up, store, printing the flow data included)" % cli["seconds"])
    w = svc["worker_hwm_kib"] * 1024.0
    res.add("Big data", "%s: peak RSS of the worker" % label, w / MIB, "MiB", "jq 1.6 CLI, same run",
            jqr["peak_kib"] / 1024.0, w / (jqr["peak_kib"] * 1024.0),
            "%.1fx input (jq: %.1fx)" % (w / size, jqr["peak_kib"] * 1024.0 / size), "<= 3x input", w / size <= 3,
            "the worker's RSS before the job was %.0f MiB: (peak - that) / input = %.1fx; the service "
            "process's peak %.0f MiB" % (svc["worker_idle_rss_kib"] / 1024.0,
                                         (w - svc["worker_idle_rss_kib"] * 1024.0) / size,
                                         svc["service_hwm_kib"] / 1024.0))
    c = cli["peak_kib"] * 1024.0
    res.add("Big data", "%s: peak RSS of `octoflow run`" % label, c / MIB, "MiB", "jq 1.6 CLI, same run",
            jqr["peak_kib"] / 1024.0, c / (jqr["peak_kib"] * 1024.0), "%.1fx input" % (c / size),
            "<= 3x input", c / size <= 3)


def main():
    build = ob.build_dir(sys.argv)
    ob.install_signal_handlers()
    items = int(os.environ.get("ITEMS", "100000"))
    size_mb = int(os.environ.get("SIZE_MB", "50"))
    res = ob.Results("bigdata")
    tmp = tempfile.mkdtemp(prefix="octo-bench13-big-")
    try:
        data = os.path.join(tmp, "data")
        for d in ("flows", "input", "output"):
            os.makedirs(os.path.join(data, d))
        for name, text in FLOWS.items():
            with open(os.path.join(data, "flows", name), "w") as f:
                f.write(text)
        gen_items(os.path.join(data, "input", "items.json"), items)
        gen_big(os.path.join(data, "input", "big.json"), size_mb)
        print("big data: %d items, %d MB document, load %s" % (items, size_mb, ob.loadavg()), flush=True)
        for label, flow, src, prog in (
                ("flow_loop over %d items" % items, "loop.yml", "items.json", "[.[] | %s]" % ITEM_JQ),
                ("%d MB JSON read -> jq -> write" % size_mb, "big.yml", "big.json", BIG_JQ)):
            src_path = os.path.join(data, "input", src)
            jq_out = os.path.join(tmp, "jq-out.json")
            jqr = via_jq(prog, src_path, jq_out)
            svc, out = via_service(build, data, flow, items)
            if out != json.load(open(jq_out)):
                raise RuntimeError("%s: octoflow's output differs from jq's" % label)
            cli = via_cli(build, data, flow, items)
            os.unlink(jq_out)
            report(res, label, os.path.getsize(src_path), svc, cli, jqr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.save()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
