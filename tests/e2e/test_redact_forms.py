#!/usr/bin/python3
"""Redaction of secrets a server echoes back encoded (issue 9), through
`octoflow run`: a secret with non-ASCII characters, a backslash, both
quotes and more than 80 characters (so YAML folds it) comes back as JSON
escapes, Python repr/str/ascii, bytes repr, percent-encoding (quote and
quote_plus), HTML entities and PyYAML's folded dump; a Basic credential's
base64 comes back percent-encoded; the secret goes out in a query string
(logged at DEBUG). The debug step dumps it all as YAML, JSON and Python
text. No form of either secret may appear in the log, stderr or the JSON
`run` prints; every form is replaced by ***.
"""
import base64
import html
import json
import os
import shutil
import re
import sys
import tempfile
import urllib.parse

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import MockServer, Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-redact-e2e-")
SRV = MockServer(name="api").start()

# Start9f, Mid3q and End7z survive every encoding: finding one means a leak.
SECRET = ('Start9f Z\u00fcrich "quo\\ted" it\'s a p\u00e4ss phrase \u20ac with spaces Mid3q '
          'long enough to be folded by YAML End7z')
MARKERS = ["Start9f", "Mid3q", "End7z"]
USER, PASSWORD = "svc-user", "B64pw-\u00e9t\u00e9+/=?Kq83"
B64 = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
B64_MARKER = B64[4:16]


def forms(s):
    """The encodings of s a server may send back."""
    return {
        "exact": s,
        "json_ascii": json.dumps(s),
        "json_upper": re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(),
                             json.dumps(s)),
        "json_utf8": json.dumps(s, ensure_ascii=False),
        "py_repr": repr(s),
        "py_str_dict": str({"token": s}),
        "py_ascii": ascii(s),
        "bytes_repr": repr(s.encode("utf-8")),
        "quote": urllib.parse.quote(s),
        "quote_plus": urllib.parse.quote_plus(s),
        "html": html.escape(s),
        "pyyaml": yaml.dump({"token": s}),
        "json_in_query": urllib.parse.quote_plus(json.dumps(s)),
    }


def echo_forms(req, m):
    body = forms(SECRET)
    body["basic_b64"] = B64
    body["basic_pct"] = urllib.parse.quote_plus(B64)
    body["you_sent"] = req.header("Authorization")
    return 200, body


SRV.add_route("GET", r"^/forms$", echo_forms)


def octo(with_secrets=True):
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    o.secrets([{"name": "tok", "type": "token", "token": SECRET},
               {"name": "cred", "type": "credential", "username": USER, "password": PASSWORD}])
    auth = ("    authentication: {type: token, secret: tok}\n" if with_secrets else "")
    auth2 = ("    authentication: {type: basic, secret: cred}\n" if with_secrets else "")
    o.flow("f.yml", """name: f
steps:
- name: got
  type: rest
  rest:
    uri: "%(url)s/forms"
%(auth)s- name: basic
  type: rest
  rest:
    uri: "%(url)s/forms"
%(auth2)s- name: query
  type: rest
  rest:
    uri: "%(url)s/echo/q"
    query: {token: "{{ got.exact }}", b: "{{ got.basic_b64 }}"}
- name: yaml
  type: debug
- name: json
  type: debug
  debug: {type: json}
- name: text
  type: debug
  debug: {type: text}
""" % {"url": SRV.url, "auth": auth, "auth2": auth2})
    return o


def test_redact_forms_folded_yaml_shown_without_registration():
    """Without the secrets fetched nothing is redacted: the debug step's YAML
    dump shows the long value folded over two lines (the form the next test
    needs caught), and the markers are there."""
    o = octo(with_secrets=False)
    r = o.run("f.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    log = o.log()
    check(re.search(r"Start9f Z\\xFCrich[^\n]*\\\n +\\? ?[^\n]*End7z", log) is not None,
          "the YAML dump folds the value with an escaped line break:\n%s" % log[-3000:])
    for m in MARKERS:
        check(m in log and m in r.stdout, "marker %s visible when nothing is registered" % m)


def test_redact_forms_all_encodings():
    o = octo()
    r = o.run("f.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    log = o.log()
    everything = {"log": log, "stderr": r.stderr, "stdout": r.stdout}
    for where, text in everything.items():
        for m in MARKERS + [B64_MARKER]:
            check(m not in text, "%s leaked in %s:\n%s" % (m, where, text[-4000:]))
    # every form was replaced, not dropped
    got = r["got"]
    for k in forms(SECRET):
        eq(got[k].count("***") >= 1, True, "form %s replaced in stdout: %r" % (k, got[k]))
    eq(got["you_sent"], "Bearer ***", "the echoed header")
    eq(r["basic"]["basic_pct"], "***", "percent-encoded base64")
    eq(r["basic"]["you_sent"], "Basic ***", "the echoed Basic header")
    check(re.search(r"-> GET http://127\.0\.0\.1:\d+/echo/q\?token=\*\*\*&b=\*\*\*", log),
          "the DEBUG line with the query string: %s" % log[-3000:])
    # the debug step wrote its three dumps, redacted
    for step in ("yaml", "json", "text"):
        check("[f][%s // debug]" % step in log, "the %s dump is logged" % step)
    check(log.count("***") >= 3 * len(forms(SECRET)), "every dump has its *** (%d)" %
          log.count("***"))
    o.cleanup()


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
