"""How to provoke each documented status of each route (used by
test_openapi.py). call(srv, method, template, status, path=..., body=...)
sends, checks the status and validates the body against the document."""
import os
import signal
import socket
import tempfile

import octo_e2e as E
from octo_e2e import check

BIG = {"path": "hello.yml", "data": "x" * 5000}  # over API_MAX_BODY (2048)


def wait_state(srv, job, state):
    E.wait_for(lambda: srv.get("/api/v1/jobs/%s" % job).json().get("state") == state,
               30 * E.SLOW, what="job %s %s" % (job, state))


def start_slow(call, srv):
    job = call(srv, "POST", "/api/v1/jobs", 202, body={"path": "slow.yml"}).json()["job_id"]
    wait_state(srv, job, "running")
    return job


def open_stream(srv, job):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10 * E.SLOW)
    s.sendall(("GET /api/v1/jobs/%s/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
               % (job, srv.token)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        check(chunk, "stream closed early: %r" % head)
        head += chunk
    check(head.startswith(b"HTTP/1.1 200"), "stream: %r" % head[:200])
    return s


def unauthorized(call, srv, doc):
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            if "401" not in op["responses"]:
                continue
            concrete = p
            for name in ("flow_id", "schedule_id", "job_id", "flow_name"):
                concrete = concrete.replace("{%s}" % name, "x")
            call(srv, m.upper(), p, 401, path=concrete, body={} if m == "post" else None, auth=False)


def public_routes(call, srv):
    call(srv, "GET", "/api/health", 200, auth=False)
    call(srv, "GET", "/static/swagger.json", 200, auth=False)
    for template, path in (("/api/docs", "/api/docs"), ("/", "/"), ("/ui/{file}", "/ui/app.js")):
        r = call(srv, "GET", template, 200, path=path, auth=False)
        check("default-src 'none'" in r.headers["content-security-policy"], "CSP on %s" % path)
        call(srv, "GET", template, 304, path=path, auth=False, headers={"If-None-Match": r.headers["etag"]})
    call(srv, "GET", "/ui/{file}", 404, path="/ui/no-such.js", auth=False)


def flows_routes(call, raw, srv):
    call(srv, "GET", "/api/flows", 200)
    fid = call(srv, "POST", "/api/flows/add", 201, body={"path": "tick.yml"}).json()["flow_id"]
    call(srv, "POST", "/api/flows/add", 409, body={"path": "tick.yml"})
    call(srv, "POST", "/api/flows/add", 400, body={})
    call(srv, "POST", "/api/flows/add", 404, body={"path": "nope.yml", "every_seconds": 5})
    call(srv, "POST", "/api/flows/add", 413, body=BIG)
    raw(srv, "POST", "/api/flows/add", 415, b'{"path": "tick.yml"}')
    call(srv, "DELETE", "/api/flows/{flow_id}", 200, path="/api/flows/%s" % fid)
    call(srv, "DELETE", "/api/flows/{flow_id}", 404, path="/api/flows/%s" % fid)
    call(srv, "POST", "/api/flows/launch", 200, body={"path": "hello.yml", "data": {"x": 2}})
    call(srv, "POST", "/api/flows/launch", 500, body={"path": "fail.yml"})
    call(srv, "POST", "/api/flows/launch", 400, body={"path": "bad.yml"})
    call(srv, "POST", "/api/flows/launch", 404, body={"path": "nope.yml"})
    call(srv, "POST", "/api/flows/launch", 413, body=BIG)
    raw(srv, "POST", "/api/flows/launch", 415, b'{"path": "hello.yml"}')
    call(srv, "GET", "/api/v1/flows", 200, path="/api/v1/flows?full=true")
    call(srv, "GET", "/api/v1/flows", 400, path="/api/v1/flows?full=maybe")
    r = call(srv, "GET", "/metrics", 200)
    check(b"octoflow_jobs_total" in r.body, "metrics text")


def busy_routes(call, srv):
    """Everything that needs a running job: 409s, cancels, streams."""
    job = start_slow(call, srv)
    call(srv, "POST", "/api/flows/launch", 409, body={"path": "slow.yml"})
    call(srv, "POST", "/api/v1/jobs", 409, body={"path": "slow.yml"})
    call(srv, "DELETE", "/api/locks", 409)
    call(srv, "DELETE", "/api/locks/{flow_name}", 409, path="/api/locks/slow.yml")
    call(srv, "DELETE", "/api/v1/jobs/{job_id}", 409, path="/api/v1/jobs/%s" % job)
    r = call(srv, "GET", "/api/jobs", 200)
    check(any(j["id"] == job for j in r.json()["running"]), "running job listed")
    call(srv, "GET", "/api/locks", 200)
    # each event stream holds an API thread: half of API_THREADS (6) at most
    streams = [open_stream(srv, job) for _ in range(3)]
    try:
        call(srv, "GET", "/api/v1/jobs/{job_id}/events", 503, path="/api/v1/jobs/%s/events" % job)
    finally:
        for s in streams:
            s.close()
    call(srv, "DELETE", "/api/locks/{flow_name}", 202, path="/api/locks/slow.yml?cancel=true")
    wait_state(srv, job, "finished")
    job = start_slow(call, srv)
    call(srv, "DELETE", "/api/locks", 202, path="/api/locks?cancel=true")
    wait_state(srv, job, "finished")
    job = start_slow(call, srv)
    call(srv, "POST", "/api/v1/jobs/{job_id}/cancel", 202, path="/api/v1/jobs/%s/cancel" % job)
    wait_state(srv, job, "finished")
    call(srv, "POST", "/api/v1/jobs/{job_id}/cancel", 409, path="/api/v1/jobs/%s/cancel" % job)
    call(srv, "GET", "/api/v1/jobs/{job_id}/events", 200, path="/api/v1/jobs/%s/events" % job)


def lock_and_log_routes(call, srv):
    os.makedirs(srv.lock_dir, exist_ok=True)
    open(os.path.join(srv.lock_dir, "stale.yml.lock"), "w").close()
    call(srv, "DELETE", "/api/locks/{flow_name}", 200, path="/api/locks/stale.yml")
    call(srv, "DELETE", "/api/locks/{flow_name}", 404, path="/api/locks/stale.yml")
    open(os.path.join(srv.lock_dir, "stale.yml.lock"), "w").close()
    call(srv, "DELETE", "/api/locks", 200)
    for p in ("/api/logs", "/api/v1/logs"):
        call(srv, "GET", p, 200, path=p + "?lines=20&level=INFO")
        call(srv, "GET", p, 400, path=p + "?lines=abc")
    os.unlink(srv.log_path)  # no log file: 404 until SIGHUP reopens it
    for p in ("/api/logs", "/api/v1/logs"):
        call(srv, "GET", p, 404)
    srv.send_signal(signal.SIGHUP)


def job_routes(call, raw, srv, unknown):
    call(srv, "GET", "/api/v1/jobs", 200, path="/api/v1/jobs?limit=5&state=finished")
    call(srv, "GET", "/api/v1/jobs", 400, path="/api/v1/jobs?state=bogus")
    job = call(srv, "POST", "/api/v1/jobs", 202, body={"path": "hello.yml", "data": {"x": 1}}).json()["job_id"]
    wait_state(srv, job, "finished")  # one run of a flow at a time: the next would be 409
    done = call(srv, "POST", "/api/v1/jobs", 200, path="/api/v1/jobs?wait=%d" % (30 * E.SLOW),
                body={"path": "hello.yml", "data": {"x": 3}}).json()["job_id"]
    call(srv, "POST", "/api/v1/jobs", 400, body={})
    call(srv, "POST", "/api/v1/jobs", 404, body={"path": "nope.yml"})
    call(srv, "POST", "/api/v1/jobs", 413, body=BIG)
    raw(srv, "POST", "/api/v1/jobs", 415, b'{"path": "hello.yml"}')
    call(srv, "GET", "/api/v1/jobs/{job_id}", 200, path="/api/v1/jobs/%s" % done)
    call(srv, "GET", "/api/v1/jobs/{job_id}", 404, path="/api/v1/jobs/%s" % unknown)
    call(srv, "DELETE", "/api/v1/jobs/{job_id}", 200, path="/api/v1/jobs/%s" % done)
    call(srv, "DELETE", "/api/v1/jobs/{job_id}", 404, path="/api/v1/jobs/%s" % done)
    call(srv, "POST", "/api/v1/jobs/{job_id}/cancel", 404, path="/api/v1/jobs/%s/cancel" % unknown)
    call(srv, "GET", "/api/v1/jobs/{job_id}/events", 404, path="/api/v1/jobs/%s/events" % unknown)
    call(srv, "DELETE", "/api/v1/jobs", 200, path="/api/v1/jobs?status=success&older_than_days=0")
    call(srv, "DELETE", "/api/v1/jobs", 400, path="/api/v1/jobs?status=bogus")


def schedule_routes(call, raw, srv, unknown):
    call(srv, "GET", "/api/v1/schedules", 200)
    sid = call(srv, "POST", "/api/v1/schedules", 201,
               body={"path": "hello.yml", "every_seconds": 3600}).json()["schedule_id"]
    call(srv, "POST", "/api/v1/schedules", 409, body={"path": "hello.yml", "every_seconds": 60})
    call(srv, "POST", "/api/v1/schedules", 400, body={"path": "hello.yml"})
    call(srv, "POST", "/api/v1/schedules", 404, body={"path": "nope.yml", "cron": "* * * * *"})
    call(srv, "POST", "/api/v1/schedules", 413, body=BIG)
    raw(srv, "POST", "/api/v1/schedules", 415, b'{"path": "hello.yml"}')
    one = "/api/v1/schedules/{schedule_id}"
    for suffix, method in (("", "GET"), ("/pause", "POST"), ("/resume", "POST"), ("", "DELETE")):
        call(srv, method, one + suffix, 200, path="/api/v1/schedules/%s%s" % (sid, suffix))
    for suffix, method in (("", "GET"), ("/pause", "POST"), ("/resume", "POST"), ("", "DELETE")):
        call(srv, method, one + suffix, 404, path="/api/v1/schedules/%s%s" % (unknown, suffix))


def shutting_down(call, srv):
    """SIGTERM with a job running: for SHUTDOWN_GRACE, launches and adds are 503."""
    job = start_slow(call, srv)
    srv.send_signal(signal.SIGTERM)
    E.wait_for(lambda: srv.post("/api/v1/jobs", {"path": "hello.yml"}).status == 503, 10 * E.SLOW,
               what="the service refusing launches")
    call(srv, "POST", "/api/v1/jobs", 503, body={"path": "hello.yml"})
    call(srv, "POST", "/api/flows/launch", 503, body={"path": "hello.yml"})
    call(srv, "POST", "/api/flows/add", 503, body={"path": "tick.yml"})
    call(srv, "POST", "/api/v1/schedules", 503, body={"path": "tick.yml"})
    call(srv, "POST", "/api/v1/jobs/{job_id}/cancel", 202, path="/api/v1/jobs/%s/cancel" % job)
    check(srv.wait_exit(30 * E.SLOW) == 0, "clean exit after the cancel")


def broken_store(call, flows, env, unknown):
    """A job store that cannot be opened: the history routes are 503."""
    missing = os.path.join(tempfile.gettempdir(), "octo-no-such-dir-%d" % os.getpid(), "jobs.db")
    with E.Server(flows=flows, env=dict(env, JOBS_DB=missing), name="nostore") as srv:
        call(srv, "GET", "/api/v1/jobs", 503)
        call(srv, "DELETE", "/api/v1/jobs", 503)
        call(srv, "GET", "/api/v1/jobs/{job_id}", 503, path="/api/v1/jobs/%s" % unknown)
        call(srv, "DELETE", "/api/v1/jobs/{job_id}", 503, path="/api/v1/jobs/%s" % unknown)


def exercise(call, raw, flows, env, unknown, doc):
    srv = E.Server(flows=flows, env=env, name="openapi")
    srv.start()
    try:
        public_routes(call, srv)
        unauthorized(call, srv, doc)
        flows_routes(call, raw, srv)
        busy_routes(call, srv)
        lock_and_log_routes(call, srv)
        job_routes(call, raw, srv, unknown)
        schedule_routes(call, raw, srv, unknown)
        shutting_down(call, srv)
    finally:
        srv.cleanup()
    broken_store(call, flows, env, unknown)
