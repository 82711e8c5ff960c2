#!/usr/bin/env python3
"""REST API end to end: every route and status code, auth, CORS, request
bodies, path confinement, error shapes, docs (issue 5; original-behaviour.md
A.8, B.7, E.1).

One `octoflow serve` (the real binary) on a free loopback port serves most
tests; a few start their own with other settings (CORS origins, body
limit).
"""
import fcntl
import json
import struct
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import assert_json_error, check  # noqa: E402

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

FLOWS = {
    "echo.yml": E.ECHO_FLOW,
    "sub/echo.yml": E.ECHO_FLOW.replace("name: echo", "name: sub echo"),
    "tick.yml": "name: tick\nevery_seconds: 3600\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "crony.yml": "name: crony\ncron: '*/5 * * * *'\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "plain.yml": "name: plain\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "deep.yml": "name: deep\nsteps:\n- name: d\n  type: jq\n  jq: {expression: 'reduce range(990) as $i (1; [.])'}\n",
    "badcron.yml": "name: badcron\ncron: '61 * * * *'\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "badtype.yml": "name: badtype\nevery_seconds: 5\nsteps:\n- name: n\n  type: no_such_type\n",
    "badjq.yml": "name: badjq\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '.[[['}\n",
    "badyaml.yml": "name: [unclosed\nsteps: {\n",
    "fail.yml": """name: fail
finally_step: cleanup
steps:
- name: first
  type: jq
  jq: {expression: '"ok"'}
- name: boom
  type: file
  file: {path: nope/missing.json, type: json}
- name: never
  type: jq
  jq: {expression: '"never"'}
- name: cleanup
  type: jq
  jq: {expression: '"cleaned"'}
""",
    "ignored.yml": """name: ignored
steps:
- name: boom
  type: file
  ignore_errors: ['.*No such file.*']
  file: {path: nope/missing.json, type: json}
- name: after
  type: jq
  jq: {expression: '"after"'}
""",
}

srv = None  # the shared server


def setup():
    global srv
    srv = E.Server(flows=FLOWS, name="routes")
    outside = os.path.join(srv.tmp, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "x.yml"), "w") as f:
        f.write("name: outside-flow\nevery_seconds: 5\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n")
    with open(os.path.join(srv.data, "inside_data.yml"), "w") as f:
        f.write("name: outside-flow\nevery_seconds: 5\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n")
    os.symlink(os.path.join(outside, "x.yml"), os.path.join(srv.flows_dir, "evil.yml"))
    os.symlink("../inside_data.yml", os.path.join(srv.flows_dir, "evil2.yml"))
    os.symlink("/etc/passwd", os.path.join(srv.flows_dir, "passwd.yml"))
    os.symlink(outside, os.path.join(srv.flows_dir, "ext"))
    srv.start()


# --------------------------------------------------------------------------
def test_health_docs_and_swagger():
    r = srv.get("/api/health", auth=False)
    assert r.status == 200 and r.headers["content-type"] == "application/json", r
    h = r.json()
    check(h["status"] == "ok" and re.match(r"^\d+\.\d+\.\d+", h["version"]), h)
    # health is open even with a wrong token
    assert srv.get("/api/health", auth=False, headers={"Authorization": "Bearer nope"}).status == 200
    # HEAD: headers only
    r = srv.request("HEAD", "/api/health", auth=False)
    check(r.status == 200 and r.body == b"" and int(r.headers["content-length"]) > 0, r)

    r = srv.get("/static/swagger.json", auth=False)
    assert r.status == 200 and r.headers["content-type"].startswith("application/json"), r
    doc = r.json()
    check(doc.get("openapi", "").startswith("3.") or doc.get("swagger") == "2.0", "OpenAPI version")
    # the documented (method, path) pairs are exactly the route table of api.c
    src = open(os.path.join(E.SRC, "server", "api.c")).read()
    table = src[src.index("ROUTES[] = {"):]
    table = table[:table.index("{NULL")]
    routes = set()
    for m, p in re.findall(r'\{"([A-Z]+)", "([^"]+)"', table):
        p = p.rstrip("/") or "/"
        routes.add((m.lower(), re.sub(r"\{[^}]*\}", "{param}", p)))
    documented = set()
    for p, ops in doc["paths"].items():
        for m in ops:
            if m in ("get", "post", "put", "patch", "delete", "head", "options"):
                documented.add((m, re.sub(r"\{[^}]+\}", "{param}", p)))
    check(routes == documented, "swagger paths != api.c routes: only in api.c %s, only in swagger %s"
          % (sorted(routes - documented), sorted(documented - routes)))
    # every documented operation exists (never 404/405) and the status it
    # answers is one the document lists
    for (m, p) in sorted(documented):
        concrete = p.replace("{param}", "no-such-thing")
        body = {} if m == "post" else None
        r = srv.request(m.upper(), concrete, body=body)
        # (an unknown dashboard file is a documented 404 of /ui/{file})
        check(r.status not in (405,) and not (r.status == 404 and "Not Found" in r.text()
                                              and not p.startswith("/ui/")),
              "%s %s answered %r" % (m, concrete, r))
        real = [k for k in doc["paths"] if re.sub(r"\{[^}]+\}", "{param}", k) == p][0]
        check(str(r.status) in doc["paths"][real][m]["responses"],
              "%s %s answered %d, not documented" % (m, p, r.status))

    for path in ("/api/docs", "/api/docs/"):
        r = srv.get(path, auth=False)
        check(r.status == 200 and r.headers["content-type"].startswith("text/html")
              and b"swagger.json" in r.body, "%s: %r" % (path, r))
    # the exemptions are exact paths, not prefixes (the original's were)
    for path in ("/api/docs/x", "/static/other.json", "/staticfoo", "/api/docsx",
                 "/static/swagger.json/x", "/api/healthx"):
        assert_json_error(srv.get(path, auth=False), 401, "Unauthorized")


