#!/usr/bin/python3
"""The rest step's http errors the step ABI 1.1 way, and Retry-After.

A loopback server answers 503 or 429 with a Retry-After header (seconds,
or an HTTP date) a given number of times, then 200. A rest step with
`retry:` must wait what the server asked (measured between the requests
the server received), capped by the step's max_delay; an unusable header
falls back to the step's own delay. The error record keeps status_code
and response_content (now attached with host->error_detail).
"""
import email.utils
import os
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import MockServer, Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-rest-retry-e2e-")


class Busy:
    """/busy/<name>: the first `fails` requests answer `status` with
    Retry-After: header(), then 200 {"ok": true}. Records arrival times."""

    def __init__(self, server, name, fails, header, status=503):
        self.fails = fails
        self.header = header
        self.status = status
        self.times = []
        self.lock = threading.Lock()
        server.add_route("GET", r"^/busy/%s$" % name, self.answer)

    def answer(self, req, m):
        with self.lock:
            self.times.append(time.monotonic())
            n = len(self.times)
        if n <= self.fails:
            return self.status, {"error": "busy", "attempt": n}, {"Retry-After": self.header()}
        return 200, {"ok": True, "attempt": n}

    def gaps(self):
        return [b - a for a, b in zip(self.times, self.times[1:])]


SRV = MockServer(name="busy").start()


def run_flow(name, retry, fails, header, status=503):
    busy = Busy(SRV, name, fails, header, status)
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    o.flow("r.yml", """name: r
steps:
- name: call
  type: rest
  retry: %s
  rest:
    uri: "%s/busy/%s"
""" % (retry, SRV.url, name))
    return o.run("r.yml"), busy


def test_retry_after_seconds_is_honoured():
    # the step's own delay is 10 ms: a ~1 s gap can only come from the header
    r, busy = run_flow("secs", "{attempts: 3, delay: 0.01, max_delay: 10}", 1, lambda: "1")
    eq(r.rc, 0, "the second attempt succeeds: %r" % r)
    eq(r.data["call"], {"ok": True, "attempt": 2}, "the answer of the second attempt")
    eq(len(busy.times), 2, "two requests")
    check(0.95 <= busy.gaps()[0] < 5.0, "waited Retry-After: 1 s, gap %.3f s" % busy.gaps()[0])


def test_retry_after_is_capped_by_max_delay():
    r, busy = run_flow("cap", "{attempts: 3, delay: 0.01, max_delay: 0.3}", 2, lambda: "3600",
                       status=429)
    eq(r.rc, 0, "the third attempt succeeds: %r" % r)
    eq(len(busy.times), 3, "three requests")
    for g in busy.gaps():
        # (the upper bound only has to tell 0.3 s from 3600 s: a loaded
        # machine delays the mock's handler thread too)
        check(0.28 <= g < 5.0, "Retry-After: 3600 capped at max_delay 0.3 s, gap %.3f s" % g)


def test_retry_after_http_date():
    # a date 2 s ahead, whole seconds: the wait is between 1 and 2 s
    when = lambda: email.utils.formatdate(time.time() + 2, usegmt=True)  # noqa: E731
    r, busy = run_flow("date", "{attempts: 2, delay: 0.01, max_delay: 10}", 1, when)
    eq(r.rc, 0, "the second attempt succeeds: %r" % r)
    check(1.0 <= busy.gaps()[0] < 5.0, "waited until the HTTP date, gap %.3f s" % busy.gaps()[0])


def test_bad_or_past_retry_after_uses_the_step_delay():
    past = lambda: email.utils.formatdate(time.time() - 60, usegmt=True)  # noqa: E731
    for name, header in (("junk", lambda: "soon, maybe"), ("past", past), ("neg", lambda: "-5")):
        r, busy = run_flow(name, "{attempts: 2, delay: 0.05, max_delay: 30}", 1, header)
        eq(r.rc, 0, "%s: the second attempt succeeds: %r" % (name, r))
        # a header read as a delay would wait up to max_delay (30 s)
        check(0.04 <= busy.gaps()[0] < 5.0, "%s: the step's delay (0.05 s), gap %.3f s"
              % (name, busy.gaps()[0]))


def test_error_record_after_the_last_attempt():
    r, busy = run_flow("fail", "{attempts: 2, delay: 0.01, max_delay: 0.05}", 5, lambda: "1")
    eq(r.rc, 1, "every attempt fails: %r" % r)
    eq(len(busy.times), 2, "two attempts")
    eq(r.errors, [{"step": "call", "error": {
        "type": "http", "message": "REST request failed with status code 503",
        "status_code": 503, "response_content": {"error": "busy", "attempt": 2}},
        "file": "r.yml", "line": 3}],
       "status_code and response_content in the record (host->error_detail)")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        import shutil
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
