"""Mock HTTP/HTTPS servers and an `octoflow run` harness for the step-plugin
end-to-end tests (tests/e2e/test_rest*.py, test_secrets*.py, test_subflows*.py,
test_jira*.py, test_dropin*.py).

Standard library only (plus Debian's python3-yaml in the tests); run with
/usr/bin/python3. Everything listens on 127.0.0.1: nothing leaves the machine.

MockServer
    A threaded HTTP/1.1 server (keep-alive, like the services octoflow talks
    to) on a free loopback port, optionally speaking TLS with a certificate
    made by make_ca()/make_self_signed() (the openssl CLI). Every request is
    recorded (method, target, path, query, headers, body) before it is
    answered. Routes are (method-or-"*", path regex, handler) tuples tried in
    order; a handler gets (req, match) and returns (status, body[, headers]),
    body being a dict/list (sent as JSON), str, bytes or None. std_routes()
    are the generic ones (/echo, /status/N, /sleep/MS, /empty, /nocontent,
    /text, /redirect/N).

Octo
    A temporary DATA_PATH with flows/ and templates/, a clean environment
    (no OCTO_*, proxy, Vault or DATA_* variables inherited) and `octoflow run`
    / `octoflow validate` on it. run() returns a Result with the exit status,
    the parsed stdout JSON, stdout and stderr.

run_tests(globals())
    Runs the test_* functions of a test file in order, prints PASS/FAIL and
    the time each took, exits 1 when one failed. A test fails by raising.

Environment (tests/e2e/CMakeLists.txt): OCTO_BIN, OCTO_PLUGIN_DIR,
OCTO_SOURCE_DIR, OCTO_SANITIZE (ON: the ASan build, timing bounds relaxed).
"""
import base64
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

BIN = os.environ.get("OCTO_BIN", "")
PLUGINS = os.environ.get("OCTO_PLUGIN_DIR", "")
SRC = os.environ.get("OCTO_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SANITIZE = os.environ.get("OCTO_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES") or \
    os.environ.get("OCTO_TSAN", "OFF").upper() in ("ON", "1", "TRUE", "YES")
# Multiplier for time bounds: the ASan build starts and runs slower.
SLOW = 3.0 if SANITIZE else 1.0


# ---------------------------------------------------------------------------
# certificates (openssl CLI)
# ---------------------------------------------------------------------------
def _openssl(args, cwd):
    p = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args), p.stderr))