def test_auth_cases():
    tok = srv.token
    bad = [None, "", "Bearer", "Bearer ", "bearer %s" % tok, "BEARER %s" % tok,
           "Bearer  %s" % tok, "Bearer %s " % tok, "Bearer %sx" % tok, "Bearer %s" % tok[:-1],
           "Bearer wrong", "Basic %s" % tok, tok, "Token %s" % tok]
    for h in bad:
        for method, path, body in (("GET", "/api/locks", None), ("GET", "/api/flows", None),
                                   ("POST", "/api/flows/launch", {"path": "echo.yml"}),
                                   ("DELETE", "/api/locks", None), ("GET", "/api/logs", None)):
            r = srv.request(method, path, body=body, auth=False,
                            headers={"Authorization": h} if h is not None else None)
            assert_json_error(r, 401)
            check(r.json() == {"error": "Unauthorized"}, "401 body %r" % r.body)
    # a token in the query string is ignored
    for q in ("token", "api_token", "access_token", "Authorization"):
        assert_json_error(srv.get("/api/locks?%s=%s" % (q, tok), auth=False), 401)
    # the unauthorized launch did not run the flow
    check("Flow echo.yml started" not in srv.log(), "an unauthorized launch ran the flow")
    # the right header works
    r = srv.get("/api/locks")
    check(r.status == 200 and r.json() == {"locks": []}, r)
    # unknown routes: 401 without a token, JSON 404 with one ("/" is the
    # dashboard: test_dashboard.py, test_openapi.py)
    for path in ("/nope", "/api", "/api/", "/api/flows/launch/x", "/api/locks/a/b", "/index.html"):
        assert_json_error(srv.get(path, auth=False), 401, "Unauthorized")
        assert_json_error(srv.get(path), 404)
    # known path, wrong method: 401 without a token, JSON 405 with one
    for method, path in (("PUT", "/api/flows"), ("GET", "/api/flows/add"), ("POST", "/api/locks"),
                         ("PATCH", "/api/flows/x"), ("GET", "/api/flows/launch"),
                         ("DELETE", "/api/logs"), ("POST", "/api/health")):
        assert_json_error(srv.request(method, path, auth=False), 401)
        msg = assert_json_error(srv.request(method, path), 405)
        check(method in msg, "405 names the method: %s" % msg)


def test_cors_default_any_origin():
    # the preflight needs no token and allows the methods and headers asked for
    r = srv.request("OPTIONS", "/api/flows/launch", auth=False,
                    headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization, content-type"})
    check(r.status in (200, 204), "preflight status %r" % r)
    check(r.headers.get("access-control-allow-origin") in ("*", "http://app.example"), r.headers)
    check("POST" in r.headers.get("access-control-allow-methods", "").upper()
          or r.headers.get("access-control-allow-methods") == "*", r.headers)
    check("authorization" in r.headers.get("access-control-allow-headers", "").lower(), r.headers)
    # an OPTIONS without the CORS headers is answered too (no 401)
    r = srv.request("OPTIONS", "/api/locks", auth=False)
    check(r.status in (200, 204), r)
    # ordinary answers, errors included, carry the header so a browser can read them
    for auth in (True, False):
        r = srv.get("/api/locks", auth=auth, headers={"Origin": "http://app.example"})
        check(r.headers.get("access-control-allow-origin") in ("*", "http://app.example"),
              "ACAO on %d: %r" % (r.status, r.headers))


def test_cors_restricted_origins():
    with E.Server(flows={"echo.yml": E.ECHO_FLOW}, name="cors",
                  env={"API_CORS_ORIGINS": "http://good.example, https://also.example"}) as s:
        for origin, ok in (("http://good.example", True), ("https://also.example", True),
                           ("http://evil.example", False), ("http://good.example.evil", False)):
            r = s.request("OPTIONS", "/api/flows/launch", auth=False,
                          headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                   "Access-Control-Request-Headers": "authorization"})
            acao = r.headers.get("access-control-allow-origin")
            check(r.status in (200, 204), "preflight from %s: %r" % (origin, r))
            if ok:
                check(acao == origin, "preflight from allowed %s: ACAO %r" % (origin, acao))
            else:
                check(acao is None, "preflight from %s must not be allowed: ACAO %r %r"
                      % (origin, acao, r.headers))
            r = s.get("/api/locks", headers={"Origin": origin})
            acao = r.headers.get("access-control-allow-origin")
            check(r.status == 200 and acao == (origin if ok else None),
                  "GET from %s: ACAO %r" % (origin, acao))


