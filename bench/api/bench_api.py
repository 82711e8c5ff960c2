#!/usr/bin/env python3
"""API benchmark driver (run through bench/api/run.sh BUILD_DIR).

Starts `octoflow serve` from BUILD_DIR on a loopback port with a temporary
DATA_PATH and drives it with wrk (THREADS threads, CONNS connections,
DURATION seconds per run):

  octoflow  GET  /api/health          no auth, trivial handler (reference)
  octoflow  GET  /api/locks           authenticated
  octoflow  POST /api/flows/launch    a small flow (one jq step), NFLOWS
                                      distinct flow files so that launches
                                      do not collide on the per-flow lock
  octoflow  GET  /api/locks           again with LOG_LEVEL=WARNING: the cost
                                      of one INFO access line per request
  bare      GET  /api/locks           bare civetweb handler, same bearer check
  python    GET  /api/locks           Python's ThreadingHTTPServer, same check

and samples the memory of each server process from /proc/PID/smaps_rollup:
USS = Private_Clean + Private_Dirty (what the process alone costs), PSS, RSS,
idle (after start-up, and again after the load) and under load (the largest
of several samples taken while wrk runs).

Environment: DURATION (10), THREADS (2), CONNS (16), NFLOWS (128),
PY_DURATION (DURATION; the Python baseline), JSON=FILE (write the results).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "bench-token-0123456789abcdef"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def memory(pid):
    """{'rss','pss','uss'} in KiB from smaps_rollup."""
    vals = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            m = re.match(r"^(\w+):\s+(\d+) kB", line)
            if m:
                vals[m.group(1)] = int(m.group(2))
    return {"rss": vals.get("Rss", 0), "pss": vals.get("Pss", 0),
            "uss": vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0)}


def wait_http(url, timeout=20, headers=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.05)
    raise RuntimeError("%s did not answer" % url)


def parse_wrk(out):
    def num(pattern, conv=float, default=None):
        m = re.search(pattern, out, re.M)
        return conv(m.group(1)) if m else default

    def ms(text):
        m = re.match(r"([\d.]+)(us|ms|s)$", text)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v

    res = {"rps": num(r"^Requests/sec:\s+([\d.]+)"),
           "requests": num(r"^\s+(\d+) requests in", int),
           "non2xx": num(r"Non-2xx or 3xx responses: (\d+)", int, 0),
           "socket_errors": 0}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    if m:
        res["lat_avg_ms"] = ms(m.group(1))
        res["lat_max_ms"] = ms(m.group(3))
    for p in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % p, out, re.M)
        if m:
            res["lat_p%s_ms" % p] = ms(m.group(1))
    return res


def run_wrk(name, url, pid, duration, threads, conns, script=None, script_args=(), auth=True):
    cmd = ["wrk", "--latency", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration]
    if auth and script is None:
        cmd += ["-H", "Authorization: Bearer %s" % TOKEN]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if script_args:
        cmd += ["--"] + list(script_args)
    samples = []
    stop = threading.Event()

    def sampler():
        time.sleep(min(1.0, duration / 4))
        while not stop.is_set():
            try:
                samples.append(memory(pid))
            except OSError:
                break
            stop.wait(duration / 8)

    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration * 3 + 60)
    stop.set()
    t.join()
    if p.returncode != 0:
        raise RuntimeError("wrk failed: %s %s" % (p.stdout, p.stderr))
    res = parse_wrk(p.stdout)
    res["name"] = name
    res["load_mem"] = {k: max(s[k] for s in samples) for k in ("rss", "pss", "uss")} if samples else None
    res["raw"] = p.stdout
    return res


def start_octoflow(build, tmp, nflows, extra_env=None, warm=True):
    data = os.path.join(tmp, "data")
    os.makedirs(os.path.join(data, "flows"), exist_ok=True)
    for i in range(nflows):
        with open(os.path.join(data, "flows", "bench_%03d.yml" % i), "w") as f:
            f.write("name: bench %d\nsteps:\n- name: plus\n  type: jq\n"
                    "  jq: {expression: '.x + 1', data_key: __input__}\n" % i)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("API_", "LOG_", "FLOW_", "DATA_", "LOCK_", "FLOWS_", "TIMEZONE"))}
    env.update({"DATA_PATH": data, "API_TOKEN": TOKEN, "API_PORT": str(port),
                "API_HOST": "127.0.0.1", "PLUGINS_PATH": os.path.join(build, "plugins")})
    env.update(extra_env or {})
    err = open(os.path.join(tmp, "octoflow.stderr"), "w")
    proc = subprocess.Popen([os.path.join(build, "octoflow"), "serve"], env=env, stdout=err,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_http("http://127.0.0.1:%d/api/health" % port)
    time.sleep(2)
    mem = {"octoflow idle (fresh start)": memory(proc.pid)}
    if not warm:
        return proc, port, os.path.join(data, "logs", "spooler_service.log"), mem
    # compile every flow once (the flow cache), as a warmed-up service would have
    for i in range(nflows):
        if i == 1:
            time.sleep(0.5)
            mem["octoflow idle (1 flow cached)"] = memory(proc.pid)
        req = urllib.request.Request("http://127.0.0.1:%d/api/flows/launch" % port,
                                     data=json.dumps({"path": "bench_%03d.yml" % i, "data": {"x": 1}}).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200
    time.sleep(1)
    mem["octoflow idle (%d flows cached)" % nflows] = memory(proc.pid)
    return proc, port, os.path.join(data, "logs", "spooler_service.log"), mem


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def fmt_mem(m):
    return "%6.1f %6.1f" % (m["uss"] / 1024, m["rss"] / 1024) if m else "     -      -"


def main():
    build = os.path.abspath(sys.argv[1])
    bare = sys.argv[2] if len(sys.argv) > 2 else None
    duration = int(os.environ.get("DURATION", "10"))
    py_duration = int(os.environ.get("PY_DURATION", str(duration)))
    threads = int(os.environ.get("THREADS", "2"))
    conns = int(os.environ.get("CONNS", "16"))
    nflows = int(os.environ.get("NFLOWS", "128"))
    tmp = tempfile.mkdtemp(prefix="octo-bench-api-")
    results = []
    try:
        sanitized = subprocess.run(["ldd", os.path.join(build, "octoflow")], capture_output=True,
                                   text=True).stdout
        if "libasan" in sanitized:
            print("WARNING: %s is a sanitizer build: its numbers mean nothing" % build)
        print("octoflow from %s; wrk -t%d -c%d, %d s per run" % (build, threads, conns, duration))
        print("machine: %d cores, load average before the runs %s" % (
            os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))

        proc, port, log, mem = start_octoflow(build, tmp, nflows)
        base = "http://127.0.0.1:%d" % port
        results.append(run_wrk("octoflow GET /api/health (no auth)", base + "/api/health", proc.pid,
                               duration, threads, conns, auth=False))
        results.append(run_wrk("octoflow GET /api/locks", base + "/api/locks", proc.pid,
                               duration, threads, conns))
        results.append(run_wrk("octoflow POST /api/flows/launch", base, proc.pid, duration, threads,
                               conns, script=os.path.join(HERE, "launch.lua"),
                               script_args=(TOKEN, str(nflows), str(threads))))
        time.sleep(3)
        mem["octoflow idle (after the load)"] = memory(proc.pid)
        log_size = os.path.getsize(log)
        rc = stop(proc)
        if rc != 0:
            print("WARNING: octoflow exited with %d" % rc)

        # the same GET without the access log lines (LOG_LEVEL=WARNING)
        proc, port, _, _ = start_octoflow(build, tmp, nflows, {"LOG_LEVEL": "WARNING"}, warm=False)
        results.append(run_wrk("octoflow GET /api/locks, LOG_LEVEL=WARNING", "http://127.0.0.1:%d/api/locks"
                               % port, proc.pid, duration, threads, conns))
        stop(proc)

        if bare:
            port = free_port()
            bp = subprocess.Popen([bare, str(port), TOKEN], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            wait_http("http://127.0.0.1:%d/" % port, headers={"Authorization": "Bearer " + TOKEN})
            time.sleep(1)
            mem["bare civetweb idle"] = memory(bp.pid)
            results.append(run_wrk("bare civetweb GET /api/locks", "http://127.0.0.1:%d/api/locks" % port,
                                   bp.pid, duration, threads, conns))
            stop(bp)

        port = free_port()
        pp = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "py_baseline.py"), str(port), TOKEN],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http("http://127.0.0.1:%d/" % port, headers={"Authorization": "Bearer " + TOKEN})
        time.sleep(1)
        mem["python http.server idle"] = memory(pp.pid)
        results.append(run_wrk("python http.server GET /api/locks", "http://127.0.0.1:%d/api/locks" % port,
                               pp.pid, py_duration, threads, conns))
        stop(pp)

        print()
        print("%-44s %10s %8s %8s %8s %8s %7s %13s" % ("run", "req/s", "avg ms", "p50 ms", "p99 ms",
                                                     "max ms", "non2xx", "USS/RSS MiB"))
        for r in results:
            print("%-44s %10.0f %8.2f %8.2f %8.2f %8.1f %7d %s" % (
                r["name"], r["rps"] or 0, r.get("lat_avg_ms", 0), r.get("lat_p50_ms", 0),
                r.get("lat_p99_ms", 0), r.get("lat_max_ms", 0), r["non2xx"] + r["socket_errors"],
                fmt_mem(r["load_mem"])))
        print()
        print("%-44s %8s %8s %8s" % ("memory (MiB)", "USS", "PSS", "RSS"))
        for k, m in mem.items():
            print("%-44s %8.1f %8.1f %8.1f" % (k, m["uss"] / 1024, m["pss"] / 1024, m["rss"] / 1024))
        one = mem["octoflow idle (1 flow cached)"]["uss"]
        allf = mem["octoflow idle (%d flows cached)" % nflows]["uss"]
        print("flow cache: %.0f KiB of USS per cached one-step jq flow" % ((allf - one) / max(1, nflows - 1)))
        print("octoflow wrote %.1f MiB of log (one access line per request, INFO)" % (log_size / 1048576))
        out = os.environ.get("JSON")
        if out:
            with open(out, "w") as f:
                json.dump({"results": [{k: v for k, v in r.items() if k != "raw"} for r in results],
                           "memory_kib": mem, "duration": duration, "threads": threads,
                           "connections": conns}, f, indent=2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
