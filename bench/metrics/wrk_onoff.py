#!/usr/bin/env python3
"""wrk throughput of one API route, HTTP metrics on vs off (run.sh)."""
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = sys.argv[1]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = os.environ.get("DURATION", "5")
TOKEN = "bench-token-metrics"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def serve(metrics_off):
    tmp = tempfile.mkdtemp(prefix="octo-bench-metrics-")
    os.makedirs(os.path.join(tmp, "flows"))
    port = free_port()
    env = dict(os.environ, DATA_PATH=tmp, API_TOKEN=TOKEN, API_PORT=str(port), API_HOST="127.0.0.1",
               PLUGINS_PATH=os.path.join(BUILD, "plugins"), LOG_LEVEL="WARNING")
    if metrics_off:
        env["OCTO_METRICS_OFF"] = "1"
    p = subprocess.Popen([os.path.join(BUILD, "octoflow"), "serve"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/api/health" % port, timeout=1)
            return p, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the service did not start")


def wrk(port):
    out = subprocess.run(["wrk", "-t2", "-c16", "-d" + DURATION + "s", "-H", "Authorization: Bearer " + TOKEN,
                          "http://127.0.0.1:%d/api/v1/schedules" % port], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


results = {True: [], False: []}
for r in range(ROUNDS):
    for off in (False, True):
        p, port = serve(off)
        try:
            wrk(port)  # warm up (1 run, not counted)
            results[off].append(wrk(port))
        finally:
            p.terminate()
            p.wait(30)
        print("round %d, metrics %-3s: %9.0f requests/s" % (r + 1, "off" if off else "on", results[off][-1]),
              flush=True)
on, off = statistics.median(results[False]), statistics.median(results[True])
print("median: metrics on %.0f/s, off %.0f/s: %+.1f%% with metrics" % (on, off, (on - off) / off * 100))