def hold_lock(rel, content):
    """Hold a flow lock the way another process would (an OFD lock on the
    lock file). Returns the descriptor: close it to release."""
    path = os.path.join(srv.lock_dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, content.encode())
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
    return fd


def test_locks_routes():
    held = {"a.yml.lock": "20250515154712\npid=4242 host=h1 job=j-a\n",
            "b.yml.lock": "20250515154713\n", "c.yaml.lock": "20250101000000",
            "nested/d.yml.lock": "20240101000000\npid=7 host=h2 job=\n", "e.yml.lock": ""}
    fds = {name: hold_lock(name, content) for name, content in held.items()}
    # a file whose holder died is not a lock: not listed
    with open(os.path.join(srv.lock_dir, "stale.yml.lock"), "w") as f:
        f.write("20200101000000")
    r = srv.get("/api/locks")
    assert r.status == 200, r
    got = r.json()["locks"]
    check({(l["filename"], l["timestamp"]) for l in got} ==
          {("a.yml.lock", "20250515154712"), ("b.yml.lock", "20250515154713"),
           ("c.yaml.lock", "20250101000000"), ("d.yml.lock", "20240101000000"), ("e.yml.lock", "")},
          "GET /api/locks: %r" % got)
    check(all(set(l) == {"filename", "timestamp", "pid", "host", "job_id"} for l in got), got)
    a = [l for l in got if l["filename"] == "a.yml.lock"][0]
    check(a["pid"] == 4242 and a["host"] == "h1" and a["job_id"] == "j-a", a)
    # a held lock is never removed: 409 with the holder
    for name in ("a.yml", "b", "c"):
        r = srv.delete("/api/locks/%s" % name)
        check(r.status == 409 and "held by a running flow" in r.json()["error"], r)
    check(set(srv.lock_files()) >= {"a.yml.lock", "b.yml.lock", "c.yaml.lock"}, srv.lock_files())
    # released by their holder: removable, with .yml, without, .yaml without extension
    for name in ("a.yml.lock", "b.yml.lock", "c.yaml.lock"):
        os.close(fds.pop(name))
    r = srv.delete("/api/locks/a.yml")
    check(r.status == 200 and r.json() == {"status": "Lock for a.yml released."}, r)
    r = srv.delete("/api/locks/b")
    check(r.status == 200 and r.json() == {"status": "Lock for b released."}, r)
    r = srv.delete("/api/locks/c")
    check(r.status == 200, "c.yaml.lock by name c: %r" % r)
    check(sorted(srv.lock_files()) == ["e.yml.lock", "stale.yml.lock"], srv.lock_files())
    for name in ("a.yml", "a", "zz", "zz.yml", "..", "nested"):
        r = srv.delete("/api/locks/%s" % name)
        if name == "..":  # normalised away by the URL parser: another route
            assert_json_error(r, 404)
            continue
        msg = assert_json_error(r, 404)
        check(msg == "No lock found for %s." % name, msg)
    # a lock-looking file outside LOCK_PATH is never reached
    victim = os.path.join(srv.data, "victim.yml.lock")
    open(victim, "w").close()
    for p in ("/api/locks/..%2Fvictim.yml", "/api/locks/%2E%2E%2Fvictim", "/api/locks/..%2f..%2fvictim"):
        r = srv.delete(p)
        check(r.status == 404, "%s: %r" % (p, r))
    check(os.path.exists(victim), "a file outside LOCK_PATH was removed")
    # DELETE /api/locks removes every stale lock file, nested ones
    # included, and refuses to pretend about held ones
    for name in ("x.yml.lock", "y.yml.lock", "z.yml.lock"):
        open(os.path.join(srv.lock_dir, name), "w").close()
    r = srv.delete("/api/locks")
    check(r.status == 409 and sorted(h["filename"] for h in r.json()["held"]) == ["d.yml.lock", "e.yml.lock"], r)
    check(sorted(srv.lock_files()) == ["e.yml.lock"] and os.path.exists(os.path.join(srv.lock_dir, "nested/d.yml.lock")),
          "stale ones gone, held ones kept: %r" % srv.lock_files())
    for fd in fds.values():
        os.close(fd)
    r = srv.delete("/api/locks")
    check(r.status == 200 and r.json() == {"status": "All locks released."}, r)
    check(srv.lock_files() == [] and not os.path.exists(os.path.join(srv.lock_dir, "nested/d.yml.lock")),
          "locks left: %r" % srv.lock_files())
    check(srv.get("/api/locks").json() == {"locks": []}, "GET after DELETE all")
    r = srv.delete("/api/locks")
    check(r.status == 200, "DELETE /api/locks with no locks: %r" % r)


