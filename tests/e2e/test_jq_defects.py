#!/usr/bin/python3
"""libjq 1.6 defects the jq bridge works around (issue 9), through the CLI
(`octoflow run` / `validate`): the `debug` builtin (libjq called an unset
callback: SIGSEGV) and `paths` / `leaf_paths` after a run left early
(stack_restore: Assertion `path_len == 0'), and the builtins that crash or
never end in libjq 1.6 (todate of a huge number, setpath with a huge
index, gsub with an empty match), each refused with an error.
"""
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-jq-e2e-")


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def jq_flow(*steps):
    """A flow of jq steps given as (name, expression[, data_key[, extra step
    lines]])."""
    lines = ["name: jqd", "steps:"]
    for st in steps:
        lines += ["- name: %s" % st[0], "  type: jq", "  jq:", "    expression: '%s'" % st[1]]
        if len(st) > 2 and st[2]:
            lines.append("    data_key: %s" % st[2])
        if len(st) > 3:
            lines += ["  %s" % l for l in st[3]]
    return "\n".join(lines) + "\n"


def test_jq_debug_builtin_logs_at_debug():
    """`[1,2]|debug|length` works, and its message reaches the log (file and
    stderr) at LOG_LEVEL=DEBUG as the jq CLI prints it; not at INFO."""
    o = octo()
    o.flow("d.yml", jq_flow(("n", "[1,2]|debug|length"),
                            ("obj", '{"k": "v"} | debug | .k', None, ["jq_expression: 'debug'"])))
    r = o.run("d.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    eq(r["n"], 2, "the program's value")
    eq(r["obj"], "v", "debug passes its input on")
    log = o.log()
    check(re.search(r' - DEBUG - \[job [0-9a-f]{8}\] jq: \["DEBUG:",\[1,2\]\]', log),
          "the message in the log: %s" % log[-2000:])
    check('jq: ["DEBUG:",{"k":"v"}]' in log and 'jq: ["DEBUG:","v"]' in log,
          "the step's debug and its jq_expression's: %s" % log[-2000:])
    check('jq: ["DEBUG:",[1,2]]' in r.stderr, "and on stderr")
    r = o.run("d.yml", env={"LOG_LEVEL": "INFO"})
    eq(r.rc, 0, "run at INFO: %r" % r)
    check("DEBUG:" not in r.stderr, "nothing at INFO: %r" % r)


def test_jq_debug_builtin_message_redacted():
    """A secret a program passes to debug is redacted in the log line."""
    o = octo()
    o.secrets([{"name": "tok", "type": "token", "token": "Zq9-debug-secret-77"}])
    o.flow("s.yml", """name: s
steps:
- name: call
  type: rest
  rest:
    uri: "http://127.0.0.1:9/never"
    authentication: {type: token, secret: tok}
  ignore_errors: [".*"]
- name: leak
  type: jq
  jq: {expression: '"token Zq9-debug-secret-77" | debug | length'}
""")
    r = o.run("s.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    eq(r["leak"], 25, "the value")
    check('jq: ["DEBUG:","token ***"]' in o.log(), "redacted: %s" % o.log()[-1500:])
    check("Zq9-debug-secret-77" not in o.log() + r.stderr + r.stdout, "never in clear")


def test_jq_paths_after_abandoned_run():
    """[paths], [leaf_paths], first(paths) and multi-output path expressions
    in the jq step (SINGLE: several outputs give null) and jq_expression,
    several times in one run (the pooled jq_state is reused after each)."""
    o = octo()
    steps = [("src", '{"a": {"b": 1}, "c": [1, [2]]}'),
             ("expr", ".", "src", ["jq_expression: 'paths'"])]
    for i in range(3):
        steps += [("all%d" % i, "[paths]", "src"), ("leaves%d" % i, "[leaf_paths]", "src"),
                  ("first%d" % i, "first(paths)", "src"), ("multi%d" % i, "paths", "src"),
                  ("leafmulti%d" % i, "leaf_paths", "src")]
    o.flow("p.yml", jq_flow(*steps))
    r = o.run("p.yml")
    eq(r.rc, 0, "run: %r" % r)
    allp = [["a"], ["a", "b"], ["c"], ["c", 0], ["c", 1], ["c", 1, 0]]
    for i in range(3):
        eq(r["all%d" % i], allp, "[paths]")
        eq(r["leaves%d" % i], [["a", "b"], ["c", 0], ["c", 1, 0]], "[leaf_paths]")
        eq(r["first%d" % i], ["a"], "first(paths)")
        eq(r["multi%d" % i], None, "several outputs give null")
        eq(r["leafmulti%d" % i], None, "several outputs give null")
    eq(r["expr"], None, "jq_expression with several path outputs gives null")
    check('jq expression "paths" gave several outputs; the result is null' in r.stderr,
          "with a warning: %r" % r)
    check('jq_expression "paths" gave several outputs' in r.stderr, "for jq_expression too")


def test_jq_libjq16_killers_refused():
    """Inputs that abort libjq 1.6 (todate of 1e1000, setpath with index
    1e9) or never end (gsub with an empty match) fail the step with a
    message; ignore_errors lets the flow go on, and ordinary uses work."""
    o = octo()
    ign = (None, ["ignore_errors: ['.*']"])
    o.flow("k.yml", jq_flow(("date", "1e1000 | todate", *ign),
                            ("idx", "setpath([1e9]; 1)", *ign),
                            ("assign", "[] | .[1e9] = 1", *ign),
                            ("gsub", '"abc" | gsub(""; "x")', *ign),
                            ("fine", '[0 | todate, ([] | .[2] = 1), ("abc" | gsub("b"; "x"))]')))
    r = o.run("k.yml", timeout=60)
    eq(r.rc, 0, "the flow goes on: %r" % r)
    errs = {e["step"]: e["error"]["message"] for e in r.errors}
    eq(sorted(errs), ["assign", "date", "gsub", "idx"], "four errors: %r" % errs)
    check("converting number of seconds since epoch" in errs["date"], errs["date"])
    check("array index above 10000000 is refused" in errs["idx"], errs["idx"])
    check("array index above 10000000 is refused" in errs["assign"], errs["assign"])
    check("matches an empty string" in errs["gsub"], errs["gsub"])
    eq(r["fine"], ["1970-01-01T00:00:00Z", [None, None, 1], "axc"], "ordinary uses")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
