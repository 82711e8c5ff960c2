#!/usr/bin/python3
"""Errors that point and suggest (issue 12), as a user meets them through
`octoflow validate`, `run` and the service: the YAML line under a caret,
duplicate keys naming both lines, a flow without steps, did-you-mean for
step types, block keys, top-level keys and secret names, run-time errors
with the flow file and the step's line, jq compile errors with the column,
`when` errors without the engine's braces, undefined template variables
(a warning, or an error when strict), templates that do not exist, no
absolute path in any message, --data @missing, render's lookup, and a
refused plugin named where the flow then fails.
"""
import os
import re
import shutil
import stat
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import PLUGINS, Octo, check, eq, run_tests  # noqa: E402
import octo_e2e  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-err-e2e-")


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def no_abs_paths(o, r):
    for text in (r.stdout, r.stderr):
        check(o.tmp not in text and PLUGINS not in text, "no absolute path: %r" % text)


def test_yaml_errors_quote_the_line():
    o = octo()
    o.flow("c.yml", "name: c\nsteps:\n  - name: s1\n    type: jq\n  - name: s2: x\n")
    r = o.validate("c.yml")
    eq(r.rc, 1, "invalid")
    check("error: c.yml:5:13: mapping values are not allowed in this context\n"
          "      - name: s2: x\n"
          "                ^\n" in r.stdout, r.stdout)
    no_abs_paths(o, r)
    # duplicate keys: both lines, at any depth
    o.flow("d.yml", "name: d\nsteps:\n  - name: s\n    type: jq\n    jq:\n      expression: .\n"
           "      expression: .a\n")
    r = o.validate("d.yml")
    check('d.yml:7:7: duplicate key "expression": it is also at line 6' in r.stdout, r.stdout)
    eq(r.rc, 1, "duplicate keys are an error")
    r = o.run("d.yml")
    eq(r.rc, 2, "not run: %r" % r)
    check("duplicate key" in r.stderr, r.stderr)
    # config.yml too: the service refuses to start on it
    o.write("config.yml", "autostart: []\nautostart:\n- path: x.yml\n")
    r = o.run("d.yml")
    check('config.yml:2:1: duplicate key "autostart": it is also at line 1' in r.stderr, r.stderr)


def test_a_flow_without_steps_is_an_error():
    o = octo()
    o.flow("s.yml", "name: s\nstep:\n  - name: x\n    type: jq\n    jq: {expression: .}\n")
    r = o.validate("s.yml")
    eq(r.rc, 1, "invalid: %r" % r)
    check('s.yml:1: the flow has no steps (a flow needs a list of steps under "steps")'
          in r.stdout, r.stdout)
    check('s.yml:2: unknown key "step" is ignored (did you mean "steps"?)' in r.stdout, r.stdout)
    r = o.run("s.yml")
    eq(r.rc, 2, "run refuses it: %r" % r)


def test_did_you_mean_everywhere():
    o = octo()
    o.secrets([{"name": "my_credential", "type": "credential", "username": "u",
                "password": "p4ss-w0rd-e2e"}])
    o.flow("t.yml", """name: t
steps:
  - name: read
    type: fiel
    fiel: {path: x.json}
""")
    r = o.validate("t.yml")
    check(re.search(r't\.yml:4: steps\[0\] \("read"\): unknown step type "fiel" \(did you mean '
                    r'"file"\? known: [a-z_, ]*file', r.stdout), r.stdout)
    no_abs_paths(o, r)
    o.flow("k.yml", """name: k
steps:
  - name: read
    type: file
    file:
      path: x.json
      tpye: json
      moed: read
""")
    r = o.validate("k.yml")
    check('k.yml:7: steps[0] ("read").file: unknown key "tpye" is ignored (did you mean "type"?)'
          in r.stdout, r.stdout)
    check('k.yml:8: steps[0] ("read").file: unknown key "moed" is ignored (did you mean "mode"?)'
          in r.stdout, r.stdout)
    r = o.cmd(["validate", "--strict", "k.yml"])
    eq(r.rc, 1, "strict: errors")
    check('unknown key "tpye" (did you mean "type"?)' in r.stdout, r.stdout)
    o.flow("sec.yml", """name: sec
steps:
  - name: call
    type: rest
    rest:
      uri: http://127.0.0.1:9/x
      authentication: {type: basic, secret: my_credentail}
""")
    r = o.validate("sec.yml")
    check('secret "my_credentail" is not defined in secrets.yml (did you mean "my_credential"?)'
          in r.stdout, r.stdout)
    r = o.run("sec.yml")
    eq(r.errors[0]["error"]["message"], 'Secret my_credentail not found (did you mean '
       '"my_credential"?)', "at run time too")
    check("p4ss-w0rd-e2e" not in r.stdout + r.stderr, "the secret never shows")