def test_locks_list_after_deleting_nested_locks():
    """The listing may be cached briefly; a nested lock released and
    removed must not stay listed."""
    fd = hold_lock("team/n.yml.lock", "20250101000000")
    for _ in range(2):
        got = [l["filename"] for l in srv.get("/api/locks").json()["locks"]]
        check(got == ["n.yml.lock"], "nested lock listed: %r" % got)
    os.close(fd)
    r = srv.delete("/api/locks")
    check(r.status == 200 and not os.path.exists(os.path.join(srv.lock_dir, "team/n.yml.lock")), r)
    got = srv.get("/api/locks").json()["locks"]
    check(got == [], "GET /api/locks after DELETE /api/locks still lists %r" % got)


def test_flows_add_list_delete():
    r = srv.post("/api/flows/add", {"path": "tick.yml"})
    assert r.status == 201, r
    v = r.json()
    check(set(v) == {"status", "flow_id"} and v["status"] == "Flow 'tick.yml' added successfully", v)
    check(UUID4.match(v["flow_id"]), "flow_id is a UUID4: %r" % v["flow_id"])
    tick_id = v["flow_id"]
    t_add = time.time()
    # the add is logged with its interval
    srv.log_has("Flow tick.yml added to the scheduler (every 3600 seconds) with id %s" % tick_id)

    r = srv.post("/api/flows/add", {"path": "crony.yml"})
    assert r.status == 201, r
    cron_id = r.json()["flow_id"]
    # the add is logged with its cron expression
    srv.log_has("Flow crony.yml added to the scheduler (cron */5 * * * *) with id %s" % cron_id)
    # a schedule given in the body wins over (or stands in for) the file's
    r = srv.post("/api/flows/add", {"path": "plain.yml", "every_seconds": 7200})
    assert r.status == 201, r
    plain_id = r.json()["flow_id"]

    flows = {f["id"]: f for f in srv.flows()}
    check(set(flows) >= {tick_id, cron_id, plain_id}, flows)
    t = flows[tick_id]
    for k in ("id", "path", "cron", "every_seconds", "next_run", "last_run", "last_status"):
        check(k in t, "GET /api/flows entry lacks %s: %r" % (k, t))
    check(t["path"] == "tick.yml" and t["cron"] is None and t["every_seconds"] == 3600, t)
    check(t["last_run"] is None and t["last_status"] is None and t["running"] is False, t)
    check(ISO.match(t["next_run"]), "next_run ISO 8601: %r" % t["next_run"])
    import datetime
    nr = datetime.datetime.fromisoformat(t["next_run"]).timestamp()
    check(abs(nr - (t_add + 3600)) < 5, "every_seconds next_run = added + 3600 s: %r" % t["next_run"])
    c = flows[cron_id]
    check(c["cron"] == "*/5 * * * *" and c["every_seconds"] is None, c)
    nc = datetime.datetime.fromisoformat(c["next_run"])
    check(nc.minute % 5 == 0 and nc.second == 0 and 0 < nc.timestamp() - time.time() <= 300 + 2,
          "cron next_run: %r" % c["next_run"])
    check(flows[plain_id]["every_seconds"] == 7200, flows[plain_id])

    # 400: no path
    for body in ({}, {"path": ""}, {"path": None}, {"path": 5}, {"path": ["tick.yml"]},
                 {"flow_path": "tick.yml"}):
        msg = assert_json_error(srv.post("/api/flows/add", body), 400)
        check(msg == "flow_path is required", msg)
    # 404: no such file
    msg = assert_json_error(srv.post("/api/flows/add", {"path": "nope.yml"}), 404)
    check(msg == "Flow file 'nope.yml' does not exist", msg)
    # 409: already added
    msg = assert_json_error(srv.post("/api/flows/add", {"path": "tick.yml"}), 409)
    check("tick.yml" in msg and "already" in msg, msg)
    # the same file under another spelling is the same flow
    for other in ("./tick.yml", ".//tick.yml", "./././tick.yml"):
        msg = assert_json_error(srv.post("/api/flows/add", {"path": other}), 409)
    r = srv.post("/api/flows/add", {"path": "./crony.yml", "every_seconds": 3600})
    check(r.status == 409, "./crony.yml after crony.yml: %r" % r)
    # 400 (not the original's 500): no schedule, invalid flow, bad cron
    msg = assert_json_error(srv.post("/api/flows/add", {"path": "echo.yml"}), 400)
    check(msg == "Flow echo.yml does not have a valid schedule (cron or every_seconds).", msg)
    msg = assert_json_error(srv.post("/api/flows/add", {"path": "badcron.yml"}), 400)
    check("61" in msg and "minute" in msg, "bad cron message: %s" % msg)
    for body, frag in (({"path": "echo.yml", "cron": "* * *"}, "cron"),
                       ({"path": "echo.yml", "cron": "0 0 30 2 *"}, "cron"),
                       ({"path": "echo.yml", "cron": "@never"}, "cron"),
                       ({"path": "badtype.yml"}, "no_such_type"),
                       ({"path": "badjq.yml", "every_seconds": 5}, "badjq.yml"),
                       ({"path": "badyaml.yml"}, "badyaml.yml"),
                       ({"path": "echo.yml", "every_seconds": "often"}, "every_seconds"),
                       ({"path": "echo.yml", "every_seconds": 1.5}, "every_seconds")):
        msg = assert_json_error(srv.post("/api/flows/add", body), 400)
        check(frag in msg, "%r: %r lacks %r" % (body, msg, frag))
    # the refused ones were not added: no silently dead schedule
    paths = sorted(f["path"] for f in srv.flows())
    check(paths == ["crony.yml", "plain.yml", "tick.yml"], "schedules now: %r" % paths)

    # DELETE
    r = srv.delete("/api/flows/%s" % tick_id)
    check(r.status == 200 and r.json() == {"status": "Flow with ID '%s' removed successfully" % tick_id}, r)
    msg = assert_json_error(srv.delete("/api/flows/%s" % tick_id), 404)
    check(msg == "Flow with ID '%s' not found" % tick_id, msg)
    assert_json_error(srv.delete("/api/flows/not-a-uuid"), 404)
    check(tick_id not in {f["id"] for f in srv.flows()}, "removed schedule still listed")
    # the same flow can be added again after its removal (new id)
    r = srv.post("/api/flows/add", {"path": "tick.yml"})
    check(r.status == 201 and r.json()["flow_id"] != tick_id, r)
    for f in srv.flows():
        assert srv.delete("/api/flows/%s" % f["id"]).status == 200
    check(srv.flows() == [], "all schedules removed")


