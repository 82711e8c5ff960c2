#!/usr/bin/python3
"""The rest step end to end: `octoflow run` against recording HTTP(S)
servers on 127.0.0.1 (tests/e2e/mockserv.py).

Covers: every method (any case), headers, query encoding exactly as
Python's urlencode, body vs data_key, templated uri/query/headers,
responses (204, empty, text, JSON, 4xx/5xx with status_code and
response_content, ignore_errors), timeouts and cancellation, connection
errors, redirects, TLS (self-signed refused, verify: false, ca_file,
OCTO_TLS_VERIFY, OCTO_CA_FILE) and OCTO_CONNECT_TO.
Authentication and secrets are in test_secrets.py.
"""
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import (SLOW, MockServer, Octo, check, echo, eq, make_ca, make_self_signed,  # noqa: E402
                      run_tests)

TMP = tempfile.mkdtemp(prefix="octo-rest-e2e-")
SRV = MockServer(name="api").start()


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def flow(*steps, name="t"):
    """A flow of steps given as YAML text blocks (each starting with '- name')."""
    return "name: %s\nsteps:\n%s" % (name, "".join(steps))


def rest_step(name, block, extra=""):
    return "- name: %s\n  type: rest\n%s  rest:\n%s" % (
        name, extra, "".join("    %s\n" % l for l in block.strip("\n").splitlines()))


# ---------------------------------------------------------------------------
def test_methods_any_case():
    """GET POST PUT DELETE PATCH, in any spelling; GET/DELETE carry no body,
    the others a JSON body with Content-Type: application/json."""
    o = octo()
    steps = []
    spellings = [("g", "get", "GET"), ("p", "post", "POST"), ("u", "Put", "PUT"),
                 ("d", "delete", "DELETE"), ("pa", "patch", "PATCH"), ("G2", "GET", "GET"),
                 ("P2", "POST", "POST")]
    for key, spelled, _ in spellings:
        steps.append(rest_step(key, 'uri: "%s/echo/%s"\nmethod: %s\nbody: {n: 1, s: "x"}'
                               % (SRV.url, key, spelled)))
    # no method: GET
    steps.append(rest_step("default", 'uri: "%s/echo/default"' % SRV.url))
    o.flow("m.yml", flow(*steps))
    SRV.clear()
    r = o.run("m.yml")
    eq(r.rc, 0, "run: %r" % r)
    for key, _, method in spellings + [("default", None, "GET")]:
        got = SRV.got(path="/echo/%s" % key)
        eq(len(got), 1, "one request for %s" % key)
        q = got[0]
        eq(q.method, method, "method of %s" % key)
        eq(r[key]["method"], method, "the step output is the server's JSON answer")
        if method in ("GET", "DELETE"):
            eq(q.body, b"", "%s sends no body" % method)
            check(q.header("Content-Length") in (None, "0"), "%s: no Content-Length" % method)
            check(q.header("Content-Type") is None, "%s: no Content-Type" % method)
        else:
            eq(q.json(), {"n": 1, "s": "x"}, "%s body" % method)
            eq(q.header("Content-Type"), "application/json", "%s content type" % method)
            eq(q.body, b'{"n": 1, "s": "x"}', "JSON as Python's json.dumps writes it")


def test_unknown_method_is_a_validation_error():
    o = octo()
    o.flow("bad.yml", flow(rest_step("x", 'uri: "%s/echo"\nmethod: HEAD' % SRV.url)))
    SRV.clear()
    r = o.run("bad.yml")
    eq(r.rc, 2, "validation error exit status: %r" % r)
    check("method" in r.stderr and "bad.yml" in r.stderr, "message names the option: %r" % r)
    eq(SRV.got(), [], "nothing was sent")