def test_run_time_errors_say_where():
    o = octo()
    o.flow("w.yml", """name: w
steps:
  - name: first
    type: jq
    jq: {expression: '1'}

  - name: call
    type: file
    file: {path: missing.json, type: json}
""")
    r = o.run("w.yml")
    eq(r.rc, 1, "failed")
    e = r.errors[0]
    eq((e["step"], e["file"], e["line"], e["error"]["type"]), ("call", "w.yml", 7, "io"),
       "the record says where")
    check('octoflow run: flow failed: w.yml:7: step "call": io: cannot read missing.json'
          in r.stderr, r.stderr)
    check(re.search(r"ERROR - .*Error in step call: io: cannot read missing\.json.* \(w\.yml:7\)",
                    o.log()), o.log()[-1500:])


def test_jq_and_when_errors():
    o = octo()
    o.flow("jq.yml", "name: j\nsteps:\n  - name: s\n    type: jq\n"
           "    jq: {expression: '.a | 1 +* 2'}\n")
    r = o.validate("jq.yml")
    check('jq expression ".a | 1 +* 2" does not compile: syntax error, unexpected \'*\' (column 9)\n'
          "    .a | 1 +* 2\n"
          "            ^" in r.stdout, r.stdout)
    check("shell quoting" not in r.stdout, "no shell hint")
    o.flow("when.yml", "name: w\nsteps:\n  - name: s\n    type: jq\n    when: x ==\n"
           "    jq: {expression: .}\n")
    r = o.validate("when.yml")
    check('when.yml:5: steps[0] ("s").when: condition "x ==": unexpected end of the condition'
          in r.stdout, r.stdout)
    check("{{" not in r.stdout and "print statement" not in r.stdout, r.stdout)


UNDEF_FLOW = """name: u
steps:
  - name: items
    type: jq
    jq: {expression: '[1, 2, 3]'}
  - name: save
    type: file
    file:
      path: "out/{{ hostnmae }}.json"
      mode: write
      type: json
      data_key: items
"""


def test_undefined_variables_warn_or_fail():
    o = octo()
    o.flow("u.yml", UNDEF_FLOW)
    r = o.run("u.yml")
    eq(r.rc, 0, "Jinja2's output by default: %r" % r)
    check(os.path.exists(o.path("out/.json")), "out/.json written, as Jinja2 renders it")
    warn = [l for l in o.log().splitlines() if "is undefined" in l]
    eq(len(warn), 1, "one warning per run: %r" % warn)
    check(re.search(r'WARNING - .*u\.yml:6: step "save": option "path": \'hostnmae\' is '
                    r'undefined and renders as ""', warn[0]), warn)
    # a loop of items warns once per job, not once per item
    o.flow("sub.yml", UNDEF_FLOW.replace("name: u", "name: sub"))
    o.flow("loop.yml", "name: loop\nsteps:\n  - name: l\n    type: jq\n    jq: {expression: "
           "'[1,2,3,4]'}\n  - name: each\n    type: flow_loop\n    flow_loop: {path: sub.yml, "
           "data_key: l}\n")
    before = o.log().count("is undefined")
    r = o.run("loop.yml")
    eq(r.rc, 0, "loop: %r" % r)
    eq(o.log().count("is undefined") - before, 1, "once for the job's four items")
    # strict: an error, from the environment or the flow
    r = o.run("u.yml", env={"TEMPLATE_UNDEFINED": "strict"})
    eq(r.rc, 1, "strict by environment: %r" % r)
    check("'hostnmae' is undefined" in r.errors[0]["error"]["message"], r.errors)
    o.flow("s.yml", "undefined: strict\n" + UNDEF_FLOW)
    r = o.run("s.yml")
    eq(r.rc, 1, "strict by the flow: %r" % r)
    eq(r.errors[0]["step"], "save", r.errors)
    r = o.run("u.yml", env={"TEMPLATE_UNDEFINED": "sometimes"})
    eq(r.rc, 2, "a bad value is refused: %r" % r)
    check('TEMPLATE_UNDEFINED="sometimes" must be warn or strict' in r.stderr, r.stderr)


