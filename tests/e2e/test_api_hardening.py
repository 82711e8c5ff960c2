#!/usr/bin/env python3
"""Attacks on the service's HTTP layer (civetweb 1.15, Debian's library),
end to end: each test is named after the defect it covers, runs the real
binary on a free loopback port, and ends by checking that the service is
still up and answers /api/health promptly (README "Limits and defences").

1. the public default token never listens beyond loopback
2. API_TOKEN longer than 511 bytes was cut silently
3. API_PROTOCOL was matched by substring ("https " served plain HTTP)
4. idle and slow connections pinned every request thread
5. request shapes civetweb misreads (two lengths, absolute-form, >63 headers)
6. launch bodies nested deeper than a response can carry ran the flow first
"""
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402

sys.setrecursionlimit(20000)  # json.loads of the 999-level bodies
from octo_e2e import Background, assert_json_error, check, wait_for  # noqa: E402

# "promptly": what the brief of these fixes asks under attack
PROMPT = 3.0 if E.SANITIZE else 1.0

FLOWS = {
    "echo.yml": E.ECHO_FLOW,
    "plain.yml": "name: plain\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "long.yml": E.slow_flow("long", 15),  # ~1.5 s
}


def assert_healthy(s, what="after the test"):
    r = s.get("/api/health", auth=False, timeout=10 * E.SLOW, record=False)
    check(r.status == 200 and r.json()["status"] == "ok", "%s: %r" % (what, r))
    check(r.elapsed < PROMPT, "%s: /api/health took %.2f s" % (what, r.elapsed))
    check(s.proc.poll() is None, "%s: the server died:\n%s" % (what, s.stderr()[-3000:]))


def refused_start(name, token=None, host=None, env=None):
    """Start a server that must refuse its configuration: exit status 2
    without listening. Returns its output."""
    s = E.Server(flows=FLOWS, token=token, host=host, env=env, name=name)
    try:
        s.start(wait=False)
        rc = s.wait_exit(30 * E.SLOW)
        out = s.stderr()
        check(rc == 2, "%s: exit status %r (want 2):\n%s" % (name, rc, out[-2000:]))
        check("API listening" not in out, "%s listened:\n%s" % (name, out[-2000:]))
        check("ERROR: AddressSanitizer" not in out and "runtime error:" not in out, out[-4000:])
        return out
    finally:
        s.cleanup()