def test_launch_statuses():
    r = srv.launch("echo.yml", {"x": 21})
    assert r.status == 200, r
    v = r.json()
    check(set(v) == {"status", "data"} and v["status"] == "Flow echo.yml executed successfully.", v)
    d = v["data"]
    check(d["got"] == {"x": 21, "doubled": 42} and d["__input__"] == {"x": 21}, d)
    check(d["__errors__"] == [] and d["__flow_path__"] == "echo.yml" and d["__loop_index__"] is None, d)
    check(UUID4.match(d["__job_id__"]) and re.match(r"^\d{14}$", d["__timestamp__"]), d)
    # keys sorted, compact separators (Flask's jsonify), one trailing newline
    check(r.body == (json.dumps(v, sort_keys=True, separators=(",", ":")) + "\n").encode(),
          "response bytes are sorted compact JSON: %r" % r.body[:200])
    # data of any JSON type, or none at all
    for data in ([1, 2], "text", 3.5, True):
        r = srv.post("/api/flows/launch", {"path": "plain.yml", "data": data})
        check(r.status == 200 and r.json()["data"]["__input__"] == data, r)
    r = srv.launch("plain.yml")
    check(r.status == 200 and r.json()["data"]["__input__"] is None, r)
    # a flow in a sub-directory is named by its file name
    r = srv.launch("sub/echo.yml", {"x": 1})
    check(r.status == 200 and r.json()["status"] == "Flow echo.yml executed successfully."
          and r.json()["data"]["__flow_path__"] == "sub/echo.yml", r)
    # 400 missing path
    for body in ({}, {"path": ""}, {"path": None}, {"data": {"x": 1}}):
        msg = assert_json_error(srv.post("/api/flows/launch", body), 400)
        check(msg == "flow_path is required", msg)
    # 404 unknown flow
    msg = assert_json_error(srv.launch("nope.yml"), 404)
    check(msg == "Flow file 'nope.yml' does not exist", msg)
    assert_json_error(srv.launch("sub/nope.yml"), 404)
    assert_json_error(srv.launch("nodir/x.yml"), 404)
    # 400 invalid flow, with the validation message
    for name, frag in (("badtype.yml", "no_such_type"), ("badjq.yml", "badjq.yml"),
                       ("badyaml.yml", "badyaml.yml")):
        msg = assert_json_error(srv.launch(name), 400)
        check(frag in msg, "%s: %r" % (name, msg))
    # 400 bad timeout_seconds
    for t in (0, -1, "soon", [1]):
        msg = assert_json_error(srv.launch("echo.yml", extra={"timeout_seconds": t}), 400)
        check("timeout_seconds" in msg, msg)
    # 500 when the flow failed: "<step>: <message>" and the data
    r = srv.launch("fail.yml", {"k": "v"})
    assert r.status == 500, r
    v = r.json()
    check(set(v) == {"error", "data"}, v)
    # where the failing step is written: file, line, step, error type
    check(v["error"] == 'fail.yml:7: step "boom": io: cannot read nope/missing.json: '
          'No such file or directory', v["error"])
    d = v["data"]
    check(d["first"] == "ok" and "never" not in d and d["cleanup"] == "cleaned", d)
    check(d["__input__"] == {"k": "v"} and len(d["__errors__"]) == 1, d)
    e = d["__errors__"][0]
    check(e["step"] == "boom" and e["error"]["type"] == "io" and "missing.json" in e["error"]["message"], e)
    check(e["file"] == "fail.yml" and e["line"] == 7, "the record says where: %r" % e)
    # an ignored error is not a failure
    r = srv.launch("ignored.yml")
    check(r.status == 200, r)
    d = r.json()["data"]
    check(d["after"] == "after" and d["__errors__"][0]["ignored"].startswith("Error ignored based on regex"), d)
    # every launch released its lock, failed ones included
    check(srv.lock_files() == [] and srv.get("/api/locks").json()["locks"] == [], srv.lock_files())
    # a launch does not add a schedule
    check(srv.flows() == [], "launch added a schedule")