def test_missing_templates_data_file_and_render():
    o = octo()
    o.flow("m.yml", "name: m\nsteps:\n  - name: r\n    type: jinja\n    jinja: {path: nope.j2}\n")
    r = o.validate("m.yml")
    eq(r.rc, 0, "a warning, not an error")
    check('m.yml:5: steps[0] ("r").jinja.path: template "nope.j2" does not exist under '
          'TEMPLATES_PATH (the step will fail when it runs)' in r.stdout, r.stdout)
    check("(1 warning)" in r.stdout, r.stdout)
    no_abs_paths(o, r)
    r = o.cmd(["run", "m.yml", "--data", "@missing.json"])
    eq(r.rc, 2, "usage error")
    eq(r.stderr.strip(), "octoflow run: --data @missing.json: unable to open missing.json: "
       "No such file or directory", "says why, without (line -1)")
    with open(o.path("bad.json"), "w") as f:
        f.write('{"a": ')
    r = o.cmd(["run", "m.yml", "--data", "@" + o.path("bad.json")])
    check(re.search(r"not valid JSON: .* \(line 1, column \d+\)", r.stderr), r.stderr)
    # render: under TEMPLATES_PATH first, as the jinja step finds it
    o.template("greet.j2", "hi {{ who }}")
    with open(o.path("ctx.json"), "w") as f:
        f.write('{"who": "there"}')
    r = o.cmd(["render", "--data", o.path("ctx.json"), "greet.j2"])
    eq((r.rc, r.stdout), (0, "hi there"), "render greet.j2: %r" % r)
    r = o.cmd(["render", "nothere.j2"])
    eq(r.rc, 1, "missing template")
    check("template nothere.j2 not found (neither under TEMPLATES_PATH nor as a file)"
          in r.stderr, r.stderr)


def test_refused_plugin_named_where_the_flow_fails():
    o = octo()
    pdir = os.path.join(o.tmp, "plugins")
    os.makedirs(pdir)
    shutil.copy(os.path.join(PLUGINS, "jq.so"), os.path.join(pdir, "jq.so"))
    os.chmod(os.path.join(pdir, "jq.so"), 0o775)  # group-writable: refused
    o.flow("j.yml", "name: j\nsteps:\n  - name: s\n    type: jq\n    jq: {expression: .}\n")
    r = o.validate("j.yml", env={"PLUGINS_PATH": pdir})
    check('j.yml:4: steps[0] ("s"): unknown step type "jq": plugin jq.so was refused: the file '
          'is writable by group or others' in r.stdout, r.stdout)
    no_abs_paths(o, r)
    eq(os.stat(os.path.join(pdir, "jq.so")).st_mode & stat.S_IWGRP, stat.S_IWGRP, "as set")


def test_refused_launch_is_logged_at_error():
    with octo_e2e.Server(flows={"bad.yml": "name: b\nsteps:\n  - name: s\n    type: fiel\n"}) as srv:
        r = srv.launch("bad.yml")
        eq(r.status, 400, "refused: %r" % r)
        msg = r.json()["error"]
        check('unknown step type "fiel" (did you mean "file"?' in msg, msg)
        check(srv.data not in msg and octo_e2e.PLUGINS not in msg, "no absolute path: " + msg)
        octo_e2e.wait_for(lambda: "Launch of bad.yml (api) refused" in srv.log(), 10,
                          what="the log line")
        check(re.search(r"ERROR - Launch of bad\.yml \(api\) refused: the flow does not validate: "
                        r"bad\.yml:4: .*unknown step type \"fiel\"", srv.log()), srv.log()[-2000:])


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