def test_query_encoding_as_python_urlencode():
    """Each query value as Python's str(), quote_plus, YAML order, '&' when
    the URI has a '?' already."""
    o = octo()
    query_yaml = """query:
  zeta: last-in-abc-but-first-in-yaml
  sysparm_query: request_type=ansible^status=new
  sysparm_fields: sys_id,sys_created_by,payload
  sysparm_limit: 5
  jql: project=10000 AND status='New' AND issuetype='Service Request'
  path: /a/b?c#d&e+f%g~h
  flag: true
  yes_word: yes
  off_word: off
  nothing: null
  lst: [1, 2]
  mixed: [1, "a", true, null]
  obj: {k: v, n: 1}
  flt: 1.5
  uni: "été ß 日本"
  tpl: "{{ __input__.who }} & co"
  empty: ""
"""
    o.flow("q.yml", flow(
        rest_step("plain", 'uri: "%s/echo/q"\n%s' % (SRV.url, query_yaml)),
        rest_step("with_q", 'uri: "%s/echo/q2?x=1&y=a%%20b"\nquery: {sysparm_limit: 5, a: b c}'
                  % SRV.url),
        rest_step("no_query", 'uri: "%s/echo/q3?keep=this"\nquery: {}' % SRV.url)))
    SRV.clear()
    r = o.run("q.yml", data={"who": "Jane Doe/ß"})
    eq(r.rc, 0, "run: %r" % r)
    py = [("zeta", "last-in-abc-but-first-in-yaml"),
          ("sysparm_query", "request_type=ansible^status=new"),
          ("sysparm_fields", "sys_id,sys_created_by,payload"),
          ("sysparm_limit", 5),
          ("jql", "project=10000 AND status='New' AND issuetype='Service Request'"),
          ("path", "/a/b?c#d&e+f%g~h"),
          ("flag", True), ("yes_word", True), ("off_word", False), ("nothing", None),
          ("lst", [1, 2]), ("mixed", [1, "a", True, None]), ("obj", {"k": "v", "n": 1}),
          ("flt", 1.5), ("uni", "été ß 日本"),
          ("tpl", "Jane Doe/ß & co"), ("empty", "")]
    want = urllib.parse.urlencode(py)
    q = SRV.got(path="/echo/q")[0]
    eq(q.query, want, "query string byte for byte as Python's urlencode")
    check("sysparm_query=request_type%3Dansible%5Estatus%3Dnew&sysparm_fields=sys_id%2C"
          "sys_created_by%2Cpayload&sysparm_limit=5" in q.query, "the ServiceNow sample query")
    check("lst=%5B1%2C+2%5D" in q.query and "flag=True" in q.query and "nothing=None" in q.query,
          "Python text of non-strings")
    q2 = SRV.got(path="/echo/q2")[0]
    eq(q2.query, "x=1&y=a%20b&sysparm_limit=5&a=b+c", "appended with & to an existing query")
    q3 = SRV.got(path="/echo/q3")[0]
    eq(q3.query, "keep=this", "an empty query mapping adds nothing")


def test_headers_and_templates():
    """Custom headers arrive as written; string values of headers and query
    and the uri are templated with the flow data; bodies are not."""
    o = octo()
    o.flow("h.yml", flow(
        "- name: ids\n  type: jq\n  jq: {expression: '{path: \"tpl\", n: 7}'}\n",
        rest_step("call", """uri: "%s/echo/{{ ids.path }}/{{ __input__.id }}"
method: post
headers:
  X-Request-Id: "req-{{ ids.n }}"
  X-Plain: plain value
  Accept: application/vnd.test+json
query:
  n: "{{ ids.n }}"
body: {literal: "{{ ids.n }}"}""" % SRV.url)))
    SRV.clear()
    r = o.run("h.yml", data={"id": "ABC-1"})
    eq(r.rc, 0, "run: %r" % r)
    q = SRV.got(method="POST")[0]
    eq(q.path, "/echo/tpl/ABC-1", "templated uri")
    eq(q.query, "n=7", "templated query value")
    eq(q.header("X-Request-Id"), "req-7", "templated header")
    eq(q.header("X-Plain"), "plain value", "plain header")
    eq(q.header("Accept"), "application/vnd.test+json", "Accept as written, not doubled")
    eq([k for k, v in q.header_list if k.lower() == "accept"], ["Accept"], "a single Accept header")
    eq(q.json(), {"literal": "{{ ids.n }}"}, "the body is not templated")
    eq(r["call"]["headers"]["x-request-id"], "req-7", "output is the JSON answer")


