#!/usr/bin/env python3
"""Memory of the service (issue 13), bench/memory/memory.py BUILD_DIR.

USS = Private_Clean + Private_Dirty of /proc/PID/smaps_rollup: what a
process alone costs (shared library pages and the pages workers share with
the zygote are not counted). The workers are the zygote's children, the
zygote the service's child.

1. Idle: the service, the zygote and the workers IDLE_WAIT s after start
   (production defaults, 8 workers, no flow loaded); the reference is the
   bare civetweb handler (bench/api/bare_civetweb.c) idle. Target <= 3 MiB.
2. Per cached flow: NFLOWS flows of 3 jq steps each (different programs),
   FLOW_MAX_WORKERS=1 so that one worker compiles them all. After one
   warm-up flow (first-use costs are not per flow), the service loads them
   (GET /api/v1/flows?full=true: the service's shallow load) and each is
   launched once (the worker's full load: jq compiled, plugins prepared).
   USS delta / NFLOWS, for the service and for the worker. Target <= 64 KiB.
3. Growth: LAUNCHES one-step flow launches through the API (wrk, 2 threads,
   8 connections, bench/launch/post.lua stopping after the count) after a
   warm-up of WARMUP launches; WORKER_MAX_JOBS=0 so that workers are not
   replaced (a leak in a worker would be hidden by a replacement). USS and
   open descriptors of the service, the zygote and the workers before and
   after, once the store's queue is empty. Target: no descriptor growth and
   under 10 bytes of USS per launch (about 1 MiB per 100,000). The same with
   JOBS_DB=none first (half the launches, for time) is the service's
   reference: what the job store adds, per launch. The launches
   go in CHUNKS parts with the service's USS sampled after each: a curve
   that flattens is a cache filling, one that keeps rising is a leak. A
   second row takes the service's growth over the second half of the
   launches only, where a bounded cache no longer counts and a leak still
   does.

Environment: NFLOWS (200), LAUNCHES (100000), WARMUP (10000), CHUNKS (10),
IDLE_WAIT (2), RESULTS_DIR.
"""
import os
import signal
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import octobench as ob  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
POST_LUA = os.path.join(HERE, "..", "launch", "post.lua")
MIB = 1024.0
# one-step flows the growth run cycles through: each wrk thread has 128 of
# its own, so a flow is launched again ~128 launches later, when its
# previous run (a lock: a second one would get 409) has long ended
GROWTH_FLOWS = 256


def jq_flow(k):
    return """name: cached %d
steps:
- name: a
  type: jq
  jq: {expression: '.x + %d', data_key: __input__}
- name: b
  type: jq
  jq: {expression: '[range(0; %d) | {i: ., sq: (. * .)}] | map(select(.sq %% 2 == 0))'}
- name: c
  type: jq
  jq: {expression: '{n: (.b | length), first: .b[0], k: "%d", tags: (["x", "y"] | map(. + "%d"))}'}
""" % (k, k, 3 + k % 7, k, k)


def tree_mem(svc):
    t = svc.tree()
    out = {"service": ob.memory(t["service"]), "service_fds": ob.nfds(t["service"]),
           "workers": {}}
    if t["zygote"]:
        out["zygote"] = ob.memory(t["zygote"])
        out["zygote_fds"] = ob.nfds(t["zygote"])
    for w in t["workers"]:
        try:
            out["workers"][w] = dict(ob.memory(w), fds=ob.nfds(w))
        except OSError:
            pass
    return out