_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_ca(directory, hosts, name="ca"):
    """A test CA and one server certificate for hosts (DNS names; 127.0.0.1
    is always added as an IP SAN). Returns (ca_pem, cert_pem, key_pem)."""
    os.makedirs(directory, exist_ok=True)
    ca, ca_key = name + ".pem", name + ".key"
    crt, key, csr, ext = name + "-srv.pem", name + "-srv.key", name + "-srv.csr", name + ".ext"
    _openssl(["req", "-x509"] + _EC + ["-keyout", ca_key, "-out", ca, "-days", "3",
                                       "-subj", "/CN=Octoflow Test CA " + name,
                                       "-addext", "basicConstraints=critical,CA:TRUE",
                                       "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
             directory)
    _openssl(["req", "-new"] + _EC + ["-keyout", key, "-out", csr,
                                      "-subj", "/CN=%s" % (hosts[0] if hosts else "localhost")],
             directory)
    sans = ",".join(["DNS:%s" % h for h in hosts] + ["IP:127.0.0.1"])
    with open(os.path.join(directory, ext), "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                "keyUsage=digitalSignature,keyEncipherment\n" % sans)
    _openssl(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
              "-out", crt, "-days", "3", "-extfile", ext], directory)
    j = lambda n: os.path.join(directory, n)  # noqa: E731
    return j(ca), j(crt), j(key)


def make_self_signed(directory, hosts=("localhost",), name="self"):
    """A self-signed certificate (no CA). Returns (cert_pem, key_pem)."""
    os.makedirs(directory, exist_ok=True)
    sans = ",".join(["DNS:%s" % h for h in hosts] + ["IP:127.0.0.1"])
    _openssl(["req", "-x509"] + _EC + ["-keyout", name + ".key", "-out", name + ".pem",
                                       "-days", "3", "-subj", "/CN=%s" % hosts[0],
                                       "-addext", "subjectAltName=%s" % sans], directory)
    return os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")


# ---------------------------------------------------------------------------
# the mock server
# ---------------------------------------------------------------------------
class Request:
    """One request as the server received it."""

    def __init__(self, method, target, headers, body, server_name):
        self.method = method
        self.target = target                      # path?query as sent
        self.path, _, self.query = target.partition("?")
        self.headers = {}                         # lower-case name -> value (last wins)
        self.header_list = []                     # [(name, value)] as received
        for k, v in headers.items():
            self.headers[k.lower()] = v
            self.header_list.append((k, v))
        self.body = body                          # bytes
        self.server = server_name
        self.time = time.time()

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def query_pairs(self):
        return urllib.parse.parse_qsl(self.query, keep_blank_values=True)

    def basic_auth(self):
        """(user, password) from a Basic Authorization header, or None."""
        a = self.header("Authorization", "")
        if not a.startswith("Basic "):
            return None
        user, _, pw = base64.b64decode(a[6:]).decode("utf-8").partition(":")
        return user, pw

    def __repr__(self):
        return "<%s %s %s %r>" % (self.server, self.method, self.target, self.body[:200])


def _json_body(obj):
    return json.dumps(obj).encode("utf-8")


def echo(req, m=None):
    """A handler answering with what it received, as JSON."""
    try:
        parsed = req.json()
    except ValueError:
        parsed = None
    return 200, {"method": req.method, "path": req.path, "query": req.query,
                 "headers": req.headers, "body": req.body.decode("utf-8", "replace"),
                 "json": parsed}


def std_routes():
    """Generic routes: echo, status codes, slow answers, empty/no-content/text
    bodies and redirects."""

    def status(req, m):
        code = int(m.group(1))
        if m.group(2) == "/text":
            return code, "plain failure text for %d" % code, {"Content-Type": "text/plain"}
        return code, {"error": "status %d" % code, "detail": {"path": req.path}}

    def sleep(req, m):
        time.sleep(int(m.group(1)) / 1000.0)
        return 200, {"slept_ms": int(m.group(1)), "path": req.path, "query": req.query}

    def redirect(req, m):
        n = int(m.group(1))
        loc = "/redirect/%d" % (n - 1) if n > 1 else "/echo/redirected"
        return 302, None, {"Location": loc}

    return [
        ("*", r"^/echo(/.*)?$", echo),
        ("*", r"^/status/(\d+)(/text)?$", status),
        ("*", r"^/sleep/(\d+)(/.*)?$", sleep),
        ("*", r"^/empty$", lambda r, m: (200, b"", {"Content-Type": "application/json"})),
        ("*", r"^/nocontent$", lambda r, m: (204, None)),
        ("*", r"^/text$", lambda r, m: (200, "plain text, not JSON: {oops",
                                        {"Content-Type": "text/plain; charset=utf-8"})),
        ("*", r"^/redirect/(\d+)$", redirect),
    ]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "octo-mock/1.0"
    # headers and body are two writes: without TCP_NODELAY, Nagle + the
    # client's delayed ACK add ~40 ms to every keep-alive answer
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet
        pass

    def _serve(self):
        srv = self.server.mock
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        req = Request(self.command, self.path, self.headers, body, srv.name)
        with srv.lock:
            srv.requests.append(req)
        result = None
        for method, rx, fn in srv.routes:
            if method != "*" and method.upper() != self.command:
                continue
            m = re.match(rx, req.path)
            if m:
                try:
                    result = fn(req, m)
                except Exception as e:  # a handler bug: answer 500, keep the trace
                    traceback.print_exc()
                    result = (500, {"mock_error": repr(e)})
                break
        if result is None:
            result = (404, {"error": "no mock route for %s %s" % (self.command, req.path)})
        status, payload = result[0], result[1]
        headers = dict(result[2]) if len(result) > 2 and result[2] else {}
        if isinstance(payload, (dict, list, int, float, bool)):
            data = _json_body(payload)
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(payload, str):
            data = payload.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif payload is None:
            data = b""
        else:
            data = payload
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if status != 204 and status >= 200:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and status != 204:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def finish_request(self, request, client_address):
        if self.mock.ssl_ctx is not None:
            try:
                request.settimeout(30)
                request = self.mock.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                with self.mock.lock:
                    self.mock.tls_failures.append(repr(e))
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass
        finally:
            if self.mock.ssl_ctx is not None:
                try:
                    request.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):  # no tracebacks for dropped clients
        pass