def test_string_body_with_content_type():
    o = octo()
    o.flow("s.yml", flow(rest_step("raw", """uri: "%s/echo/raw"
method: PUT
headers: {Content-Type: text/plain}
body: "line one\\nline two" """ % SRV.url),
        rest_step("js", 'uri: "%s/echo/js"\nmethod: post\nbody: "a string"' % SRV.url)))
    SRV.clear()
    r = o.run("s.yml")
    eq(r.rc, 0, "run: %r" % r)
    q = SRV.got(path="/echo/raw")[0]
    eq(q.body, b"line one\nline two", "a string body with a Content-Type header is sent as is")
    eq(q.header("Content-Type"), "text/plain", "the step's content type")
    q = SRV.got(path="/echo/js")[0]
    eq(q.body, b'"a string"', "without Content-Type a string body is JSON")


def test_body_and_data_key():
    """data_key wins over body; "." is the whole flow data; a null value
    sends no body; no body and no data_key sends {}; a missing data_key key
    is an error for POST; GET and DELETE never send a body."""
    o = octo()
    o.flow("b.yml", flow(
        "- name: payload\n  type: jq\n  jq: {expression: '{a: 1, nested: {b: [1, 2]}, u: \"é\"}'}\n",
        "- name: nothing\n  type: jq\n  jq: {expression: 'null'}\n",
        rest_step("wins", 'uri: "%s/echo/wins"\nmethod: post\ndata_key: payload\nbody: {ignored: true}'
                  % SRV.url),
        rest_step("literal", 'uri: "%s/echo/literal"\nmethod: patch\nbody: {x: [1, {y: null}]}'
                  % SRV.url),
        rest_step("empty", 'uri: "%s/echo/empty"\nmethod: post' % SRV.url),
        rest_step("nullbody", 'uri: "%s/echo/nullbody"\nmethod: put\ndata_key: nothing' % SRV.url),
        rest_step("getdk", 'uri: "%s/echo/getdk"\ndata_key: payload\nbody: {no: way}' % SRV.url),
        rest_step("deldk", 'uri: "%s/echo/deldk"\nmethod: delete\ndata_key: payload' % SRV.url),
        rest_step("input", 'uri: "%s/echo/input"\nmethod: post\ndata_key: __input__' % SRV.url)))
    SRV.clear()
    r = o.run("b.yml", data=[1, "two"])
    eq(r.rc, 0, "run: %r" % r)
    body = lambda p: SRV.got(path="/echo/" + p)[0].body  # noqa: E731
    eq(body("wins"), b'{"a": 1, "nested": {"b": [1, 2]}, "u": "\\u00e9"}', "data_key wins")
    eq(body("literal"), b'{"x": [1, {"y": null}]}', "literal body")
    eq(body("empty"), b"{}", "neither body nor data_key: {} (as the original)")
    eq(body("nullbody"), b"", "a null data_key value sends no body")
    check(SRV.got(path="/echo/nullbody")[0].header("Content-Type") is None, "and no content type")
    eq(body("getdk"), b"", "GET sends no body")
    eq(body("deldk"), b"", "DELETE sends no body")
    eq(json.loads(body("input")), [1, "two"], "__input__ as body")

    o.flow("missing.yml", flow(rest_step("post", 'uri: "%s/echo/m"\nmethod: post\ndata_key: nope\n'
                                         'body: {fallback: 1}' % SRV.url)))
    SRV.clear()
    r = o.run("missing.yml")
    eq(r.rc, 1, "a missing data_key key fails a POST: %r" % r)
    e = r.errors[0]
    eq(e["step"], "post", "the failing step")
    eq(e["error"]["type"], "validation", "error type")
    check("nope" in e["error"]["message"], "the message names the key: %r" % e)
    eq(SRV.got(), [], "nothing was sent")
    # a GET with a missing data_key is only a warning
    o.flow("getmissing.yml", flow(rest_step("g", 'uri: "%s/echo/gm"\ndata_key: nope' % SRV.url)))
    r = o.run("getmissing.yml")
    eq(r.rc, 0, "GET with a missing data_key runs: %r" % r)
    check('data_key "nope" is not in the flow data' in o.log(), "with a warning")


