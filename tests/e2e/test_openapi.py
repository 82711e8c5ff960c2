#!/usr/bin/env python3
"""The OpenAPI document against the real service (issue 11).

1. server/static/openapi.json is a valid OpenAPI 3.0 document (the
   official schema, through tests/browser/openapi_validate.mjs).
2. Every documented status code of every route is provoked on a running
   service, and each JSON body is validated against the schema the document
   gives for that status (python3-jsonschema); the test fails when a
   documented (method, path, status) was never seen, or a response
   answers a status the document does not list.
"""
import copy
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jsonschema  # noqa: E402  (python3-jsonschema)

import octo_e2e as E  # noqa: E402
from octo_e2e import check  # noqa: E402
from openapi_calls import exercise  # noqa: E402

DOC_PATH = os.path.join(E.SRC, "server", "static", "openapi.json")
DOC = json.load(open(DOC_PATH))
BROWSER_DIR = os.path.join(E.SRC, "tests", "browser")

FLOWS = {
    "hello.yml": E.ECHO_FLOW,
    "fail.yml": "name: fail\nsteps:\n- name: read\n  type: file\n  file: {path: nope.json, type: json}\n",
    "bad.yml": "name: bad\nsteps:\n- name: n\n  type: no_such_type\n",
    "tick.yml": "name: tick\nevery_seconds: 3600\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n",
    "slow.yml": E.slow_flow("slow", 400),
}
ENV = {"API_MAX_BODY": "2048", "API_THREADS": "6", "SHUTDOWN_GRACE": "60"}
UNKNOWN = "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f"

SEEN = set()  # (method, template, status) validated


# ---- OpenAPI 3.0 schema -> JSON Schema draft 4 -----------------------------
def convert(s):
    if isinstance(s, list):
        return [convert(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k == "$ref":
            out[k] = v.replace("#/components/schemas/", "#/definitions/")
        elif k in ("nullable", "example", "discriminator", "readOnly", "writeOnly", "xml",
                   "externalDocs", "deprecated"):
            continue
        elif k == "properties":
            out[k] = {name: convert(p) for name, p in v.items()}
        else:
            out[k] = convert(v)
    if s.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


DEFS = {name: convert(s) for name, s in DOC["components"]["schemas"].items()}


def response_spec(method, template, status):
    op = DOC["paths"][template][method.lower()]
    spec = op["responses"].get(str(status))
    check(spec is not None, "%s %s answered %d: not documented (%s)"
          % (method, template, status, sorted(op["responses"])))
    if "$ref" in spec:
        spec = DOC["components"]["responses"][spec["$ref"].split("/")[-1]]
    return spec


def validate(method, template, r):
    spec = response_spec(method, template, r.status)
    content = spec.get("content")
    ctype = r.headers.get("content-type", "")
    if not content:
        check(r.status in (204, 304) or r.body == b"", "%s %s %d: no body documented" % (method, template, r.status))
    elif "application/json" in content:
        check(ctype.startswith("application/json"), "%s %s: JSON expected, got %s" % (method, template, ctype))
        schema = convert(content["application/json"]["schema"])
        schema["definitions"] = DEFS
        try:
            jsonschema.Draft4Validator(schema).validate(r.json())
        except jsonschema.ValidationError as e:
            raise AssertionError("%s %s %d: the body does not match the document: %s at %s\n%s"
                                 % (method, template, r.status, e.message, list(e.path),
                                    r.text()[:600]))
    else:
        check(any(ctype.split(";")[0].strip() == k.split(";")[0].strip() for k in content),
              "%s %s %d: content type %s not among %s" % (method, template, r.status, ctype, list(content)))
    SEEN.add((method.upper(), template, r.status))


def call(srv, method, template, status, path=None, body=None, **kw):
    """Send method path (template with its parameters filled), expect
    status, validate the body; returns the response."""
    r = srv.request(method, path or template, body=body, **kw)
    check(r.status == status, "%s %s: expected %d, got %r" % (method, path or template, status, r))
    validate(method, template, r)
    return r


def raw(srv, method, template, status, body):
    """POST a body with the wrong Content-Type (call() sends JSON only)."""
    conn = srv.connection()
    conn.request(method, template, body=body, headers={"Content-Type": "text/plain", **srv.auth_headers()})
    resp = conn.getresponse()
    r = E.Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read(), 0)
    conn.close()
    check(r.status == status, "%s %s: expected %d, got %r" % (method, template, status, r))
    validate(method, template, r)
    return r


def documented():
    out = set()
    for p, ops in DOC["paths"].items():
        for m, op in ops.items():
            for code in op["responses"]:
                out.add((m.upper(), p, int(code)))
    return out


# ---------------------------------------------------------------------------
def test_document_is_valid_openapi():
    node = shutil.which("node")
    check(node is not None, "node is not installed (scripts/install-deps.sh)")
    check(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "@seriousme")),
          "tests/browser/node_modules is missing: run scripts/install-deps.sh")
    p = subprocess.run([node, "openapi_validate.mjs", DOC_PATH], cwd=BROWSER_DIR,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode()
    check(p.returncode == 0 and "valid OpenAPI 3.0" in out, out[-3000:])
    # and the validator does reject a broken document (it can fail)
    broken = copy.deepcopy(DOC)
    broken["paths"]["/api/health"]["get"]["responses"]["200"]["description"] = 42
    tmp = os.path.join(os.environ.get("OCTO_BINARY_DIR", "/tmp"), "openapi-broken.json")
    with open(tmp, "w") as f:
        json.dump(broken, f)
    p = subprocess.run([node, "openapi_validate.mjs", tmp], cwd=BROWSER_DIR,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    check(p.returncode == 1, "a broken document is refused")
    # every parameter has a schema and an example; every body an example
    for path, ops in DOC["paths"].items():
        for m, op in ops.items():
            for prm in op.get("parameters", []):
                check("schema" in prm and "example" in prm, "%s %s %s: schema and example" % (m, path, prm["name"]))
                if prm["in"] == "path":
                    check("maxLength" in prm["schema"], "%s %s: path parameter limit" % (m, path))
            body = op.get("requestBody")
            if body:
                ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
                check("example" in DOC["components"]["schemas"][ref], "%s %s: body example" % (m, path))


def test_every_documented_status_of_every_route():
    exercise(call, raw, FLOWS, ENV, UNKNOWN, DOC)
    missing = documented() - SEEN
    check(not missing, "documented but never answered: %s" % sorted(missing))


if __name__ == "__main__":
    E.run_tests(globals())
