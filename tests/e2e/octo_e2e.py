"""Shared helpers for the REST service end-to-end tests (tests/e2e/test_api*.py).

Starts the real `octoflow serve` on a free loopback port with a temporary
DATA_PATH and API_TOKEN, waits for /api/health, talks HTTP(S) to it with the
standard library only, and stops it with a signal, checking the exit status
and collecting its log.

Environment (set by tests/e2e/CMakeLists.txt):
  OCTO_BIN          the octoflow executable
  OCTO_PLUGIN_DIR   the built step plugins
  OCTO_SOURCE_DIR   the source tree
  OCTO_SANITIZE     ON for the ASan/UBSan build (timeouts are stretched;
                    OCTO_TSAN=ON, the ThreadSanitizer build, likewise)
  OCTO_VALGRIND     1: run the server under valgrind (memcheck; any error or
                    definite leak makes it exit 99, which fails the test).
                    Use with a build without sanitizers, by hand:
                    OCTO_VALGRIND=1 ctest -R e2e_test_api_routes

Test files define functions named test_*; `run_tests(globals())` runs them in
order, prints PASS/FAIL with the time each took, and exits 1 when one failed.
A test fails by raising (assert, or check()).
"""
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
import threading
import time
import traceback

BIN = os.environ.get("OCTO_BIN", "")
PLUGINS = os.environ.get("OCTO_PLUGIN_DIR", "")
SRC = os.environ.get("OCTO_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SANITIZE = os.environ.get("OCTO_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES") or \
    os.environ.get("OCTO_TSAN", "OFF").upper() in ("ON", "1", "TRUE", "YES")
# Timeouts are multiplied by SLOW: the ASan build starts and runs slower, and
# CI runs two tests at once on two cores.
SLOW = 3.0 if SANITIZE else 1.5
VALGRIND = os.environ.get("OCTO_VALGRIND", "") in ("1", "ON", "on", "yes", "true")
if VALGRIND:
    SLOW = 20.0
VALGRIND_CMD = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite"]

# A jq step that keeps one core busy for about 0.1 s on an idle machine
# (~0.2 s while other builds run; calibrated on the
# target machine: 1,000,000 iterations of this reduce take ~0.4 s in both
# builds - libjq itself is not instrumented). jq programs cannot be
# interrupted, so slow flows are made of several such steps: cancellation
# (timeout_seconds, shutdown) takes effect between two steps.
SPIN_100MS = "reduce range(0; 250000) as $i (0; . + 1)"
SPIN_500MS = "reduce range(0; 1250000) as $i (0; . + 1)"


def slow_flow(name, steps, every_seconds=None, cron=None, spin=SPIN_100MS):
    """YAML text of a flow of `steps` jq steps of ~0.1 s each."""
    lines = ["name: %s" % name]
    if every_seconds is not None:
        lines.append("every_seconds: %d" % every_seconds)
    if cron is not None:
        lines.append("cron: %s" % json.dumps(cron))
    lines.append("steps:")
    for i in range(steps):
        lines.append("- name: spin%d" % i)
        lines.append("  type: jq")
        lines.append("  jq:")
        lines.append("    expression: %s" % json.dumps(spin))
    return "\n".join(lines) + "\n"


ECHO_FLOW = """name: echo
steps:
- name: got
  type: jq
  jq: {expression: '{"x": .x, "doubled": (.x * 2)}', data_key: __input__}
"""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # {lower-case name: value}
        self.body = body        # bytes
        self.elapsed = elapsed

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


LIVE = []  # servers started and not cleaned up: their logs are shown on failures


class Server:
    """One `octoflow serve` process on a temporary DATA_PATH.

    flows: {relative path: YAML text} written under DATA_PATH/flows.
    config: text of config.yml (None: no file).
    env: extra environment (a value of None removes the variable).
    token: API_TOKEN (None: unset, the server uses the default token).
    """

    def __init__(self, flows=None, config=None, env=None, token="s3cr3t-T0ken-e2e",
                 host="127.0.0.1", tmp=None, name="srv"):
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="octo-api-e2e-")
        self.data = os.path.join(self.tmp, "data")
        self.flows_dir = os.path.join(self.data, "flows")
        os.makedirs(self.flows_dir, exist_ok=True)
        for rel, text in (flows or {}).items():
            self.write_flow(rel, text)
        if config is not None:
            with open(os.path.join(self.data, "config.yml"), "w") as f:
                f.write(config)
        self.token = token
        self.host = host
        self.extra_env = dict(env or {})
        self.name = name
        self.proc = None
        self.port = None
        self.https_port = None
        self.scheme = "http"
        self.ssl_ctx = None
        self.out_path = os.path.join(self.tmp, "%s.stderr" % name)
        self.bodies = []  # every response body, to check for leaks

    # -- files -----------------------------------------------------------
    def write_flow(self, rel, text):
        path = os.path.join(self.flows_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    @property
    def lock_dir(self):
        return os.path.join(self.data, "locks")

    @property
    def log_path(self):
        return os.path.join(self.data, "logs", "spooler_service.log")

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_has(self, text, count=None, timeout=None):
        """Wait until the log file holds text (count times, when given):
        lines are written by the service's log writer thread, after the
        request or event that made them was already observable - reading
        the file once right after an API answer races it (valgrind
        showed it). Returns the log."""
        def ok():
            log = self.log()
            n = log.count(text)
            return log if (n >= 1 if count is None else n >= count) else None
        log = wait_for(ok, 5 * SLOW if timeout is None else timeout, what="the log line %r" % text)
        if count is not None and log.count(text) != count:
            raise AssertionError("the log line %r appears %d times, not %d" % (text, log.count(text), count))
        return log

    def log_match(self, pattern, timeout=None):
        """log_has for a regular expression: waits for a match; returns it."""
        return wait_for(lambda: re.search(pattern, self.log()), 5 * SLOW if timeout is None else timeout,
                        what="a log line matching %r" % pattern)

    def stderr(self):
        try:
            with open(self.out_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def lock_files(self):
        try:
            return sorted(n for n in os.listdir(self.lock_dir) if n.endswith(".lock"))
        except FileNotFoundError:
            return []

    # -- process ---------------------------------------------------------
    def environment(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith(("API_", "LOG_", "FLOW_", "SHUTDOWN_", "DATA_", "LOCK_", "FLOWS_",
                             "TEMPLATES_", "SECRETS_", "CONFIG_", "TIMEZONE", "OCTO_TLS",
                             "OCTO_CA", "OCTO_CONNECT")):
                del env[k]
        env["DATA_PATH"] = self.data
        env["PLUGINS_PATH"] = PLUGINS
        env["API_PORT"] = str(self.port)
        if self.host is not None:
            env["API_HOST"] = self.host
        if self.token is not None:
            env["API_TOKEN"] = self.token
        # LeakSanitizer reports make the exit status non-zero: stop() sees them.
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        for k, v in self.extra_env.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    def start(self, wait=True, port=None):
        """Start the server; with wait, until /api/health answers."""
        for attempt in range(3):
            self.port = port or free_port()
            env = self.environment()
            if "API_HTTPS_PORT" in self.extra_env and self.extra_env["API_HTTPS_PORT"] == "auto":
                env["API_HTTPS_PORT"] = str(free_port())
            self.https_port = int(env.get("API_HTTPS_PORT", self.port + 1))
            self.env_used = env
            self.out = open(self.out_path, "a")
            if self not in LIVE:
                LIVE.append(self)
            self.proc = subprocess.Popen((VALGRIND_CMD if VALGRIND else []) + [BIN, "serve"],
                                         env=env, stdout=self.out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         cwd=self.tmp)
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except RuntimeError:
                rc = self.proc.poll()
                if rc is not None and "cannot listen" in self.stderr() and port is None:
                    self.out.close()
                    continue  # the free port was taken meanwhile: try another one
                raise
        raise RuntimeError("cannot start the server: %s" % self.stderr()[-2000:])

    def wait_ready(self, timeout=None):
        deadline = time.time() + (timeout or 15 * SLOW)
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("octoflow serve exited with %d:\n%s" %
                                   (self.proc.returncode, self.stderr()[-3000:]))
            try:
                r = self.request("GET", "/api/health", auth=False, timeout=2, record=False)
                if r.status == 200:
                    return
                last = r
            except (OSError, http.client.HTTPException) as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError("server not ready after %.0f s (%r):\n%s" %
                           (timeout or 15 * SLOW, last, self.stderr()[-3000:]))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=None):
        try:
            return self.proc.wait(timeout or 30 * SLOW)
        finally:
            if self.proc.poll() is not None and not self.out.closed:
                self.out.close()

    def stop(self, sig=signal.SIGTERM, timeout=None, expect_rc=0):
        """Send sig, wait, assert the exit status; returns the seconds it took."""
        if self.proc is None or self.proc.poll() is not None:
            rc = None if self.proc is None else self.proc.returncode
            if expect_rc is not None and rc is not None:
                assert rc == expect_rc, "server had already exited with %r:\n%s" % (
                    rc, self.stderr()[-3000:])
            return 0.0
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.wait_exit(timeout or 30 * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not exit after %s:\n%s" %
                                 (sig, self.stderr()[-3000:]))
        took = time.time() - t0
        if expect_rc is not None:
            assert rc == expect_rc, "server exit status %d (want %d):\n%s" % (
                rc, expect_rc, self.stderr()[-4000:])
            err = self.stderr()
            assert "ERROR: AddressSanitizer" not in err and "ERROR: LeakSanitizer" not in err \
                and "runtime error:" not in err, "sanitizer report:\n%s" % err[-6000:]
        return took

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and not self.out.closed:
            self.out.close()

    def cleanup(self):
        if self in LIVE:
            LIVE.remove(self)
        self.kill()
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, et, ev, tb):
        try:
            if et is None:
                self.stop()
            else:
                print("---- server output (%s) ----\n%s" % (self.name, self.stderr()[-4000:]))
        finally:
            self.cleanup()
        return False

    # -- HTTP ------------------------------------------------------------
    def connection(self, timeout=None, https=False):
        if https or self.scheme == "https":
            port = self.https_port if https and self.scheme != "https" else self.port
            return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout or 30 * SLOW,
                                               context=self.ssl_ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or 30 * SLOW)

    def auth_headers(self):
        return {"Authorization": "Bearer %s" % (self.token or "default_token")}

    def request(self, method, path, body=None, headers=None, auth=True, timeout=None,
                raw=None, conn=None, record=True, https=False):
        """One request on a fresh connection (or conn). body: JSON-serialised
        unless raw (bytes/str) is given. Returns a Response."""
        h = {}
        if auth:
            h.update(self.auth_headers())
        data = None
        if raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            for k, v in headers.items():
                if v is None:
                    h.pop(k, None)
                else:
                    h[k] = v
        own = conn is None
        c = conn or self.connection(timeout, https=https)
        t0 = time.time()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            payload = r.read()
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload,
                            time.time() - t0)
        finally:
            if own:
                c.close()
        if record:
            self.bodies.append(resp.body)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def launch(self, path, data=None, **kw):
        body = {"path": path}
        if data is not None:
            body["data"] = data
        body.update(kw.pop("extra", {}))
        return self.post("/api/flows/launch", body, **kw)

    def flows(self):
        r = self.get("/api/flows")
        assert r.status == 200, r
        return r.json()["flows"]

    def locks(self):
        r = self.get("/api/locks")
        assert r.status == 200, r
        return r.json()["locks"]

    def raw_exchange(self, data, timeout=None):
        """Send raw bytes on a plain socket; return everything read until close
        (or the timeout)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout or 10 * SLOW)
        try:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    b = s.recv(65536)
                except socket.timeout:
                    break
                if not b:
                    break
                chunks.append(b)
                if b"\r\n\r\n" in b"".join(chunks):
                    head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            if len(rest) >= int(line.split(b":")[1]):
                                return b"".join(chunks)
            return b"".join(chunks)
        finally:
            s.close()


def parse_raw_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def wait_for(cond, timeout, interval=0.05, what="condition"):
    """Poll cond() until it returns a true value; return it, or raise."""
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def assert_json_error(r, status, contains=None):
    """r is status with a JSON {"error": text} body (and nothing else HTML)."""
    assert r.status == status, "want %d, got %r" % (status, r)
    ct = r.headers.get("content-type", "")
    assert ct.startswith("application/json"), "error content type %r: %r" % (ct, r)
    v = r.json()
    assert isinstance(v, dict) and isinstance(v.get("error"), str) and v["error"], r
    if contains is not None:
        assert contains in v["error"], "%r not in %r" % (contains, v["error"])
    return v["error"]


class Background(threading.Thread):
    """Run fn() in a thread; .result / .error afterwards (join)."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn = fn
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as e:  # noqa: B902 - reported by the test
            self.error = e

    def get(self, timeout=None):
        self.join(timeout or 60 * SLOW)
        assert not self.is_alive(), "background request still running"
        if self.error is not None:
            raise self.error
        return self.result