def test_responses():
    """204 and empty bodies give null, a non-JSON 2xx its text, JSON its
    value; 4xx/5xx are http errors with status_code and response_content
    that ignore_errors patterns (searched in "http: ... {'status_code': N,
    ...}") can match."""
    o = octo()
    ign = lambda pats: "  ignore_errors: %s\n" % json.dumps(pats)  # noqa: E731
    o.flow("r.yml", flow(
        rest_step("nocontent", 'uri: "%s/nocontent"\nmethod: delete' % SRV.url),
        rest_step("empty", 'uri: "%s/empty"' % SRV.url),
        rest_step("text", 'uri: "%s/text"' % SRV.url),
        rest_step("list", 'uri: "%s/echo/l"' % SRV.url, extra="  jq_expression: '[.method, .path]'\n"),
        rest_step("nf", 'uri: "%s/status/404"' % SRV.url, extra=ign([".*404.*"])),
        rest_step("unauth", 'uri: "%s/status/401"' % SRV.url, extra=ign([".*400*"])),
        rest_step("textfail", 'uri: "%s/status/503/text"\nmethod: post' % SRV.url,
                  extra=ign(["^http: .*'status_code': 503, 'response_content': 'plain failure"])),
        rest_step("big", 'uri: "%s/big"' % SRV.url, extra=ign(["status code 500"])),
        rest_step("after", 'uri: "%s/echo/after"' % SRV.url)))
    SRV.add_route("GET", r"^/big$", lambda req, m: (500, "x" * 5000 + "END"))
    SRV.clear()
    r = o.run("r.yml")
    eq(r.rc, 0, "ignored errors do not fail the flow: %r" % r)
    d = r.data
    eq(d["nocontent"], None, "204 -> null")
    eq(d["empty"], None, "empty 200 -> null")
    eq(d["text"], "plain text, not JSON: {oops", "non-JSON 2xx -> text")
    eq(d["list"], ["GET", "/echo/l"], "JSON then jq_expression")
    for k in ("nf", "unauth", "textfail", "big"):
        check(k not in d, "a failed step writes no result_key (%s)" % k)
    errs = {e["step"]: e for e in d["__errors__"]}
    eq(sorted(errs), ["big", "nf", "textfail", "unauth"], "four recorded errors")
    eq(errs["nf"]["error"], {"type": "http", "message": "REST request failed with status code 404",
                             "status_code": 404,
                             "response_content": {"error": "status 404",
                                                  "detail": {"path": "/status/404"}}},
       "404 error record")
    eq(errs["nf"]["ignored"], "Error ignored based on regex: .*404.*", "ignored note")
    eq(errs["unauth"]["error"]["status_code"], 401, "401")
    eq(errs["unauth"]["ignored"], "Error ignored based on regex: .*400*", "the original's .*400* pattern")
    eq(errs["textfail"]["error"]["response_content"], "plain failure text for 503", "text content")
    bc = errs["big"]["error"]["response_content"]
    check(isinstance(bc, str) and bc.startswith("xxxx") and 500 <= len(bc) <= 2048 and "END" not in bc,
          "a long error body is truncated: %d chars" % len(bc))
    check("REST request failed with status code 404" in o.log(), "logged")

    # not ignored: the flow fails at that step and stops
    o.flow("f.yml", flow(rest_step("boom", 'uri: "%s/status/500"' % SRV.url, extra=ign([".*404.*"])),
                         rest_step("never", 'uri: "%s/echo/never"' % SRV.url)))
    SRV.clear()
    r = o.run("f.yml")
    eq(r.rc, 1, "a 500 not matched fails the flow")
    eq(r.errors[0]["error"]["status_code"], 500, "status")
    check("ignored" not in r.errors[0], "not ignored")
    eq(SRV.got(path="/echo/never"), [], "the flow stopped")
    check('f.yml:3: step "boom": http: REST request failed with status code 500' in r.stderr,
          "run reports it, and where: %r" % r)


def test_timeout_and_cancel():
    o = octo()
    o.flow("slow.yml", flow(rest_step("slow", 'uri: "%s/sleep/4000"\ntimeout: 0.5' % SRV.url)))
    SRV.clear()
    t0 = time.time()
    r = o.run("slow.yml")
    took = time.time() - t0
    eq(r.rc, 1, "a timed-out request fails: %r" % r)
    e = r.errors[0]["error"]
    eq(e["type"], "timeout", "error type: %r" % e)
    check("timed out" in e["message"].lower(), "curl's message: %r" % e)
    check(took < 3.5 * SLOW, "the step gave up after its timeout (%.2fs)" % took)
    # a run cancelled (run --timeout) stops the transfer from the progress callback
    o.flow("long.yml", flow(rest_step("long", 'uri: "%s/sleep/6000"\ntimeout: 60' % SRV.url)))
    t0 = time.time()
    r = o.cmd(["run", "long.yml", "--timeout", "1"])
    took = time.time() - t0
    eq(r.rc, 1, "the cancelled run fails: %r" % r)
    e = r.errors[0]["error"]
    check(e["type"] in ("timeout", "cancelled") and "timed out" in e["message"],
          "the run's timeout stopped the step: %r" % e)
    check(took < 4.5 * SLOW, "the transfer stopped with the run (%.2fs)" % took)