def test_request_bodies():
    for route in ("/api/flows/launch", "/api/flows/add"):
        # malformed JSON, non-objects, empty: 400 JSON
        for raw in (b"{bad", b'{"path": "echo.yml"', b"[1, 2]", b'"echo.yml"', b"42", b"null",
                    b"true", b"", b"   ", b"\xff\xfe{}", b'{"path": "\xff.yml"}', b"[" * 100000,
                    b'{"path": "echo.yml"} trailing'):
            r = srv.request("POST", route, raw=raw, headers={"Content-Type": "application/json"})
            msg = assert_json_error(r, 400)
            check(msg.startswith("Invalid JSON body"), "%s %r: %s" % (route, raw[:20], msg))
        # not JSON at all: 415
        for ct in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                   "application/jsonx", "text/json"):
            r = srv.request("POST", route, raw=b'{"path": "echo.yml"}',
                            headers={"Content-Type": ct} if ct else None)
            assert_json_error(r, 415)
    # JSON content types with parameters, case, +json are accepted
    for ct in ("application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"):
        r = srv.request("POST", "/api/flows/launch", raw=b'{"path": "echo.yml", "data": {"x": 1}}',
                        headers={"Content-Type": ct})
        check(r.status == 200, "%s: %r" % (ct, r))
    # unknown members are ignored
    r = srv.post("/api/flows/launch", {"path": "echo.yml", "data": {"x": 2}, "whatever": [1]})
    check(r.status == 200, r)
    # a body that is too large: 413 from the Content-Length alone, without
    # reading it (default limit 1 MiB)
    raw = srv.raw_exchange(b"POST /api/flows/launch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                           b"Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n"
                           % srv.token.encode())
    status, headers, body = E.parse_raw_response(raw)
    check(status == 413 and headers["content-type"] == "application/json"
          and json.loads(body)["error"].startswith("Request body too large"), raw[:300])
    # a big body below the limit is fine
    pad = "x" * (900 * 1024)
    r = srv.post("/api/flows/launch", {"path": "plain.yml", "data": pad})
    check(r.status == 200 and r.json()["data"]["__input__"] == pad, "900 KiB body: %d" % r.status)


def test_body_limit_configurable():
    with E.Server(flows={"echo.yml": E.ECHO_FLOW}, name="limit", env={"API_MAX_BODY": "4096"}) as s:
        ok = json.dumps({"path": "echo.yml", "data": {"x": 1, "pad": "p" * 3900}})
        assert len(ok) <= 4096
        r = s.request("POST", "/api/flows/launch", raw=ok, headers={"Content-Type": "application/json"})
        check(r.status == 200, "body at the limit: %r" % r)
        big = json.dumps({"path": "echo.yml", "data": {"x": 1, "pad": "p" * 5000}})
        for route in ("/api/flows/launch", "/api/flows/add"):
            r = s.request("POST", route, raw=big, headers={"Content-Type": "application/json"})
            msg = assert_json_error(r, 413)
            check("4096" in msg, msg)
        # chunked (no Content-Length): the limit holds while reading
        c = s.connection()
        try:
            c.putrequest("POST", "/api/flows/launch")
            c.putheader("Authorization", "Bearer %s" % s.token)
            c.putheader("Content-Type", "application/json")
            c.putheader("Transfer-Encoding", "chunked")
            c.endheaders()
            for i in range(3):
                chunk = (b'{"path": "echo.yml", "data": "' if i == 0 else b"") + b"q" * 3000
                c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            c.send(b'3\r\n"}\n\r\n0\r\n\r\n')
            resp = c.getresponse()
            check(resp.status == 413 and json.loads(resp.read())["error"].startswith("Request body too large"),
                  "chunked body over the limit: %d" % resp.status)
        finally:
            c.close()
        # only the body within the limit ran the flow (a second run's line
        # would follow the first within the wait)
        s.log_has("Flow echo.yml started", count=1)
        # an invalid limit refuses to start
    s2 = E.Server(name="badlimit", env={"API_MAX_BODY": "lots"})
    try:
        s2.start(wait=False)
        rc = s2.wait_exit(20 * E.SLOW)
        check(rc != 0 and "API_MAX_BODY" in s2.stderr(), "bad API_MAX_BODY: rc %r %s" % (rc, s2.stderr()))
    finally:
        s2.cleanup()