def local_non_loopback_ip():
    """An address of this machine that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.connect(("192.0.2.1", 9))  # no packet is sent: picks the interface
            ip = u.getsockname()[0]
        return None if ip.startswith("127.") or ip == "0.0.0.0" else ip
    except OSError:
        return None


def connect(s):
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10 * E.SLOW)
    return c


def read_all(c, timeout):
    """Everything the server sends until it closes (raises on timeout)."""
    c.settimeout(timeout)
    out = b""
    while True:
        b = c.recv(65536)
        if not b:
            return out
        out += b


def closed_by_server(c):
    """Has the server ended c (EOF or reset; what it sent before is read
    and dropped), without blocking?"""
    c.setblocking(False)
    try:
        while c.recv(65536) != b"":
            pass
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        c.setblocking(True)


def exchange(s, data, timeout=None):
    """Send raw bytes; return the responses (status, headers, body) read
    until the server closes the connection."""
    c = connect(s)
    try:
        c.sendall(data)
        raw = read_all(c, timeout or 10 * E.SLOW)
    finally:
        c.close()
    out = []
    while raw:
        status, headers, rest = E.parse_raw_response(raw)
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        raw = rest[n:]
    return out


# -- 1 -----------------------------------------------------------------------

def test_default_token_binds_loopback_only():
    """API_HOST=0.0.0.0 without API_TOKEN listened on every interface and
    accepted "default_token" from the network, while the log said
    127.0.0.1 only."""
    hosts = ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "192.0.2.10"]
    ip = local_non_loopback_ip()
    if ip is not None:
        hosts.append(ip)
    for host in hosts:
        out = refused_start("host-%s" % host, host=host)
        check('API_HOST="%s" is not a loopback address' % host in out and "API_TOKEN" in out,
              "%s: %s" % (host, out[-1500:]))
    # the default token, named explicitly, is the default token
    refused_start("explicit-default", token="default_token", host="0.0.0.0")
    # loopback is fine, by address or by name
    for host, want in (("127.0.0.1", "127.0.0.1"), ("localhost", "127.0.0.1")):
        s = E.Server(flows=FLOWS, token=None, host=host, name="lo-%s" % host)
        try:
            s.start()
            check(E.listening_addresses(s.proc.pid) == [(want, s.port)],
                  "%s: %r" % (host, E.listening_addresses(s.proc.pid)))
            check(s.get("/api/locks").status == 200, "default token on loopback")
            assert_healthy(s)
            s.stop()
        finally:
            s.cleanup()
    # with a token every interface is fine, and "default_token" is not it
    s = E.Server(flows=FLOWS, host="0.0.0.0", name="all-with-token")
    try:
        s.start()
        check(E.listening_addresses(s.proc.pid) == [("0.0.0.0", s.port)],
              "%r" % E.listening_addresses(s.proc.pid))
        if ip is not None:
            c = socket.create_connection((ip, s.port), timeout=10 * E.SLOW)
            try:
                c.sendall(b"GET /api/locks HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer default_token\r\n\r\n")
                got = read_all(c, 10 * E.SLOW)
            finally:
                c.close()
            check(got.startswith(b"HTTP/1.1 401"), "default_token from %s: %r" % (ip, got[:200]))
        assert_healthy(s)
        s.stop()
    finally:
        s.cleanup()


# -- 2 -----------------------------------------------------------------------

def test_long_api_token_is_not_truncated():
    """A token over 511 bytes was cut to 511: the real token got 401.
    Tokens up to 4096 bytes work; longer ones are refused at start."""
    for n in (600, 3000, 4096):
        token = "".join("abcdefghijklmnopqrstuvwxyz0123456789-_"[(i * 7) % 38] for i in range(n))
        s = E.Server(flows=FLOWS, token=token, name="token%d" % n)
        try:
            s.start()
            r = s.get("/api/locks")
            check(r.status == 200, "%d-byte token: %r" % (n, r))
            for wrong in (token[:511], token[:-1], token + "x"):
                r = s.get("/api/locks", headers={"Authorization": "Bearer " + wrong})
                assert_json_error(r, 401)
            check(token not in s.log(), "the token is in the log")
            assert_healthy(s)
            s.stop()
        finally:
            s.cleanup()
    token = "Z" * 4000 + "secret-tail-97"
    token = token + "y" * (4097 - len(token))
    out = refused_start("token4097", token=token)
    check("API_TOKEN is 4097 bytes long: the limit is 4096 bytes" in out, out[-1500:])
    check("secret-tail-97" not in out, "the refused token is in the output")


# -- 3 -----------------------------------------------------------------------

def test_api_protocol_is_matched_exactly():
    """API_PROTOCOL was matched by substring: "https " (a trailing space
    from an env file) served plain HTTP, the token in clear text."""
    for value in ("https ", " https", "http ", "HTTPS", "Http", "http,https ", "https,http",
                  "http, https", "https\t", "htt", "ftp"):
        out = refused_start("proto-%r" % value, env={"API_PROTOCOL": value})
        check('API_PROTOCOL="%s" must be exactly http, https or http,https' % value in out,
              "%r: %s" % (value, out[-1500:]))
    s = E.Server(flows=FLOWS, env={"API_PROTOCOL": "http"}, name="proto-http")
    try:
        s.start()
        check(s.get("/api/locks").status == 200, "http")
        assert_healthy(s)
        s.stop()
    finally:
        s.cleanup()


# -- 4 -----------------------------------------------------------------------

SLOW_POST = (b"POST /api/flows/launch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 1000000\r\n\r\n{")
SLOW_HEAD = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: "


def test_idle_and_slow_connections_cannot_starve_the_api():
    """17 idle connections (16 threads, 30 s request timeout) made every
    route unreachable, /api/health included; 16 unauthenticated POSTs
    announcing a large body did the same for ~60 s after their 401."""
    s = E.Server(flows=FLOWS, name="starve")
    attack = []
    try:
        s.start()
        # a request being handled during the attack must not be cut
        running = Background(lambda: s.launch("long.yml", timeout=60 * E.SLOW))
        running.start()
        time.sleep(0.2)
        for _ in range(64):
            attack.append(connect(s))                 # connect, send nothing
        posts = []
        for _ in range(32):
            c = connect(s)
            c.sendall(SLOW_POST)                      # 1 byte of a 1 MB body
            posts.append(c)
        for _ in range(32):
            c = connect(s)
            c.sendall(SLOW_HEAD)                      # a head that never ends
            attack.append(c)
        attack += posts
        r = s.get("/api/health", auth=False, timeout=10 * E.SLOW, record=False)
        check(r.status == 200 and r.elapsed < PROMPT,
              "/api/health under attack: %r in %.2f s" % (r, r.elapsed))
        r = s.get("/api/locks", timeout=10 * E.SLOW)
        check(r.status == 200 and r.elapsed < PROMPT,
              "/api/locks under attack: %r in %.2f s" % (r, r.elapsed))
        # each slow POST got its 401, and its connection was closed at once
        # instead of waiting for the megabyte it announced
        t0 = time.time()
        for c in posts:
            got = read_all(c, 10 * E.SLOW)
            check(got.startswith(b"HTTP/1.1 401") and b"Connection: close" in got,
                  "slow POST: %r" % got[:300])
        check(time.time() - t0 < 5 * E.SLOW, "slow POSTs not closed promptly")
        r = running.get()
        check(r.status == 200, "the launch running during the attack: %r" % r)
        s.log_has("http: closed")  # the watchdog's summary line
        for c in attack:
            c.close()
        attack = []
        r = s.launch("echo.yml", {"x": 3})
        check(r.status == 200 and r.json()["data"]["got"]["doubled"] == 6, "after: %r" % r)
        assert_healthy(s)
        s.stop()
    finally:
        for c in attack:
            c.close()
        s.cleanup()


def test_connections_per_client_address_are_bounded():
    """One address holding more than API_CLIENT_CONNECTIONS connections that
    carry no request gets the excess closed (threads to spare: no
    pressure); the rest meet the header timeout (5 s), not 30 s."""
    s = E.Server(flows=FLOWS, name="perclient",
                 env={"API_THREADS": "64", "API_CLIENT_CONNECTIONS": "8"})
    socks = []
    try:
        s.start()
        t0 = time.time()
        for _ in range(20):
            c = connect(s)
            c.sendall(SLOW_HEAD)
            socks.append(c)
        wait_for(lambda: sum(closed_by_server(c) for c in socks) >= 12, 4.0,
                 what="12 of 20 idle connections closed")
        check(sum(closed_by_server(c) for c in socks) == 12,
              "%d closed (want 20 - 8)" % sum(closed_by_server(c) for c in socks))
        assert_healthy(s, "while 8 are held")
        wait_for(lambda: all(closed_by_server(c) for c in socks), 8.0 * E.SLOW,
                 what="the header timeout")
        took = time.time() - t0
        check(4.0 < took < 8.0 * E.SLOW, "header timeout after %.1f s (want ~5)" % took)
        assert_healthy(s)
        s.stop()
    finally:
        for c in socks:
            c.close()
        s.cleanup()


# -- 5 -----------------------------------------------------------------------

def test_misread_request_shapes_are_refused():
    """civetweb took the first of two Content-Lengths and served the rest
    of the body as a second request, answered an absolute-form target
    with silence, and dropped headers after the 64th."""
    s = E.Server(flows=FLOWS, name="shapes")
    try:
        s.start()
        token = ("Authorization: Bearer %s\r\n" % s.token).encode()
        post = b"POST /api/flows/launch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        smuggled = b"GET /api/health?smuggled-%d HTTP/1.1\r\nHost: x\r\n\r\n"
        cases = [
            (b"Content-Length: 5\r\nContent-Length: 60\r\n\r\nhello" + smuggled % 1,
             "more than one Content-Length"),
            (b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + smuggled % 2,
             "more than one Content-Length"),
            (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled % 3,
             "Content-Length and Transfer-Encoding"),
            (b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n" + smuggled % 4,
             "Content-Length and Transfer-Encoding"),
            (b"Content-Length: 5, 5\r\n\r\nhello" + smuggled % 5, "invalid Content-Length"),
            (b"Content-Length: +5\r\n\r\nhello" + smuggled % 6, "invalid Content-Length"),
            # refused by civetweb itself (unknown coding): 400, as JSON
            (b"Transfer-Encoding: gzip\r\n\r\nhello" + smuggled % 7, ""),
            (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
             + smuggled % 8, "only Transfer-Encoding"),
        ]
        for auth in (b"", token):
            for extra, want in cases:
                got = exchange(s, post + auth + extra)
                check(len(got) == 1, "%r: %d responses" % (extra[:50], len(got)))
                status, headers, body = got[0]
                check(status == 400 and headers.get("content-type") == "application/json"
                      and want in body.decode(), "%r -> %r" % (extra[:50], got))
                check(headers.get("connection") == "close", "%r: %r" % (extra[:50], headers))
        time.sleep(0.2)
        check("smuggled" not in s.log(), "a smuggled request was served:\n%s" % s.log()[-2000:])
        # chunked alone still works
        body = b'{"path": "echo.yml", "data": {"x": 21}}'
        got = exchange(s, post + token + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                       + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        check(got[0][0] == 200 and b'"doubled":42' in got[0][2], "chunked launch: %r" % got)

        # absolute-form: this port is served as the path; another is 400
        for host in ("127.0.0.1:%d" % s.port, "example.invalid:%d" % s.port):
            got = exchange(s, b"GET http://%s/api/health HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\n\r\n" % host.encode())
            check(len(got) == 1 and got[0][0] == 200 and b'"status":"ok"' in got[0][2],
                  "absolute-form %s: %r" % (host, got))
        got = exchange(s, b"GET http://127.0.0.1:%d/api/locks HTTP/1.1\r\nHost: x\r\n%s"
                       b"Connection: close\r\n\r\n" % (s.port, token))
        check(got[0][0] == 200 and b'"locks"' in got[0][2], "absolute-form with token: %r" % got)
        for target in (b"http://127.0.0.1:1/api/health", b"https://127.0.0.1:1/api/health",
                       b"*"):
            method = b"OPTIONS" if target == b"*" else b"GET"
            got = exchange(s, b"%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, target))
            check(len(got) == 1 and got[0][0] == 400 and
                  got[0][1].get("content-type") == "application/json" and
                  b"is not a path on this server" in got[0][2], "%r: %r" % (target, got))

        # header fields: 63 are read, more are refused rather than dropped
        def head(n):
            return (b"GET /api/health HTTP/1.1\r\nConnection: close\r\n" +
                    b"".join(b"X-H%d: v\r\n" % i for i in range(n - 1)) + b"\r\n")
        got = exchange(s, head(63))
        check(got[0][0] == 200, "63 header fields: %r" % got)
        for n in (64, 65, 200):
            got = exchange(s, head(n))
            check(len(got) == 1 and got[0][0] == 431 and
                  b"at most 63 header fields" in got[0][2], "%d header fields: %r" % (n, got))
        assert_healthy(s)
        s.stop()
    finally:
        s.cleanup()


# -- 6 -----------------------------------------------------------------------

def test_launch_body_nesting_limit():
    """A launch whose data nested 1,000-2,047 levels ran the flow, then
    answered 500 "the response cannot be written as JSON". The body limit
    (999 levels, the body's object being level 0) is the JSON writer's
    (1000) minus the level the launch response adds around the data."""
    s = E.Server(flows=FLOWS, name="nesting")
    try:
        s.start()

        def launch(data_text):
            raw = '{"path": "plain.yml", "data": %s}' % data_text
            before = s.log().count("Flow plain.yml started")
            r = s.request("POST", "/api/flows/launch", raw=raw,
                          headers={"Content-Type": "application/json"})
            if r.status == 200:  # it ran: its line may trail the answer (the log writer thread)
                wait_for(lambda: s.log().count("Flow plain.yml started") > before, 5 * E.SLOW,
                         what="the run's start line")
            else:
                time.sleep(0.05)
            return r, s.log().count("Flow plain.yml started") - before

        def depth(v):
            n = 0
            while isinstance(v, (list, dict)) and v:
                v = v[0] if isinstance(v, list) else v["a"]
                n += 1
            return n, v

        # (data, levels it comes back with, innermost value): the deepest
        # value is at level 999 of the body in each
        ok = [("[" * 999 + "]" * 999, 998, []),
              ("[" * 998 + "1" + "]" * 998, 998, 1),
              ('{"a":' * 998 + "{}" + "}" * 998, 998, {})]
        for text, levels, inner in ok:
            r, ran = launch(text)
            check(r.status == 200 and ran == 1, "%s...: %r" % (text[:5], r))
            check(depth(r.json()["data"]["__input__"]) == (levels, inner),
                  "came back as %r" % (depth(r.json()["data"]["__input__"]),))
        for text in ("[" * 1000 + "]" * 1000, "[" * 999 + "1" + "]" * 999,
                     '{"a":' * 999 + "{}" + "}" * 999, "[" * 2047 + "]" * 2047,
                     "[" * 5000 + "]" * 5000):
            r, ran = launch(text)
            assert_json_error(r, 400, "nested deeper than 999 levels")
            check(ran == 0, "the flow ran for a refused body")
        # strings are not nesting
        r, ran = launch('"%s"' % ("[{" * 3000))
        check(r.status == 200 and ran == 1, "brackets in a string: %r" % r)
        # every JSON body has the limit
        r = s.request("POST", "/api/flows/add", raw='{"path": %s}' % ("[" * 1000 + "]" * 1000),
                      headers={"Content-Type": "application/json"})
        assert_json_error(r, 400, "nested deeper than 999 levels")
        s.log_match(r'"POST /api/flows/launch HTTP/1.1" 400')  # the access line
        assert_healthy(s)
        s.stop()
    finally:
        s.cleanup()


if __name__ == "__main__":
    E.run_tests(globals())