def test_connection_errors():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now
    o = octo()
    o.flow("c.yml", flow(rest_step("refused", 'uri: "http://127.0.0.1:%d/x"' % port,
                                   extra='  ignore_errors: ["^network: GET failed: .*"]\n'),
                         rest_step("badscheme", 'uri: "file:///etc/passwd"')))
    # (no DNS failure case: a lookup would leave this machine)
    r = o.run("c.yml")
    eq(r.rc, 1, "a refused scheme fails the flow: %r" % r)
    errs = {e["step"]: e["error"] for e in r.errors}
    eq(errs["refused"]["type"], "network", "refused: %r" % errs)
    check("127.0.0.1" in errs["refused"]["message"] or "onnect" in errs["refused"]["message"],
          "curl's message: %r" % errs["refused"])
    eq(errs["badscheme"]["type"], "network", "file:// is refused: %r" % errs["badscheme"])
    check("root:" not in r.stdout, "no file was read")


def test_redirects():
    o = octo()
    o.flow("rd.yml", flow(rest_step("follow", 'uri: "%s/redirect/3"' % SRV.url),
                          rest_step("limited", 'uri: "%s/redirect/3"\nmax_redirects: 1' % SRV.url)))
    SRV.clear()
    r = o.run("rd.yml")
    eq(r["follow"]["path"], "/echo/redirected", "redirects are followed: %r" % r)
    eq([q.path for q in SRV.got()][:4], ["/redirect/3", "/redirect/2", "/redirect/1",
                                         "/echo/redirected"], "the chain")
    eq(r.rc, 1, "too many redirects fails")
    e = r.errors[0]
    eq((e["step"], e["error"]["type"]), ("limited", "network"), "max_redirects: %r" % e)
    check("redirect" in e["error"]["message"].lower(), "curl's message: %r" % e)


def test_tls():
    """A self-signed server is refused by default; verify: false, ca_file,
    OCTO_CA_FILE and OCTO_TLS_VERIFY=false make it work."""
    certs = os.path.join(TMP, "certs")
    cert, key = make_self_signed(certs)
    ca, ca_cert, ca_key = make_ca(certs, ["api.test.example"], name="ca1")
    with MockServer(certfile=cert, keyfile=key, name="selfsigned") as tls, \
            MockServer(certfile=ca_cert, keyfile=ca_key, name="ca-signed") as tls2:
        o = octo()
        u = tls.url + "/echo/tls"
        o.flow("default.yml", flow(rest_step("d", 'uri: "%s"' % u)))
        o.flow("noverify.yml", flow(rest_step("nv", 'uri: "%s"\nverify: false' % u)))
        o.flow("cafile.yml", flow(rest_step("ca", 'uri: "%s"\nca_file: "%s"' % (u, cert))))
        o.flow("wrongca.yml", flow(rest_step("wca", 'uri: "%s"\nca_file: "%s"' % (u, ca))))
        o.flow("ca2.yml", flow(rest_step("ca2", 'uri: "%s/echo/ca2"\nca_file: "%s"' % (tls2.url, ca))))
        o.flow("verifyon.yml", flow(rest_step("von", 'uri: "%s"\nverify: true' % u)))

        r = o.run("default.yml")
        eq(r.rc, 1, "self-signed refused by default: %r" % r)
        e = r.errors[0]["error"]
        eq(e["type"], "network", "a TLS failure is a network error: %r" % e)
        check("certificate" in e["message"].lower(), "curl's message: %r" % e)
        eq(tls.got(), [], "no request reached the server")

        r = o.run("noverify.yml")
        eq((r.rc, r["nv"]["path"]), (0, "/echo/tls"), "verify: false accepts it: %r" % r)
        check("TLS verification disabled" in r.stderr + o.log(), "with a warning")
        r = o.run("cafile.yml")
        eq((r.rc, r["ca"]["path"]), (0, "/echo/tls"), "ca_file accepts it: %r" % r)
        r = o.run("wrongca.yml")
        eq(r.rc, 1, "another CA is refused: %r" % r)
        r = o.run("ca2.yml")
        eq((r.rc, r["ca2"]["path"]), (0, "/echo/ca2"), "a CA-signed server with its CA: %r" % r)

        r = o.run("default.yml", env={"OCTO_CA_FILE": cert})
        eq(r.rc, 0, "OCTO_CA_FILE: %r" % r)
        r = o.run("default.yml", env={"OCTO_TLS_VERIFY": "false"})
        eq(r.rc, 0, "OCTO_TLS_VERIFY=false: %r" % r)
        check("TLS verification disabled" in r.stderr, "OCTO_TLS_VERIFY=false warns: %r" % r.stderr)
        for word in ("off", "0", "no", "FALSE"):   # the words core/config.c accepts
            r = o.run("default.yml", env={"OCTO_TLS_VERIFY": word})
            eq(r.rc, 0, "OCTO_TLS_VERIFY=%s: %r" % (word, r))
        r = o.run("default.yml", env={"OCTO_TLS_VERIFY": "true"})
        eq(r.rc, 1, "OCTO_TLS_VERIFY=true verifies")
        r = o.run("verifyon.yml", env={"OCTO_TLS_VERIFY": "false"})
        eq(r.rc, 1, "a step's verify: true overrides OCTO_TLS_VERIFY=false: %r" % r)