def make_cert(directory, cn="localhost"):
    """A self-signed certificate and key for 127.0.0.1/localhost (openssl CLI)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=%s" % cn, "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def listening_addresses(pid):
    """The (ip, port) pairs of IPv4 TCP sockets in LISTEN state owned by pid."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    with open("/proc/%d/net/tcp" % pid) as f:
        next(f)
        for line in f:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and inode in inodes:
                hexip, hexport = local.split(":")
                ip = ".".join(str(int(hexip[i:i + 2], 16)) for i in (6, 4, 2, 0))
                out.append((ip, int(hexport, 16)))
    return sorted(out)


def run_tests(namespace, only=None):
    """Run every test_* function of namespace in definition order."""
    if not BIN or not os.path.exists(BIN):
        print("OCTO_BIN is not set or missing: %r" % BIN)
        sys.exit(2)
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]
    if only is None and len(sys.argv) > 1:
        only = sys.argv[1:]
    if only:
        tests = [(n, f) for n, f in tests if n in only]
    failed = []
    t_all = time.time()
    for name, fn in tests:
        t0 = time.time()
        try:
            fn()
            print("PASS %-50s %6.2f s" % (name, time.time() - t0), flush=True)
        except BaseException as e:  # noqa: B902 - every failure is reported
            if isinstance(e, KeyboardInterrupt):
                raise
            failed.append(name)
            print("FAIL %-50s %6.2f s" % (name, time.time() - t0))
            traceback.print_exc()
            for s in LIVE:
                tail = s.log().splitlines()[-40:]
                print("---- last lines of %s's log ----\n%s" % (s.name, "\n".join(tail)))
            sys.stdout.flush()
    print("%d passed, %d failed in %.1f s%s" % (len(tests) - len(failed), len(failed),
                                                time.time() - t_all,
                                                (": " + ", ".join(failed)) if failed else ""))
    sys.exit(1 if failed else 0)