def test_path_confinement():
    attempts = ["../x.yml", "../../etc/passwd", "/etc/passwd", "sub/../../outside/x.yml", "..",
                "./../inside_data.yml", "sub/../../inside_data.yml", "evil.yml", "evil2.yml",
                "passwd.yml", "ext/x.yml", "echo.yml\u0000.txt", "%s/flows/echo.yml" % srv.data,
                "//etc/passwd", "../" * 20 + "etc/passwd"]
    for p in attempts:
        for route in ("/api/flows/launch", "/api/flows/add"):
            r = srv.post(route, {"path": p})
            msg = assert_json_error(r, 400)
            check(srv.tmp not in msg or p.startswith(srv.data),
                  "%s %r: message leaks the data path: %s" % (route, p, msg))
            if "passwd" not in p:
                check("/etc/passwd" not in msg, "%r: %s" % (p, msg))
    check("outside-flow" not in srv.log(), "a flow outside FLOWS_PATH was loaded or run")
    check(srv.flows() == [], "a confined path was added to the scheduler")
    # harmless look-alikes are plain names: 404, not 400
    for p in ("..x.yml", "x..yml", "...yml", "sub/..hidden.yml"):
        assert_json_error(srv.launch(p), 404)


def test_deep_json_bodies():
    """Nested JSON in a launch body: civetweb's 100 KiB handler stacks
    overflowed (SIGSEGV) at depth ~800 before the POST handlers got a
    thread of their own."""
    for depth in (100, 700, 1000, 2000, 5000):
        raw = '{"path": "plain.yml", "data": %s}' % ("[" * depth + "]" * depth)
        r = srv.request("POST", "/api/flows/launch", raw=raw, headers={"Content-Type": "application/json"})
        check(srv.proc.poll() is None, "the server died on a body nested %d deep:\n%s"
              % (depth, srv.stderr()[-3000:]))
        if depth <= 700:
            check(r.status == 200, "depth %d: %r" % (depth, r))
            d = r.json()["data"]["__input__"]
            n = 0
            while isinstance(d, list) and d:
                d = d[0]
                n += 1
            check(n == depth - 1 and d == [], "depth %d came back %d deep" % (depth, n))
        else:
            # refused (parser depth limit) or not writable back: JSON, no crash
            check(r.status in (400, 500) and "error" in r.json(), "depth %d: %r" % (depth, r))
        r = srv.request("POST", "/api/flows/add", raw='{"path": %s}' % ("[" * depth + "]" * depth),
                        headers={"Content-Type": "application/json"})
        check(r.status == 400 and srv.proc.poll() is None, "add, depth %d: %r" % (depth, r))
    check(srv.lock_files() == [], "locks left behind")


def nesting(v):
    n = 0
    while isinstance(v, list) and v:
        v = v[0]
        n += 1
    return n, v


def test_deep_results_in_every_route():
    """A result nested 990 deep, read back through every route that shows
    it: the GET routes ran on civetweb's 100 KiB stacks and the job detail
    killed the service (SIGSEGV) parsing the stored result."""
    sys.setrecursionlimit(20000)  # Python's own json reader recurses too
    r = srv.post("/api/v1/jobs?wait=30", {"path": "deep.yml"})
    check(r.status == 200, "launch: %r" % r)
    job = r.json()
    check(nesting(job["result"]["d"]) == (990, 1), "v1 launch result: %r" % (nesting(job["result"]["d"]),))
    for path in ("/api/v1/jobs/%s" % job["id"], "/api/v1/jobs?flow=deep.yml&limit=5",
                 "/api/jobs"):
        r = srv.get(path)
        check(srv.proc.poll() is None, "the server died on GET %s:\n%s" % (path, srv.stderr()[-3000:]))
        check(r.status == 200, "GET %s: %r" % (path, r))
    detail = srv.get("/api/v1/jobs/%s" % job["id"]).json()
    check(nesting(detail["result"]["d"]) == (990, 1), "stored result: %r" % (nesting(detail["result"]["d"]),))
    r = srv.launch("deep.yml")
    check(srv.proc.poll() is None and r.status == 200, "legacy launch: %r" % r)
    check(nesting(r.json()["data"]["d"]) == (990, 1), "legacy launch data")
    r = srv.get("/api/v1/jobs/%s/events" % job["id"], timeout=10)
    check(srv.proc.poll() is None and r.status == 200, "events of a finished job: %r" % r)


def test_malformed_http_is_json():
    cases = [
        b"GARBAGE\r\n\r\n",
        b"GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n",
        # headers over civetweb's limit: this crashed the whole service (NULL
        # request method in the error callback)
        b"GET /api/locks HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n",
        b"GET /api/locks HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n",
    ]
    for raw in cases:
        try:
            out = srv.raw_exchange(raw, timeout=5 * E.SLOW)
        except ConnectionResetError:
            out = b""
        if out:
            status, headers, body = E.parse_raw_response(out)
            check(status >= 400 and headers.get("content-type") == "application/json"
                  and "error" in json.loads(body), "%r -> %r" % (raw[:40], out[:300]))
        check(srv.proc.poll() is None, "the server died on %r:\n%s" % (raw[:60], srv.stderr()[-3000:]))
    check(srv.get("/api/health", auth=False).status == 200, "server still answers")


