"""Shared helpers of the issue-13 benchmarks (bench/*/…py import this).

- Service: `octoflow serve` on a loopback port with a temporary DATA_PATH,
  stopped (SIGTERM, then SIGKILL) and its directory removed on exit, also on
  Ctrl-C or SIGTERM of the benchmark (install_signal_handlers()).
- wrk(): one wrk run, parsed (req/s, percentiles, errors).
- memory(), nfds(), children(), service_tree(): what a process costs.
- cpu_hog(): a busy loop pinned to one core with taskset, killed after.
- Results: the measures of one script, written as JSON (RESULTS_DIR) for
  bench/summary.py and bench/report.py.

Measures are dicts: group, measure, unit, value, ref_name, ref_value,
ratio, ratio_text, target, met (True/False/None), note. A reference that
was not measured in this run says so in ref_name ("recorded, not measured").
"""
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOKEN = "bench13-token-0123456789abcdef"
ORIGINAL = "original (recorded in issue 13, not measured)"


def install_signal_handlers():
    """SIGTERM behaves as Ctrl-C: the finally blocks stop what was started."""
    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def memory(pid):
    """{'rss','pss','uss','anon'} in KiB from /proc/PID/smaps_rollup (anon:
    anonymous memory - the heap, not file pages)."""
    vals = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            m = re.match(r"^(\w+):\s+(\d+) kB", line)
            if m:
                vals[m.group(1)] = int(m.group(2))
    return {"rss": vals.get("Rss", 0), "pss": vals.get("Pss", 0),
            "uss": vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0),
            "anon": vals.get("Anonymous", 0)}


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def children(pid):
    """Pids whose parent is pid (every thread's children file)."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(set(out))


def service_tree(pid):
    """{'service': pid, 'zygote': pid or None, 'workers': [pids]}: the
    zygote is the service's child, the workers are the zygote's."""
    zyg = None
    for c in children(pid):
        try:
            with open("/proc/%d/cmdline" % c, "rb") as f:
                if b"__zygote" in f.read():
                    zyg = c
        except OSError:
            pass
    return {"service": pid, "zygote": zyg, "workers": children(zyg) if zyg else []}


def is_sanitized(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out


class Service:
    """octoflow serve with its own DATA_PATH (flows written by the caller
    into self.data/flows before start())."""

    def __init__(self, build, name="svc", env=None):
        self.build = build
        self.tmp = tempfile.mkdtemp(prefix="octo-bench13-%s-" % name)
        self.data = os.path.join(self.tmp, "data")
        for d in ("flows", "templates", "input"):
            os.makedirs(os.path.join(self.data, d), exist_ok=True)
        self.env_extra = dict(env or {})
        self.proc = None
        self.port = None

    def path(self, *parts):
        return os.path.join(self.data, *parts)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def start(self, settle=0.5):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("API_", "LOG_", "FLOW_", "DATA_", "LOCK_", "FLOWS_", "JOBS_",
                                    "WORKER_", "TIMEZONE", "MAX_", "OCTO_"))}
        env.update({"DATA_PATH": self.data, "API_TOKEN": TOKEN, "API_PORT": str(self.port),
                    "API_HOST": "127.0.0.1", "PLUGINS_PATH": os.path.join(self.build, "plugins")})
        env.update(self.env_extra)
        self.out = open(os.path.join(self.tmp, "service.out"), "w")
        self.proc = subprocess.Popen([os.path.join(self.build, "octoflow"), "serve"], env=env,
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("octoflow serve exited %d: %s" % (
                    self.proc.returncode, open(self.out.name).read()[-2000:]))
            try:
                st, _ = self.call("GET", "/api/health", timeout=2)
                if st == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("octoflow serve did not answer")
            time.sleep(0.05)
        time.sleep(settle)  # workers forked
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def conn(self, timeout=120):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def call(self, method, path, body=None, conn=None, timeout=120):
        c = conn or self.conn(timeout)
        h = {"Authorization": "Bearer " + TOKEN}
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw

    def job(self, path, data=None, conn=None, wait=120):
        """A finished job of a launch through POST /api/v1/jobs?wait=."""
        st, v = self.call("POST", "/api/v1/jobs?wait=%d" % wait, {"path": path, "data": data}, conn=conn)
        if st != 200 or v.get("status") != "success":
            raise RuntimeError("job %s: %s %s" % (path, st, str(v)[:500]))
        return v

    def wait_idle(self, timeout=60):
        """Until no flow runs and the store has written everything: a wrk
        run that ends mid-request leaves its last launch running, and the
        next run would get 409 for that flow."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, h = self.call("GET", "/api/health")
            if st == 200 and not h.get("running_flows") and not h.get("queued") \
                    and not (h.get("store") or {}).get("queued_writes"):
                st, locks = self.call("GET", "/api/locks")
                if st == 200 and not locks.get("locks"):
                    return
            time.sleep(0.05)

    def tree(self):
        return service_tree(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def parse_wrk(out):
    def num(pattern, conv=float, default=None):
        m = re.search(pattern, out, re.M)
        return conv(m.group(1)) if m else default

    def ms(text):
        m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
        v = float(m.group(1))
        return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[m.group(2)]

    res = {"rps": num(r"^Requests/sec:\s+([\d.]+)"),
           "requests": num(r"^\s+(\d+) requests in", int),
           "non2xx": num(r"Non-2xx or 3xx responses: (\d+)", int, 0), "socket_errors": 0}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    if m:
        res["avg_ms"], res["max_ms"] = ms(m.group(1)), ms(m.group(3))
    for p in ("50", "75", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % p, out, re.M)
        if m:
            res["p%s_ms" % p] = ms(m.group(1))
    m = re.search(r"^statuses: (.*)$", out, re.M)
    if m:  # bench/launch/post.lua's count of the answers by status
        res["statuses"] = dict((int(k), int(v)) for k, v in (x.split("=") for x in m.group(1).split()))
    return res


def wrk(url, duration, threads=2, conns=16, script=None, args=(), auth=True, check=True):
    cmd = ["wrk", "--latency", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration]
    if auth and script is None:
        cmd += ["-H", "Authorization: Bearer %s" % TOKEN]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if args:
        cmd += ["--"] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration * 3 + 120)
    if p.returncode != 0 or "Requests/sec" not in p.stdout:
        raise RuntimeError("wrk failed: %s %s" % (p.stdout[-1000:], p.stderr[-1000:]))
    res = parse_wrk(p.stdout)
    if check and (res["non2xx"] or res["socket_errors"]):
        print("  note: %s: %d non-2xx, %d socket errors%s" % (url, res["non2xx"], res["socket_errors"],
                                                              " (%s)" % res["statuses"] if "statuses" in res else ""))
    return res