class MockServer:
    """A recording HTTP(S) server on 127.0.0.1 (see the module doc)."""

    def __init__(self, routes=None, certfile=None, keyfile=None, name="mock", std=True):
        self.name = name
        self.routes = list(routes or []) + (std_routes() if std else [])
        self.requests = []
        self.tls_failures = []
        self.lock = threading.Lock()
        self.ssl_ctx = None
        if certfile:
            self.ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ssl_ctx.load_cert_chain(certfile, keyfile)
        self.httpd = _ThreadingServer(("127.0.0.1", 0), _Handler)
        self.httpd.mock = self
        self.port = self.httpd.server_address[1]
        self.thread = None

    @property
    def scheme(self):
        return "https" if self.ssl_ctx is not None else "http"

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()
        return False

    def add_route(self, method, rx, fn):
        """Add a route in front of the others."""
        self.routes.insert(0, (method, rx, fn))

    def clear(self):
        with self.lock:
            self.requests = []
            self.tls_failures = []

    def got(self, method=None, path=None, prefix=None):
        """The recorded requests, filtered by method and exact path / prefix."""
        with self.lock:
            rs = list(self.requests)
        return [r for r in rs if (method is None or r.method == method)
                and (path is None or r.path == path)
                and (prefix is None or r.path.startswith(prefix))]

    def last(self):
        with self.lock:
            return self.requests[-1] if self.requests else None


# ---------------------------------------------------------------------------
# the octoflow harness
# ---------------------------------------------------------------------------
_STRIP_PREFIXES = ("API_", "LOG_", "FLOW_", "SHUTDOWN_", "DATA_", "LOCK_", "FLOWS_", "TEMPLATES_",
                   "SECRETS_", "CONFIG_", "TIMEZONE", "OCTO_TLS", "OCTO_CA", "OCTO_CONNECT",
                   "HASHICORP_", "VAULT_", "PLUGINS_PATH", "CURL_", "SSL_CERT")
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
               "ALL_PROXY", "NO_PROXY")


class Result:
    def __init__(self, proc, took):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.took = took
        try:
            self.data = json.loads(proc.stdout) if proc.stdout.strip() else None
        except ValueError:
            self.data = None

    def __getitem__(self, k):
        return self.data[k]

    @property
    def errors(self):
        return (self.data or {}).get("__errors__", [])

    def __repr__(self):
        return "<rc=%s took=%.2fs stderr=%s stdout=%s>" % (self.rc, self.took, self.stderr[-1500:],
                                                          self.stdout[-1500:])