def test_access_log_cannot_be_forged():
    """A decoded %0A in a path or query must not start a new log line,
    with or without a token."""
    for auth in (False, True):
        tag = "forged%d" % auth
        srv.get("/api/x%%0A2026-01-01%%2000:00:00,000%%20-%%20ERROR%%20-%%20%s" % tag, auth=auth)
        srv.delete("/api/locks/a%%0D%%0A%s-b" % tag, auth=auth)
        srv.get("/api/health?q=%%0A%s-c" % tag, auth=False)
        time.sleep(0.2)
        for line in srv.log().splitlines():
            if tag in line:
                check(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - 127\.0\.0\.1 - - \"", line),
                      "a forged log line: %r" % line)
        check(srv.log().count(tag) == 3, "three access lines for %s" % tag)


def test_keep_alive_after_errors():
    """Errors that leave the body unread (415) or reject it (400, 404) keep
    the connection usable for the next request."""
    c = srv.connection()
    c.connect()
    try:
        r = srv.request("POST", "/api/flows/launch", raw=b'{"path": "echo.yml"}' * 200,
                        headers={"Content-Type": "text/plain"}, conn=c)
        assert_json_error(r, 415)
        check(srv.request("GET", "/api/locks", conn=c).status == 200, "after 415")
        assert_json_error(srv.request("POST", "/api/flows/launch", raw=b"[1]",
                                      headers={"Content-Type": "application/json"}, conn=c), 400)
        check(srv.request("GET", "/api/locks", conn=c).status == 200, "after 400")
        assert_json_error(srv.request("DELETE", "/api/locks/none", raw=b"x" * 5000, conn=c), 404)
        r = srv.request("POST", "/api/flows/launch", body={"path": "echo.yml", "data": {"x": 4}}, conn=c)
        check(r.status == 200 and r.json()["data"]["got"]["doubled"] == 8, "after 404: %r" % r)
    finally:
        c.close()


def test_logs_route():
    # enough traffic for a log of several 8 KiB chunks, with long lines
    for i in range(120):
        srv.get("/api/health?pad=%d-%s" % (i, "z" * 150), auth=False)
    time.sleep(0.3)
    for n in (1, 3, 50, 100, 101, 250):
        r = srv.get("/api/logs?lines=%d" % n)
        assert r.status == 200, r
        got = r.json()["logs"]

        def tail_lines():
            with open(srv.log_path) as f:
                lines = f.readlines()
            # the file ends with this request's own access line, written
            # after the answer
            return lines if "GET /api/logs?lines=%d " % n in lines[-1] else None
        lines = E.wait_for(tail_lines, 5 * E.SLOW, what="the access line of /api/logs")
        check(got == lines[-(n + 1):-1], "lines=%d: %d lines, tail mismatch" % (n, len(got)))
        check(len(got) == n and all(l.endswith("\n") for l in got), "lines=%d: count/newlines" % n)
    r = srv.get("/api/logs")
    check(r.status == 200 and len(r.json()["logs"]) == 100, "default is 100 lines")
    check(set(r.json()) == {"logs"}, r.json().keys())
    # the access lines: INFO, the original's format
    check(re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - 127\.0\.0\.1 .*\"GET /api/health\?pad=0-z+ HTTP/1\.1\" 200",
                    srv.log(), re.M), "access line format")
    r = srv.get("/api/logs?lines=100000000")
    with open(srv.log_path) as f:
        total = len(f.readlines())
    check(r.status == 200 and total - 2 <= len(r.json()["logs"]) <= total, "more lines than the file has")
    for q, msg in (("lines=x", "Invalid 'lines' parameter"), ("lines=", "Invalid 'lines' parameter"),
                   ("lines=1.5", "Invalid 'lines' parameter"), ("lines=10abc", "Invalid 'lines' parameter"),
                   ("lines=99999999999999999999999", "Invalid 'lines' parameter"),
                   ("lines=0", "Lines must be positive"), ("lines=-5", "Lines must be positive")):
        got = assert_json_error(srv.get("/api/logs?" + q), 400)
        check(got == msg, "%s: %s" % (q, got))


def test_no_secret_or_path_in_responses():
    """Every response body of this file's shared server: no absolute data
    path, no token (the original leaked '/app/data/flows/x.yml')."""
    for b in srv.bodies:
        t = b.decode("utf-8", "replace")
        check(srv.tmp not in t or "/flows/echo.yml" in t, "a response leaks the data path: %s" % t[:300])
        check(srv.token not in t, "a response leaks the token: %s" % t[:300])


def test_log_file_missing_is_json_404():
    os.rename(srv.log_path, srv.log_path + ".gone")
    msg = assert_json_error(srv.get("/api/logs?lines=5"), 404)
    check(srv.tmp not in msg, msg)
    os.rename(srv.log_path + ".gone", srv.log_path)
    check(srv.get("/api/logs?lines=1").status == 200, "log back")


def test_zz_clean_shutdown():
    took = srv.stop()
    check(took < 10 * E.SLOW, "shutdown took %.1f s" % took)
    log = srv.log()
    check("Octoflow stopped" in log, "stop line")
    check(srv.token not in log, "the token is in the log file")
    # the access line of a request that put the token in its query string
    check('"GET /api/locks?token=*** HTTP/1.1" 401' in log, "the query token is redacted in the access line")


if __name__ == "__main__":
    try:
        setup()
        E.run_tests(globals())
    finally:
        if srv is not None:
            srv.cleanup()
