#!/usr/bin/env python3
"""Soak test of the service (bench/soak/run.sh BUILD_DIR [SECONDS]).

For SECONDS (default 600), on loopback only:
  - wrk hammers authenticated GET /api/locks and launches of small flows
    (bench/api/launch.lua) in turns;
  - two schedules fire every second (a good flow and a failing one);
  - every few seconds a crashing flow is launched: a jq memory bomb, a jq
    program that never ends (with a timeout), a plugin that segfaults
    (when the test plugin is built), in turn.
It samples the service process's open descriptors and RSS (USS) every 10 s
and at the end checks:
  - no unexpected response (wrk's non-2xx on the locks route, anything but
    200/409/500 on launches, anything but a finished job for the crash
    launches);
  - no descriptor or memory growth in the service after warm-up (the last
    third of the samples against the first third, with a small tolerance;
    memory from the samples taken after each launch burst once the job
    store has written it, the others swing with the burst's backlog);
  - every crash launched is accounted for in the job records (a finished
    job with status failed or timeout and a worker message);
  - the service is still up and runs a good flow.
Prints the numbers and exits 1 when a check fails.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import octobench as ob  # noqa: E402
LAUNCH_LUA = os.path.join(HERE, "..", "api", "launch.lua")
TOKEN = "soak-token-0123456789abcdef"
NFLOWS = 64


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def uss_kb(pid):
    uss = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                uss += int(line.split()[1])
    return uss


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Api:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, timeout=120):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {"Authorization": "Bearer " + TOKEN}
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw


def main():
    build = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    res = ob.Results("soak")
    tmp = tempfile.mkdtemp(prefix="octo-soak-")
    CLEANUP["tmp"] = tmp
    data = os.path.join(tmp, "data")
    flows = os.path.join(data, "flows")
    os.makedirs(flows)
    for n in range(NFLOWS):
        with open(os.path.join(flows, "bench_%03d.yml" % n), "w") as f:
            f.write("name: b%d\nsteps:\n- name: s\n  type: jq\n  jq: {expression: '.x + 1', "
                    "data_key: __input__}\n" % n)
    crash = {
        "bomb.yml": "name: bomb\nsteps:\n- name: j\n  type: jq\n  jq: {expression: 'def f: [f]; f'}\n",
        "endless.yml": "name: endless\nsteps:\n- name: j\n  type: jq\n  jq: {expression: 'def f: f; f'}\n",
    }
    plugins = os.path.join(build, "plugins")
    test_plugins = os.path.join(build, "tests", "e2e", "plugins")
    if os.path.exists(os.path.join(test_plugins, "misbehave.so")):
        plugins += ":" + test_plugins
        crash["segv.yml"] = "name: segv\nsteps:\n- name: s\n  type: misbehave\n  misbehave: {how: segv}\n"
    good = "name: good\nsteps:\n- name: s\n  type: jq\n  jq: {expression: '1'}\n"
    bad = "name: bad\nsteps:\n- name: s\n  type: jq\n  jq: {expression: 'error(\"planned\")'}\n"
    for name, text in list(crash.items()) + [("good.yml", good), ("bad.yml", bad)]:
        with open(os.path.join(flows, name), "w") as f:
            f.write(text)
    port = free_port()
    env = dict(os.environ, DATA_PATH=data, API_PORT=str(port), API_TOKEN=TOKEN,
               API_HOST="127.0.0.1", PLUGINS_PATH=plugins, FLOW_MAX_WORKERS="4",
               WORKER_MAX_MEMORY_MB="512", KILL_GRACE_SECONDS="2", LOG_LEVEL="WARNING",
               JOBS_PRUNE_INTERVAL="60", JOBS_MAX="100000000")
    out = open(os.path.join(tmp, "service.out"), "w")
    proc = subprocess.Popen([os.path.join(build, "octoflow"), "serve"], env=env, stdout=out,
                            stderr=subprocess.STDOUT)
    CLEANUP["proc"] = proc
    api = Api(port)
    for _ in range(200):
        try:
            if api.call("GET", "/api/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    for path in ("good.yml", "bad.yml"):
        st, _ = api.call("POST", "/api/v1/schedules", {"path": path, "every_seconds": 1})
        assert st == 201, st
    failures = []
    samples = []
    crashes = []
    stop = threading.Event()
    CLEANUP["stop"] = stop

    def crasher():
        names = sorted(crash)
        i = 0
        while not stop.is_set():
            name = names[i % len(names)]
            body = {"path": name}
            if name == "endless.yml":
                body["timeout_seconds"] = 1
            try:
                st, v = api.call("POST", "/api/v1/jobs?wait=60", body)
            except OSError as e:
                failures.append("crash launch %s: %s" % (name, e))
                break
            if st == 409:
                pass  # the previous one of this flow still going
            elif st == 503 and "behind" in str(v):
                pass  # launches refused while the job store catches up
            elif st != 200 or v.get("state") != "finished":
                failures.append("crash launch %s: %r %r" % (name, st, v))
            else:
                crashes.append(v["id"])
            i += 1
            stop.wait(3)

    queued = []

    def sampler():
        while not stop.is_set():
            try:
                samples.append((time.time(), nfds(proc.pid), uss_kb(proc.pid)))
            except OSError:
                failures.append("the service died")
                return
            try:
                queued.append(api.call("GET", "/api/health", timeout=10)[1]["store"]["queued_writes"])
            except (OSError, KeyError, TypeError, ValueError):
                pass
            stop.wait(10)

    quiet = []

    def quiet_uss():
        """USS once a launch burst is written: the store's queue empty and
        a second more. Samples taken during a burst hold its queued records
        and in-flight jobs, which come and go; growth shows between these."""
        t_end = time.time() + 60
        while time.time() < t_end:
            try:
                if api.call("GET", "/api/health", timeout=10)[1]["store"]["queued_writes"] == 0:
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            time.sleep(0.5)
        time.sleep(1)
        return uss_kb(proc.pid)

    threads = [threading.Thread(target=crasher), threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    t_end = time.time() + seconds
    wrk_runs = 0
    url = "http://127.0.0.1:%d" % port
    while time.time() < t_end:
        left = int(t_end - time.time())
        if left < 2:
            break
        d = min(20, left)
        if wrk_runs % 2 == 0:
            r = subprocess.run(["wrk", "-t2", "-c8", "-d%ds" % d, "-H", "Authorization: Bearer " + TOKEN,
                                url + "/api/locks"], capture_output=True, text=True)
        else:
            r = subprocess.run(["wrk", "-t2", "-c8", "-d%ds" % d, "-s", LAUNCH_LUA, url, "--", TOKEN,
                                str(NFLOWS), "2"], capture_output=True, text=True)
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
        if m and wrk_runs % 2 == 0:
            failures.append("GET /api/locks: %s non-2xx" % m.group(1))
        if wrk_runs % 2 == 1:
            quiet.append(quiet_uss())
        wrk_runs += 1
    stop.set()
    for t in threads:
        t.join()
    # every crash launch is a finished job with a reason
    unaccounted = 0
    for jid in crashes:
        st, v = api.call("GET", "/api/v1/jobs/%s" % jid)
        if st != 200 or v["status"] not in ("failed", "timeout") or not v["error"]:
            unaccounted += 1
            if unaccounted <= 5:
                print("unaccounted crash job %s: %r" % (jid, (st, v) if st != 200 else
                      {k: v.get(k) for k in ("flow_path", "state", "status", "error", "ended")}))
    st, v = api.call("POST", "/api/v1/jobs?wait=30", {"path": "bench_000.yml", "data": {"x": 1}})
    if st != 200 or v.get("status") != "success":
        failures.append("a good flow after the soak: %r %r" % (st, v))
    health = api.call("GET", "/api/health")[1]
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(60)
    third = max(1, len(samples) // 3)
    first = samples[1:third + 1] if len(samples) > 3 else samples
    last = samples[-third:]
    fd0, fd1 = max(s[1] for s in first), max(s[1] for s in last)
    # memory: the quiet samples after the first burst (warm-up), first third
    # against last third; the 10 s samples when there are too few
    judged = len(quiet) >= 4  # fewer bursts (a soak under ~3 minutes): too short to tell
    q = quiet[1:] if judged else [s[2] for s in samples]
    qthird = max(1, len(q) // 3)
    m0, m1 = statistics.median(q[:qthird]), statistics.median(q[-qthird:])
    print("soak: %d s, %d wrk runs, %d crash jobs (%d unaccounted), workers: %s"
          % (seconds, wrk_runs, len(crashes), unaccounted, json.dumps(health.get("workers"))))
    print("service descriptors: %d early, %d late; USS: %.1f MiB early, %.1f MiB late; exit %d"
          % (fd0, fd1, m0 / 1024, m1 / 1024, rc))
    print("store writes queued (every 10 s): %s" % queued)
    print("USS after each launch burst, store idle (MiB): %s" % ["%.1f" % (k / 1024) for k in quiet])
    if unaccounted:
        failures.append("%d crash job(s) not accounted for" % unaccounted)
    if fd1 > fd0 + 4:
        failures.append("descriptors grew from %d to %d" % (fd0, fd1))
    if not judged:
        print("memory growth not judged: %d launch burst(s), 4 needed (SECONDS >= 180)" % len(quiet))
    elif m1 > m0 * 1.15 + 2048:
        failures.append("USS grew from %.1f to %.1f MiB" % (m0 / 1024, m1 / 1024))
    if rc != 0:
        failures.append("exit status %d" % rc)
    for f in failures:
        print("FAIL:", f)
    res.details = {"failures": failures, "wrk_runs": wrk_runs, "crash_jobs": len(crashes),
                   "samples": samples, "quiet_uss_kb": quiet}
    res.add("Soak", "%d s soak (wrk, schedules, crashing flows): service USS" % seconds, m1 / 1024.0, "MiB",
            "early in the soak", m0 / 1024.0, m1 / max(1, m0), "%+.1f MiB" % ((m1 - m0) / 1024.0),
            "no failure, no growth", not failures,
            "descriptors %d -> %d; %d crash jobs, %d unaccounted; %s" % (
                fd0, fd1, len(crashes), unaccounted, "; ".join(failures) if failures else "no failure"))
    res.save()
    sys.exit(1 if failures else 0)


# what main() started, for cleanup() (also on Ctrl-C or SIGTERM)
CLEANUP = {}


def cleanup():
    if "stop" in CLEANUP:
        CLEANUP["stop"].set()
    proc = CLEANUP.get("proc")
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if "tmp" in CLEANUP:
        shutil.rmtree(CLEANUP["tmp"], ignore_errors=True)


if __name__ == "__main__":
    ob.install_signal_handlers()
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        cleanup()