@contextlib.contextmanager
def cpu_hog(core=0):
    """A busy loop pinned to one core (taskset), killed on exit."""
    p = subprocess.Popen(["taskset", "-c", str(core), "/bin/sh", "-c", "while :; do :; done"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.3)
        yield p
    finally:
        p.kill()
        p.wait()


def peak_rss_run(cmd, env=None, stdout=subprocess.DEVNULL, timeout=1800):
    """Runs cmd under /usr/bin/time -v: (seconds, peak RSS KiB, returncode)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, stdout=stdout,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    dt = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if p.returncode != 0:
        print("  note: %s exited %d: %s" % (cmd[0], p.returncode, p.stderr[-600:]))
    return dt, int(m.group(1)) if m else None, p.returncode


@contextlib.contextmanager
def perf_record(pids, out_file):
    """perf record (call graphs, 999 Hz) of pids while the block runs; yields
    a list that receives `perf report`'s summary lines (self time by
    process, library and symbol, >= 0.5%)."""
    lines = []
    p = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-g", "-o", out_file, "-p",
                          ",".join(str(x) for x in pids)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        yield lines
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    rep = subprocess.run(["perf", "report", "-i", out_file, "--stdio", "--no-children", "-g", "none",
                          "--sort", "comm,dso,sym", "--percent-limit", "0.5"],
                         capture_output=True, text=True)
    lines += [l for l in rep.stdout.splitlines() if l.strip() and not l.startswith("#")]
    if os.path.exists(out_file):
        os.unlink(out_file)


def percentile(values, p):
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


class Results:
    """The measures of one benchmark script, printed and saved as JSON."""

    def __init__(self, script):
        self.script = script
        self.measures = []
        self.details = {}
        self.load_before = loadavg()
        self.t0 = time.time()

    def add(self, group, measure, value, unit, ref_name=None, ref_value=None, ratio=None,
            ratio_text=None, target=None, met=None, note=None):
        m = {"group": group, "measure": measure, "value": value, "unit": unit,
             "ref_name": ref_name, "ref_value": ref_value, "ratio": ratio,
             "ratio_text": ratio_text, "target": target, "met": met, "note": note}
        self.measures.append(m)
        print("  %-58s %s" % (measure, fmt_value(value, unit)), flush=True)
        return m

    def save(self):
        out = os.environ.get("RESULTS_DIR")
        doc = {"script": self.script, "measures": self.measures, "details": self.details,
               "load_before": self.load_before, "load_after": loadavg(),
               "seconds": round(time.time() - self.t0, 1)}
        if out:
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, self.script + ".json"), "w") as f:
                json.dump(doc, f, indent=1)
        return doc


def fmt_value(v, unit):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 1000:
            s = "{:,.0f}".format(v)
        elif abs(v) >= 100:
            s = "%.0f" % v
        elif abs(v) >= 10:
            s = "%.1f" % v
        else:
            s = "%.2f" % v
    else:
        s = "{:,}".format(v) if isinstance(v, int) else str(v)
    return "%s %s" % (s, unit) if unit else s


def build_dir(argv):
    if len(argv) < 2:
        print("usage: %s BUILD_DIR" % argv[0], file=sys.stderr)
        sys.exit(2)
    build = os.path.abspath(argv[1])
    if not os.access(os.path.join(build, "octoflow"), os.X_OK):
        print("no %s/octoflow: build first" % build, file=sys.stderr)
        sys.exit(2)
    if is_sanitized(os.path.join(build, "octoflow")):
        print("WARNING: %s is a sanitizer build: its numbers mean nothing" % build)
    return build
