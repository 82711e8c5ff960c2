"""Helpers shared by the job end-to-end tests (tests/e2e/test_jobs_*.py).

On top of octo_e2e (the real `octoflow serve` on loopback):

  server(...)       an octo_e2e.Server whose environment carries none of the
                    job settings of the caller's shell (JOBS_*, KILL_GRACE_*,
                    WORKER_*, NODE_NAME) unless the test sets them
  Schemas           validate a response against the OpenAPI document the
                    service serves (server/static/openapi.json): $ref, allOf,
                    type, nullable, enum, required, items, uuid and date-time
  wait_job(...)     poll GET /api/v1/jobs/{id} until the job has finished
  sse(...)          read a Server-Sent Events stream: [(event, data)] and
                    when the stream ended
  SilentServer      a loopback TCP server that accepts and never answers,
                    and tells when its client hung up
  iso(...)          parse an ISO 8601 time the API wrote (checks the shape)
  log_lines(...)    the log lines of a file or list, parsed
"""
import datetime
import json
import os
import re
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# ISO 8601 as the API writes it: microseconds only when not zero, an offset
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(?!000000)\d{6})?[+-]\d\d:\d\d$")
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - (DEBUG|INFO|WARNING|ERROR) - (.*)$")

# Job settings the tests must not inherit from the shell that runs them.
JOB_VARS = ("JOBS_DB", "JOBS_MAX", "JOBS_MAX_DATA_BYTES", "JOBS_RETENTION_DAYS",
            "JOBS_PRUNE_INTERVAL", "KILL_GRACE_SECONDS", "WORKER_MAX_MEMORY_MB",
            "WORKER_MAX_CPU_SECONDS", "WORKER_MAX_JOBS", "WORKER_SANDBOX", "NODE_NAME",
            "MAX_SUBRUNS_PER_RUN", "MAX_STEPS_PER_RUN")


def server(flows=None, env=None, **kw):
    e = {k: None for k in JOB_VARS}
    e.update(env or {})
    return E.Server(flows=flows, env=e, **kw)


def iso(text, what="time"):
    assert isinstance(text, str) and ISO.match(text), "%s is not ISO 8601 as written by the API: %r" % (
        what, text)
    return datetime.datetime.fromisoformat(text)


def epoch(text):
    return iso(text).timestamp()


