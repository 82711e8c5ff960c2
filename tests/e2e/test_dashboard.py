#!/usr/bin/env python3
"""The dashboard in a real browser (issue 11): starts `octoflow serve` with
a few flows and runs tests/browser/dashboard.mjs (playwright-core driving
Debian's headless Chromium) against it: login, launch with input and watch
the job finish, cancel a slow one, a failing step's error, loop items,
schedules, locks, logs, an XSS probe, dark mode, the API page.

Screenshots of each page go to BUILD/browser-artifacts/. Needs chromium,
node and tests/browser/node_modules (scripts/install-deps.sh installs
them); without them the test fails and says what is missing.
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import check  # noqa: E402

FLOWS = {
    "hello.yml": """name: hello
steps:
- name: greet
  type: jq
  jq: {expression: '{"greeting": ("Hello, " + .name)}', data_key: __input__}
- name: shout
  type: jq
  jq: {expression: '.greet.greeting | ascii_upcase'}
""",
    "slow.yml": E.slow_flow("slow", 80),
    "fail.yml": """name: fail
steps:
- name: first
  type: jq
  jq: {expression: '"ok"'}
- name: read config
  type: file
  retry: {attempts: 3, delay: 0.05, when: ['.*No such file.*']}
  file: {path: nope/missing.json, type: json}
- name: never
  type: jq
  jq: {expression: '"never"'}
""",
    "loop.yml": """name: loop
steps:
- name: items
  type: jq
  jq: {expression: '[range(0; 5)]'}
- name: each
  type: flow_loop
  flow_loop: {path: item.yml, data_key: items}
""",
    "item.yml": """name: item
steps:
- name: double
  type: jq
  jq: {expression: '. * 2', data_key: __input__}
""",
    "xss.yml": """name: xss
steps:
- name: markup
  type: jq
  jq: {expression: '{"html": .html, "bold": "<b id=pwn>bold</b>", "script": "<script>window.__xss=3</script>"}', data_key: __input__}
""",
    "broken.yml": """name: broken
steps:
- name: n
  type: jq
  jq: {expresion: '1'}
""",
}

BROWSER_DIR = os.path.join(E.SRC, "tests", "browser")


def test_dashboard_in_chromium():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    node = shutil.which("node")
    check(os.path.exists(chromium), "chromium is not installed (scripts/install-deps.sh)")
    check(node is not None, "node is not installed (scripts/install-deps.sh)")
    check(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")),
          "tests/browser/node_modules is missing: run scripts/install-deps.sh "
          "(or: cd tests/browser && npm ci)")
    artifacts = os.path.join(os.environ.get("OCTO_BINARY_DIR", "/tmp"), "browser-artifacts")
    shutil.rmtree(artifacts, ignore_errors=True)  # no stale screenshot of an earlier run
    with E.Server(flows=FLOWS, name="dashboard") as srv:
        env = dict(os.environ)
        env.update({"OCTO_URL": "http://127.0.0.1:%d" % srv.port, "OCTO_TOKEN": srv.token,
                    "OCTO_ARTIFACTS": artifacts, "OCTO_SLOW": str(E.SLOW),
                    "CHROMIUM": chromium})
        env.pop("ASAN_OPTIONS", None)  # the browser is not ours
        env.pop("LD_PRELOAD", None)
        p = subprocess.run([node, os.path.join(BROWSER_DIR, "dashboard.mjs")], env=env,
                           cwd=BROWSER_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=600 * E.SLOW)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        check(p.returncode == 0, "browser scenarios failed (exit %d)" % p.returncode)
        m = [json.loads(l[8:]) for l in out.splitlines() if l.startswith("MEASURE ")]
        check(len(m) == 1 and m[0]["transfer_bytes"] < 150 * 1024, "page weight measured: %r" % m)
        print("screenshots in %s: %s" % (artifacts, sorted(os.listdir(artifacts))))


if __name__ == "__main__":
    E.run_tests(globals())