def bare_idle(tmp, wait):
    exe = os.path.join(tmp, "bare_civetweb")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "..", "api", "bare_civetweb.c"),
                    "-lcivetweb"], check=True)
    p = subprocess.Popen([exe, str(ob.free_port()), ob.TOKEN], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        time.sleep(wait)
        return ob.memory(p.pid)
    finally:
        p.terminate()
        p.wait(10)


def idle(build, res, wait):
    with ob.Service(build, "mem-idle") as svc:
        svc.start(settle=wait)
        m = tree_mem(svc)
        bare = bare_idle(svc.tmp, wait)
    wuss = [w["uss"] for w in m["workers"].values()]
    res.details["idle"] = {"service": m["service"], "zygote": m.get("zygote"),
                           "workers_uss_kib": wuss, "bare": bare}
    s = m["service"]["uss"]
    res.add("Memory", "idle USS of the service (after start, no flow)", s / MIB, "MiB",
            "bare civetweb handler, idle", bare["uss"] / MIB, s / max(1, bare["uss"]),
            "%.1fx" % (s / max(1, bare["uss"])), "<= 3 MiB", s <= 3 * 1024,
            "RSS %.1f MiB, PSS %.1f MiB" % (m["service"]["rss"] / MIB, m["service"]["pss"] / MIB))
    z = m.get("zygote", {}).get("uss", 0)
    tot = s + z + sum(wuss)
    res.add("Memory", "idle USS of zygote + %d workers" % len(wuss), (z + sum(wuss)) / MIB, "MiB",
            target="-", note="zygote %.1f MiB, a worker %.2f MiB (median); everything %.1f MiB"
            % (z / MIB, statistics.median(wuss) / MIB if wuss else 0, tot / MIB))


def per_flow(build, res, nflows):
    with ob.Service(build, "mem-flows", {"FLOW_MAX_WORKERS": "1"}) as svc:
        for k in range(nflows):
            svc.write("flows/f_%03d.yml" % k, jq_flow(k))
        svc.write("flows/warm.yml", jq_flow(9999))
        svc.start(settle=1)
        c = svc.conn()
        svc.job("warm.yml", {"x": 1}, conn=c)
        time.sleep(1)
        m0 = tree_mem(svc)
        st, v = svc.call("GET", "/api/v1/flows?full=true", conn=c)
        if st != 200:
            raise RuntimeError("GET /api/v1/flows?full=true: %s" % st)
        time.sleep(1)
        m1 = tree_mem(svc)
        for k in range(nflows):
            svc.job("f_%03d.yml" % k, {"x": k}, conn=c)
        time.sleep(2)
        m2 = tree_mem(svc)
        c.close()
    workers = set(m0["workers"]) & set(m2["workers"])
    if len(workers) != 1:
        raise RuntimeError("expected one worker throughout, got %s -> %s" % (list(m0["workers"]), list(m2["workers"])))
    w = workers.pop()
    svc_kib = (m2["service"]["uss"] - m0["service"]["uss"]) / nflows
    svc_list_kib = (m1["service"]["uss"] - m0["service"]["uss"]) / nflows
    wk_kib = (m2["workers"][w]["uss"] - m0["workers"][w]["uss"]) / nflows
    wk_list_kib = (m1["workers"][w]["uss"] - m0["workers"][w]["uss"]) / nflows
    res.details["per_flow"] = {"before": m0, "after_list": m1, "after_launch": m2, "nflows": nflows}
    res.add("Memory", "USS per cached flow (3 jq steps), service process", svc_kib, "KiB",
            "100-200 KiB (recorded in issue 13, not measured)", None, None, None,
            "<= 64 KiB", svc_kib <= 64,
            "%d flows; %.1f KiB of it from GET /api/v1/flows?full=true" % (nflows, svc_list_kib))
    res.add("Memory", "USS per cached flow (3 jq steps), worker process", wk_kib, "KiB",
            "100-200 KiB (recorded in issue 13, not measured)", None, None, None,
            "<= 64 KiB", wk_kib <= 64,
            "%d flows launched once each, FLOW_MAX_WORKERS=1; %.1f KiB/flow already after the listing"
            % (nflows, wk_list_kib))


def launches(svc, n, threads=2, conns=8):
    """n launches with wrk (post.lua stops each thread at n/threads answers
    and leaves a marker file; wrk is then interrupted, as it would otherwise
    wait for its whole -d)."""
    mark = os.path.join(svc.tmp, "wrk-done-")
    for t in range(threads):
        if os.path.exists(mark + str(t)):
            os.unlink(mark + str(t))
    cmd = ["wrk", "--latency", "-t%d" % threads, "-c%d" % conns, "-d3600s", "-s", POST_LUA, svc.url, "--",
           ob.TOKEN, "/api/flows/launch", "one_%d.yml", str(GROWTH_FLOWS), str(threads), str(n), mark]
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while p.poll() is None and not all(os.path.exists(mark + str(t)) for t in range(threads)):
            time.sleep(0.2)
        dt = time.time() - t0
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if "Requests/sec" not in out:
        raise RuntimeError("wrk failed: %s %s" % (out[-800:], err[-800:]))
    r = ob.parse_wrk(out)
    r["seconds"] = dt
    return r


def growth_run(build, n, warmup, chunks, env):
    with ob.Service(build, "mem-growth", dict(env, WORKER_MAX_JOBS="0")) as svc:
        for k in range(GROWTH_FLOWS):
            svc.write("flows/one_%d.yml" % k, "name: one %d\nsteps:\n- name: s\n  type: jq\n"
                      "  jq: {expression: '.x + 1', data_key: __input__}\n" % k)
        svc.start(settle=1)
        svc.wait_idle()
        w = launches(svc, warmup)
        svc.wait_idle()
        time.sleep(2)
        m0 = tree_mem(svc)
        curve = [(0, m0["service"]["uss"], m0["service"]["anon"], m0["service_fds"])]
        done, secs, statuses = 0, 0.0, {}
        for i in range(chunks):
            r = launches(svc, n // chunks + (n % chunks if i == chunks - 1 else 0))
            svc.wait_idle()
            time.sleep(0.5)
            done += r["requests"]
            secs += r["seconds"]
            for k, v in r.get("statuses", {}).items():
                statuses[k] = statuses.get(k, 0) + v
            m1 = tree_mem(svc)
            curve.append((done, m1["service"]["uss"], m1["service"]["anon"], m1["service_fds"]))
        time.sleep(2)
        m1 = tree_mem(svc)
        db = os.path.getsize(svc.path("octoflow.db")) if os.path.exists(svc.path("octoflow.db")) else 0
    print("  %s: %d launches in %.0f s (%.0f/s, statuses %s), warm-up %d" % (
        env or "store on", done, secs, done / secs, statuses, w["requests"]))
    print("  service USS (anonymous) MiB, descriptors after each chunk: " + ", ".join(
        "%d: %.1f (%.1f) %d" % (c[0], c[1] / MIB, c[2] / MIB, c[3]) for c in curve))
    return {"launches": done, "warmup": w["requests"], "before": m0, "after": m1, "seconds": secs,
            "statuses": statuses, "db_bytes": db, "service_curve": curve}


def growth(build, res, n, warmup, chunks):
    """The store off first (the reference: what the job store adds), then on."""
    off = growth_run(build, n // 2, warmup // 2, chunks, {"JOBS_DB": "none"})
    g = growth_run(build, n, warmup, chunks, {})
    res.details["growth"] = g
    res.details["growth_store_off"] = off
    m0, m1, done, secs, statuses = g["before"], g["after"], g["launches"], g["seconds"], g["statuses"]
    bad = sum(v for k, v in statuses.items() if k != 200)
    off_per = (off["after"]["service"]["uss"] - off["before"]["service"]["uss"]) * 1024.0 / max(1, off["launches"])
    same = set(m0["workers"]) == set(m1["workers"])
    ws0 = sum(x["uss"] for x in m0["workers"].values())
    ws1 = sum(x["uss"] for x in m1["workers"].values())
    wf0 = sum(x["fds"] for x in m0["workers"].values())
    wf1 = sum(x["fds"] for x in m1["workers"].values())
    rows = (("service", m0["service"]["uss"], m1["service"]["uss"], m0["service_fds"], m1["service_fds"], True),
            ("%d workers (summed)%s" % (len(m1["workers"]), "" if same else ", some REPLACED"),
             ws0, ws1, wf0, wf1, same),
            ("zygote", m0.get("zygote", {}).get("uss", 0), m1.get("zygote", {}).get("uss", 0),
             m0.get("zygote_fds", 0), m1.get("zygote_fds", 0), True))
    for label, u0, u1, f0, f1, valid in rows:
        per = (u1 - u0) * 1024.0 / max(1, done)
        svc_row = label == "service"
        res.add("Memory", "USS growth over %d launches, %s" % (done, label), per, "B/launch",
                "JOBS_DB=none, %d launches, same run" % off["launches"] if svc_row else None,
                off_per if svc_row else None, None, "%+.1f MiB" % ((u1 - u0) / MIB), "< 10 B/launch, no fd growth",
                per < 10 and f1 <= f0 and valid,
                "USS %.1f -> %.1f MiB, fds %d -> %d; %.0f launches/s%s%s" % (
                    u0 / MIB, u1 / MIB, f0, f1, done / secs, "; answers by status %s" % statuses if bad else "",
                    "; USS MiB every %d launches: %s (store off, every %d: %s)" % (
                        done // chunks, " ".join("%.1f" % (c[1] / MIB) for c in g["service_curve"]),
                        off["launches"] // chunks, " ".join("%.1f" % (c[1] / MIB) for c in off["service_curve"]))
                    if svc_row else ""))
    # The same over the second half only: memory that fills up to a bound
    # (SQLite's page caches, malloc's per-thread arenas) shows above as
    # growth, a leak shows in both. Both rows are reported.
    curve = g["service_curve"]
    if len(curve) >= 3:
        mid = curve[len(curve) // 2]
        half = curve[-1][0] - mid[0]
        per = (curve[-1][1] - mid[1]) * 1024.0 / max(1, half)
        res.add("Memory", "USS growth over the last %d launches, service" % half, per, "B/launch",
                None, None, None, "%+.1f MiB" % ((curve[-1][1] - mid[1]) / MIB), "< 10 B/launch",
                per < 10, "USS %.1f -> %.1f MiB between launch %d and %d"
                % (mid[1] / MIB, curve[-1][1] / MIB, mid[0], curve[-1][0]))


def main():
    build = ob.build_dir(sys.argv)
    ob.install_signal_handlers()
    res = ob.Results("memory")
    wait = float(os.environ.get("IDLE_WAIT", "2"))
    print("memory: load %s" % ob.loadavg())
    idle(build, res, wait)
    per_flow(build, res, int(os.environ.get("NFLOWS", "200")))
    growth(build, res, int(os.environ.get("LAUNCHES", "100000")), int(os.environ.get("WARMUP", "10000")),
           int(os.environ.get("CHUNKS", "10")))
    res.save()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