def test_connect_to():
    """OCTO_CONNECT_TO sends unchanged https and http URLs to the local
    servers; Host and SNI stay the original name (verified with OCTO_CA_FILE)."""
    certs = os.path.join(TMP, "certs-ct")
    ca, cert, key = make_ca(certs, ["awx.example.com", "snow.example.com"], name="ct")
    with MockServer([("*", ".*", echo)], certfile=cert, keyfile=key, name="tls") as tls, \
            MockServer([("*", ".*", echo)], name="plain") as plain:
        o = octo()
        o.flow("ct.yml", flow(
            rest_step("awx", 'uri: "https://awx.example.com/api/v2/ping/"\nquery: {a: 1}'),
            rest_step("snow", 'uri: "https://snow.example.com:8443/api/now/table/x"\nmethod: patch\n'
                      'body: {s: 1}'),
            rest_step("http", 'uri: "http://legacy.example.com/status"')))
        env = {"OCTO_CONNECT_TO": "awx.example.com:443:127.0.0.1:%d, snow.example.com:8443:127.0.0.1:%d,"
                                  "legacy.example.com:80:127.0.0.1:%d" % (tls.port, tls.port, plain.port),
               "OCTO_CA_FILE": ca}
        r = o.run("ct.yml", env=env)
        eq(r.rc, 0, "run: %r" % r)
        q = tls.got(path="/api/v2/ping/")[0]
        eq((q.method, q.query, q.header("Host")), ("GET", "a=1", "awx.example.com"), "awx via connect_to")
        q = tls.got(path="/api/now/table/x")[0]
        eq((q.method, q.header("Host"), q.json()), ("PATCH", "snow.example.com:8443", {"s": 1}), "snow")
        q = plain.got(path="/status")[0]
        eq(q.header("Host"), "legacy.example.com", "http via connect_to")
        # without the CA the redirected https host is refused
        r = o.run("ct.yml", env={"OCTO_CONNECT_TO": env["OCTO_CONNECT_TO"]})
        eq(r.rc, 1, "TLS is still verified: %r" % r)


def test_log_lines():
    """INFO logs show the method and URL without its query (B.3); the full
    URL only at DEBUG."""
    o = octo()
    o.flow("l.yml", flow(rest_step("l", 'uri: "%s/echo/log"\nquery: {secretish: abc123}' % SRV.url)))
    r = o.run("l.yml")
    eq(r.rc, 0, "run")
    log = o.log()
    check("[t][l // rest] -> GET %s/echo/log\n" % SRV.url in log, "INFO line: %s" % log)
    check("abc123" not in log, "no query at INFO")
    r = o.run("l.yml", env={"LOG_LEVEL": "DEBUG"})
    check("/echo/log?secretish=abc123" in o.log(), "full URL at DEBUG")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
