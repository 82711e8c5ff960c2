#!/usr/bin/env python3
"""octoflow run / validate on the bundled data/ examples, end to end.

Copies data/ to a temporary DATA_PATH, runs the example flows with the
real binary, checks exit statuses, stdout JSON and the files they write
(byte-compared with what Python's json and PyYAML write for the same
data).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

BIN = os.environ["OCTO_BIN"]
SRC = os.environ["OCTO_SOURCE_DIR"]
PLUGINS = os.environ["OCTO_PLUGIN_DIR"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, data_path, **kw):
    env = dict(os.environ, DATA_PATH=data_path, PLUGINS_PATH=PLUGINS)
    env.pop("LOG_LEVEL", None)
    return subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=120, **kw)


def main():
    tmp = tempfile.mkdtemp(prefix="octo-e2e-")
    try:
        data = os.path.join(tmp, "data")
        shutil.copytree(os.path.join(SRC, "data"), data,
                        ignore=shutil.ignore_patterns("locks", "logs", "output"))

        p = run(["validate"], data)
        check(p.returncode == 0, "validate exits 0 on the bundled flows: %s %s" % (p.stdout, p.stderr))

        p = run(["run", "example_files.yml"], data)
        check(p.returncode == 0, "example_files runs: rc=%d %s" % (p.returncode, p.stderr))
        out = json.loads(p.stdout)
        tickets = out["tickets"]
        check([t["number"] for t in tickets] == ["INC001", "INC003"], "jq filter and sort")
        check(out["count"] == 2 and out["show"] == 2, "count and debug result")
        check(out["__errors__"] == [], "no errors")
        with open(os.path.join(data, "output/new_tickets.yml")) as f:
            check(f.read() == yaml.dump(tickets, default_flow_style=False),
                  "YAML output equals PyYAML's yaml.dump")
        with open(os.path.join(data, "output/new_tickets.json")) as f:
            check(f.read() == json.dumps(tickets), "JSON output equals Python's json.dumps")
        log = open(os.path.join(data, "logs/spooler_service.log")).read()
        check("[example files][write yaml // file] -> write output/new_tickets.yml" in log,
              "the log has the original's line format")
        flow_lines = [l for l in log.splitlines() if "[example files]" in l]
        bad = [l for l in flow_lines if tmp in l]
        check(flow_lines and not bad, "no absolute path in the flow's log lines: %s" % bad)

        # the other bundled examples: loop + sub-flows + jinja, jira, rest (no service: ignored)
        p = run(["run", "example_loop.yml"], data)
        check(p.returncode == 0, "example_loop runs: %s" % p.stderr)
        out = json.loads(p.stdout)
        check(out["summary"] == {"count": 2, "files": ["output/tickets/INC001.yml", "output/tickets/INC003.yml"]},
              "flow_loop + flow results: %s" % out.get("summary"))
        with open(os.path.join(data, "output/tickets/INC003.yml")) as f:
            rep = yaml.safe_load(f)
        check(rep["ticket"] == "INC003" and rep["position"] == 2 and rep["urgent"] is False,
              "the sub-flow rendered its template with __input__ and __loop_index__: %s" % rep)
        p = run(["run", "example_jira.yml"], data)
        out = json.loads(p.stdout)
        check(p.returncode == 0 and out["tickets"] == [
            {"key": "ITSM-1", "type": "New VM", "host": "web-01", "tz": None},
            {"key": "ITSM-2", "type": "Password", "host": None, "tz": "Europe/Brussels"}],
            "example_jira merges labels: %s" % out.get("tickets"))
        p = run(["run", "example_rest.yml"], data)
        out = json.loads(p.stdout)
        check(p.returncode == 0 and ("status" in out or out["__errors__"][0]["error"]["type"] == "network"),
              "example_rest completes with or without a local service")

        # --data, exit statuses
        os.makedirs(os.path.join(data, "flows/sub"), exist_ok=True)
        with open(os.path.join(data, "flows/sub/echo.yml"), "w") as f:
            f.write("name: echo\nsteps:\n- name: got\n  type: jq\n  jq: {expression: '.x + 1', data_key: __input__}\n")
        p = run(["run", "sub/echo.yml", "--data", '{"x": 41}'], data)
        check(p.returncode == 0 and json.loads(p.stdout)["got"] == 42, "--data JSON: %s" % p.stderr)
        with open(os.path.join(tmp, "in.json"), "w") as f:
            f.write('{"x": 1}')
        p = run(["run", "sub/echo.yml", "--data", "@" + os.path.join(tmp, "in.json")], data)
        check(p.returncode == 0 and json.loads(p.stdout)["got"] == 2, "--data @FILE")
        p = run(["run", "sub/echo.yml", "--data", "{bad"], data)
        check(p.returncode == 2, "bad --data is a usage error (2), got %d" % p.returncode)
        p = run(["run", "nope.yml"], data)
        check(p.returncode == 2 and "not found" in p.stderr, "missing flow: 2 and a message")
        # a flow given as a filesystem path
        p = run(["run", os.path.join(data, "flows/sub/echo.yml"), "--data", '{"x": 0}'], data)
        check(p.returncode == 0 and json.loads(p.stdout)["got"] == 1, "flow by file path")

        with open(os.path.join(data, "flows/fails.yml"), "w") as f:
            f.write("name: fails\nsteps:\n- name: boom\n  type: jq\n  jq: {expression: 'error(\"no way\")'}\n")
        p = run(["run", "fails.yml"], data)
        check(p.returncode == 1, "a failed flow exits 1, got %d" % p.returncode)
        out = json.loads(p.stdout)
        check(out["__errors__"][0]["step"] == "boom" and "no way" in out["__errors__"][0]["error"]["message"],
              "the failed flow's data is printed with its error")

        with open(os.path.join(data, "flows/invalid.yml"), "w") as f:
            f.write("name: invalid\nsteps:\n- name: x\n  type: nosuch\n")
        p = run(["run", "invalid.yml"], data)
        check(p.returncode == 2 and "invalid.yml:4: steps[0] (\"x\"): unknown step type \"nosuch\"" in p.stderr,
              "validation error: exit 2 with file:line: %s" % p.stderr)
        p = run(["validate", "invalid.yml", "sub/echo.yml"], data)
        check(p.returncode == 1 and "invalid.yml: INVALID" in p.stdout and "sub/echo.yml: valid" in p.stdout,
              "validate exits 1 and reports each flow: %s" % p.stdout)

        # the lock: a flow that is running (here: another `octoflow run`)
        # makes `run` exit 3; the lock dies with its holder (kill -9), so a
        # lock file left behind never blocks the next run
        with open(os.path.join(data, "flows/slow.yml"), "w") as f:
            f.write("name: slow\nsteps:\n" + "".join(
                "- name: s%d\n  type: jq\n  jq: {expression: 'reduce range(0; 2000000) as $i (0; . + 1)'}\n" % i
                for i in range(40)))
        env = dict(os.environ, DATA_PATH=data, PLUGINS_PATH=PLUGINS)
        first = subprocess.Popen([BIN, "run", "slow.yml"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        lock = os.path.join(data, "locks/slow.yml.lock")
        for _ in range(200):
            if os.path.exists(lock) and "pid=%d" % first.pid in open(lock).read():
                break
            time.sleep(0.05)
        p = run(["run", "slow.yml"], data)
        check(p.returncode == 3 and "already running (process %d" % first.pid in p.stderr,
              "locked flow: exit 3 naming the holder, got %d %s" % (p.returncode, p.stderr))
        first.kill()
        first.wait()
        check(os.path.exists(lock), "kill -9 leaves the lock file behind")
        with open(os.path.join(data, "flows/slow.yml"), "w") as f:
            f.write("name: slow\nsteps:\n- name: s\n  type: jq\n  jq: {expression: '1'}\n")
        p = run(["run", "slow.yml"], data)
        check(p.returncode == 0, "a lock file whose holder died does not block: %d %s" % (p.returncode, p.stderr))
        check(not os.path.exists(lock), "the run took the stale lock over and removed it")
        p = run(["jobs", "list", "--flow", "slow.yml", "--json"], data)
        jobs = json.loads(p.stdout) if p.returncode == 0 else []
        statuses = sorted(j["status"] or j["state"] for j in jobs)
        check(statuses == ["abandoned", "success"],
              "the killed run's job is abandoned, the next one succeeded: %s" % statuses)

        p = run(["plugins", "--json"], data)
        check(p.returncode == 0, "plugins --json")
        pj = json.loads(p.stdout)
        types = {s["name"] for pl in pj["plugins"] for s in pl["steps"]}
        check({"file", "jq", "debug"} <= types, "plugins lists the step types: %s" % types)
        file_opts = [s for pl in pj["plugins"] for s in pl["steps"] if s["name"] == "file"][0]["options"]
        path = [o for o in file_opts if o["name"] == "path"][0]
        check("required" in path["flags"] and "template" in path["flags"], "option schema flags")
        p = run(["--version"], data)
        check(p.returncode == 0 and "step ABI 1.1" in p.stdout, "--version")
        p = run(["--help"], data)
        check(p.returncode == 0 and "validate" in p.stdout, "--help")
        p = run(["frobnicate"], data)
        check(p.returncode == 2, "unknown command: 2")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