class Octo:
    """A temporary DATA_PATH and `octoflow run/validate` on it."""

    def __init__(self, tmp=None, name="data"):
        self.own = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="octo-steps-")
        self.data = os.path.join(self.tmp, name)
        for d in ("flows", "templates"):
            os.makedirs(os.path.join(self.data, d), exist_ok=True)
        self.env = {}
        self.outputs = []   # stdout + stderr of every run, for the secrets scan

    def path(self, rel):
        return os.path.join(self.data, rel)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def flow(self, rel, text):
        return self.write(os.path.join("flows", rel), text)

    def template(self, rel, text):
        return self.write(os.path.join("templates", rel), text)

    def secrets(self, entries):
        """secrets.yml from a list of dicts (or YAML text)."""
        text = entries if isinstance(entries, str) else json.dumps(entries, indent=1)
        return self.write("secrets.yml", text)  # JSON is YAML

    def environment(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_STRIP_PREFIXES) and k not in _PROXY_VARS}
        env["DATA_PATH"] = self.data
        env["PLUGINS_PATH"] = PLUGINS
        env["HOME"] = self.tmp   # no ~/.netrc or ~/.curlrc of the user
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        for src in (self.env, extra or {}):
            for k, v in src.items():
                if v is None:
                    env.pop(k, None)
                else:
                    env[k] = str(v)
        return env

    def cmd(self, args, env=None, timeout=None):
        t0 = time.time()
        p = subprocess.run([BIN] + list(args), env=self.environment(env), capture_output=True,
                           text=True, timeout=timeout or 120 * SLOW, cwd=self.tmp)
        r = Result(p, time.time() - t0)
        self.outputs.append(p.stdout)
        self.outputs.append(p.stderr)
        sanitizer_clean(p.stderr)
        return r

    def run(self, flow, data=None, env=None, timeout=None):
        args = ["run", flow]
        if data is not None:
            args += ["--data", json.dumps(data)]
        return self.cmd(args, env=env, timeout=timeout)

    def validate(self, *flows, env=None):
        return self.cmd(["validate"] + list(flows), env=env)

    def log(self):
        try:
            with open(self.path("logs/spooler_service.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def files_text(self):
        """{relative path: text} of every file under DATA_PATH except flows,
        templates and secrets.yml (outputs and logs), for leak scans."""
        out = {}
        for root, dirs, files in os.walk(self.data):
            rel_root = os.path.relpath(root, self.data)
            if rel_root.split(os.sep)[0] in ("flows", "templates"):
                continue
            for n in files:
                rel = os.path.normpath(os.path.join(rel_root, n))
                if rel == "secrets.yml":
                    continue
                with open(os.path.join(root, n), errors="replace") as f:
                    out[rel] = f.read()
        return out

    def cleanup(self):
        if self.own:
            shutil.rmtree(self.tmp, ignore_errors=True)


def sanitizer_clean(stderr):
    assert "ERROR: AddressSanitizer" not in stderr and "ERROR: LeakSanitizer" not in stderr \
        and "runtime error:" not in stderr, "sanitizer report:\n%s" % stderr[-6000:]


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s\n  got:  %r\n  want: %r" % (what, got, want))


def run_tests(ns):
    """Run the test_* functions of ns in definition order (or those named on
    the command line); exit 1 when one failed."""
    if not BIN or not os.path.exists(BIN):
        print("OCTO_BIN is not set or missing: %r" % BIN)
        sys.exit(1)
    names = [n for n, f in ns.items() if n.startswith("test_") and callable(f)]
    if len(sys.argv) > 1:
        names = [n for n in names if n in sys.argv[1:]]
    failed = []
    t_all = time.time()
    for n in names:
        t0 = time.time()
        try:
            ns[n]()
            print("PASS %-45s %6.2fs" % (n, time.time() - t0), flush=True)
        except Exception:
            failed.append(n)
            print("FAIL %-45s %6.2fs" % (n, time.time() - t0), flush=True)
            traceback.print_exc()
            sys.stdout.flush()
    print("%d passed, %d failed in %.1fs%s" % (len(names) - len(failed), len(failed),
                                               time.time() - t_all,
                                               (": " + ", ".join(failed)) if failed else ""))
    sys.exit(1 if failed else 0)