# -- OpenAPI shapes ---------------------------------------------------------
class Schemas:
    """The service's own OpenAPI document; check(value, name) validates a
    value against components/schemas/<name> and raises with the JSON path
    of the first mismatch."""

    def __init__(self, srv):
        r = srv.get("/static/swagger.json", auth=False)
        assert r.status == 200, r
        self.doc = r.json()

    def schema(self, name):
        return self.doc["components"]["schemas"][name]

    def check(self, value, name):
        self._check(value, {"$ref": "#/components/schemas/%s" % name}, name)
        return value

    def _resolve(self, s):
        while "$ref" in s:
            ref = s["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
            s = node
        return s

    def _check(self, v, s, path):
        s = self._resolve(s)
        for sub in s.get("allOf", []):
            self._check(v, sub, path)
        if v is None:
            assert s.get("nullable") or "type" not in s or s.get("type") == "null", \
                "%s: null where the schema says %r" % (path, s.get("type"))
            return
        t = s.get("type")
        types = {"object": dict, "array": list, "string": str, "boolean": bool}
        if t in types:
            assert isinstance(v, types[t]), "%s: %r is not a %s" % (path, v, t)
        elif t == "integer":
            assert isinstance(v, int) and not isinstance(v, bool), "%s: %r is not an integer" % (path, v)
        elif t == "number":
            assert isinstance(v, (int, float)) and not isinstance(v, bool), "%s: %r is not a number" % (
                path, v)
        if "enum" in s:
            assert v in s["enum"], "%s: %r not in %r" % (path, v, s["enum"])
        if "minimum" in s:
            assert v >= s["minimum"], "%s: %r < %r" % (path, v, s["minimum"])
        fmt = s.get("format")
        if fmt == "uuid":
            assert UUID.match(v), "%s: %r is not a UUID4" % (path, v)
        elif fmt == "date-time":
            iso(v, path)
        if t == "object" or "properties" in s:
            for k in s.get("required", []):
                assert k in v, "%s: required member %r missing (has %s)" % (path, k, sorted(v))
            for k, sub in s.get("properties", {}).items():
                if k in v:
                    self._check(v[k], sub, "%s.%s" % (path, k))
        if t == "array" and "items" in s:
            for i, item in enumerate(v):
                self._check(item, s["items"], "%s[%d]" % (path, i))


# -- jobs -------------------------------------------------------------------
def job(srv, jid):
    r = srv.get("/api/v1/jobs/%s" % jid)
    assert r.status == 200, "GET job %s: %r" % (jid, r)
    return r.json()


def wait_job(srv, jid, timeout, state="finished"):
    """Poll until the job is in state; returns the job (with its timeline)."""
    return E.wait_for(lambda: (lambda j: j if j["state"] == state else None)(job(srv, jid)),
                      timeout, what="job %s to be %s" % (jid, state))


def launch(srv, path, data=None, wait=None, **extra):
    body = {"path": path}
    if data is not None:
        body["data"] = data
    body.update(extra)
    return srv.post("/api/v1/jobs" + ("?wait=%s" % wait if wait is not None else ""), body)


def launch_id(srv, path, data=None, **extra):
    r = launch(srv, path, data, **extra)
    assert r.status == 202, "launch of %s: %r" % (path, r)
    return r.json()["job_id"]


def list_jobs(srv, query=""):
    r = srv.get("/api/v1/jobs" + query)
    assert r.status == 200, "GET /api/v1/jobs%s: %r" % (query, r)
    return r.json()


# -- Server-Sent Events -------------------------------------------------------
def sse(srv, path, timeout=None, on_event=None):
    """GET path as an event stream. Returns (status, headers, [(event,
    data)], seconds until the stream ended). on_event(event, data, t) is
    called as each event arrives."""
    c = srv.connection(timeout or 30 * E.SLOW)
    t0 = time.time()
    c.request("GET", path, headers=srv.auth_headers())
    r = c.getresponse()
    headers = {k.lower(): v for k, v in r.getheaders()}
    events = []
    if r.status != 200:
        body = r.read()
        c.close()
        return r.status, headers, json.loads(body), time.time() - t0
    name, data = None, []
    try:
        while True:
            line = r.fp.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                if name is not None:
                    value = json.loads("\n".join(data))
                    events.append((name, value))
                    if on_event is not None:
                        on_event(name, value, time.time() - t0)
                name, data = None, []
            elif line.startswith(":"):
                continue  # keep-alive comment
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
    finally:
        c.close()
    return r.status, headers, events, time.time() - t0


# -- a server that never answers ---------------------------------------------
class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers. hung_up(i)
    says whether the i-th client closed its connection (the request was
    aborted); received(i) is what it sent."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.closed = []
        self.data = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                i = len(self.conns)
                self.conns.append(c)
                self.closed.append(None)
                self.data.append(b"")
            threading.Thread(target=self._watch, args=(i, c), daemon=True).start()

    def _watch(self, i, c):
        while True:
            try:
                b = c.recv(65536)
            except OSError:
                b = b""
            with self.lock:
                if not b:
                    self.closed[i] = time.time()
                    return
                self.data[i] += b

    def count(self):
        with self.lock:
            return len(self.conns)

    def hung_up(self, i):
        with self.lock:
            return self.closed[i]

    def received(self, i):
        with self.lock:
            return self.data[i]

    def close(self):
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


# -- logs ---------------------------------------------------------------------
def log_lines(text_or_list):
    """[(level, message)] of the lines that are log records."""
    lines = text_or_list.splitlines() if isinstance(text_or_list, str) else text_or_list
    out = []
    for l in lines:
        m = LOG_LINE.match(l)
        if m:
            out.append((m.group(2), m.group(3)))
    return out
