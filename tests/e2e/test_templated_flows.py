#!/usr/bin/env python3
"""Templates in flows, end to end: `when`, templated file paths, the jinja
step (context, parse, includes, reload on edit), `octoflow render`.

Runs the real binary on flows written to a temporary DATA_PATH.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.environ["OCTO_BIN"]
PLUGINS = os.environ["OCTO_PLUGIN_DIR"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def run(data, args):
    env = dict(os.environ, DATA_PATH=data, PLUGINS_PATH=PLUGINS)
    env.pop("TEMPLATES_PATH", None)
    return subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=120)


def run_flow(data, name, payload=None):
    args = ["run", name]
    if payload is not None:
        args += ["--data", json.dumps(payload)]
    p = run(data, args)
    try:
        out = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        out = None
    return p, out


def test_when(data):
    write(data, "flows/when.yml", """
name: when
steps:
- name: tickets
  type: jq
  jq: {expression: '[1, 2, 3]'}
- name: list_true
  type: jq
  when: ["tickets | length > 0", "tickets | length < 5"]
  jq: {expression: '"ran"'}
- name: list_one_false
  type: jq
  when: ["tickets | length > 0", "tickets | length > 5"]
  jq: {expression: '"ran"'}
- name: string_form
  type: jq
  when: "tickets | length == 3"
  jq: {expression: '"ran"'}
- name: undefined_is_false
  type: jq
  when: nosuchvar
  jq: {expression: '"ran"'}
- name: two_is_not_true
  type: jq
  when: "2"
  jq: {expression: '"ran"'}
- name: yes_word
  type: jq
  when: "'YES'"
  jq: {expression: '"ran"'}
- name: bool_true
  type: jq
  when: true
  jq: {expression: '"ran"'}
- name: skipped_write
  type: file
  when: "false"
  file: {path: output/never.json, mode: write, type: json, data_key: tickets}
- name: input_based
  type: jq
  when: "__input__.go == 'yes'"
  jq: {expression: '"ran"'}
""")
    p, out = run_flow(data, "when.yml", {"go": "yes"})
    check(p.returncode == 0, "when flow runs: %s" % p.stderr)
    check(out["list_true"] == "ran", "a list of true conditions runs the step")
    check("list_one_false" not in out, "one false condition skips the step (no result_key)")
    check(out["string_form"] == "ran", "a string is one condition (not per character)")
    check("undefined_is_false" not in out, "an undefined variable renders '' and is false")
    check("two_is_not_true" not in out, "'2' is not one of true/1/yes")
    check(out["yes_word"] == "ran", "'YES' lower-cased is yes")
    check(out["bool_true"] == "ran", "when: true runs")
    check("skipped_write" not in out and not os.path.exists(os.path.join(data, "output/never.json")),
          "a skipped step has no side effects")
    check(out["input_based"] == "ran", "conditions see __input__")
    check(out["__errors__"] == [], "no errors: %s" % out["__errors__"])

    write(data, "flows/when_error.yml", """
name: when error
steps:
- name: bad
  type: jq
  when: "missing.attribute"
  jq: {expression: '1'}
""")
    p, out = run_flow(data, "when_error.yml")
    check(p.returncode == 1, "attribute access on an undefined variable fails the step")
    err = out["__errors__"][0]["error"]
    check(err["type"] == "template" and "'missing' is undefined" in err["message"],
          "the error says what is undefined: %s" % err)


def test_templated_paths(data):
    write(data, "flows/paths.yml", """
name: paths
steps:
- name: write
  type: file
  file:
    path: "output/{{ __input__.name }}_{{ __timestamp__ }}.json"
    mode: write
    type: json
    data_key: __input__
- name: read back
  type: file
  file:
    path: "output/{{ __input__.name }}_{{ __timestamp__ }}.json"
    type: json
""")
    p, out = run_flow(data, "paths.yml", {"name": "report", "n": 1})
    check(p.returncode == 0, "templated paths: %s" % p.stderr)
    name = "output/report_%s.json" % out["__timestamp__"]
    check(os.path.exists(os.path.join(data, name)), "the rendered path was written: %s" % name)
    check(out["read back"] == {"name": "report", "n": 1}, "and read back")

    p, out = run_flow(data, "paths.yml", {"name": "../../escape"})
    check(p.returncode == 1, "a rendered path with .. fails the step")
    check(out["__errors__"][0]["error"]["type"] == "path", "as a path error: %s" % out["__errors__"])
    check(not os.path.exists(os.path.join(os.path.dirname(data), "escape")), "nothing written outside")
    write(data, "flows/whole_path.yml", """
name: whole path
steps:
- name: read
  type: file
  file: {path: "{{ __input__.p }}", type: text}
""")
    for bad in ["/etc/passwd", "secrets.yml", "config.yml", "flows/../../x"]:
        p, out = run_flow(data, "whole_path.yml", {"p": bad})
        check(p.returncode == 1 and out["__errors__"][0]["error"]["type"] == "path",
              "a rendered path %r is refused: %s" % (bad, out and out["__errors__"]))
        check(bad not in ("/etc/passwd",) or "root:" not in p.stdout, "nothing of /etc/passwd leaks")

    write(data, "flows/bad_template.yml", """
name: bad template
steps:
- name: w
  type: file
  file: {path: "out/{{ x ", mode: write, data_key: __input__}
""")
    p = run(data, ["validate", "bad_template.yml"])
    check(p.returncode == 1 and "bad_template.yml:" in p.stdout and "steps[0] (\"w\").file.path" in p.stdout,
          "a template syntax error is a validation error with file:line and the field: %s" % p.stdout)


def test_jinja_step(data):
    write(data, "templates/patch.j2", """status: {% if status == 'successful' %}finished{% elif status=='failed'%}finished{% else %}running{% endif %}
result: {% if status == 'successful' %}{{ playbook }}{% elif status=='failed' %}Failed !!{% endif %}
""")
    write(data, "templates/payload.j2", "{{ payload }}")
    write(data, "templates/macros.j2", "{% macro tag(x) %}<{{ x | upper }}>{% endmacro %}")
    write(data, "templates/uses.j2", "{% from 'macros.j2' import tag %}{% include 'part.j2' %} {{ tag(__data__.w) }}")
    write(data, "templates/part.j2", "part:{{ __input__ }}")
    write(data, "flows/jinja.yml", """
name: jinja
steps:
- name: job
  type: jq
  jq: {expression: '{status: "successful", playbook: "site.yml"}'}
- name: patch
  type: jinja
  jinja: {path: patch.j2, data_key: job, parse: yaml}
- name: ticket
  type: jq
  jq: {expression: '{payload: "{\\"a\\": [1, 2]}"}'}
- name: extravars
  type: jinja
  jinja: {path: payload.j2, data_key: ticket, parse: json}
  jq_expression: '{extra_vars: .}'
- name: word
  type: jq
  jq: {expression: '{w: "hi"}'}
- name: text
  type: jinja
  jinja: {path: uses.j2, data_key: word}
""")
    p, out = run_flow(data, "jinja.yml", "in")
    check(p.returncode == 0, "jinja flow runs: %s" % p.stderr)
    check(out["patch"] == {"status": "finished", "result": "site.yml"},
          "ticket_patch.j2 with data_key context, parsed as YAML: %s" % out.get("patch"))
    check(out["extravars"] == {"extra_vars": {"a": [1, 2]}}, "the original's extravars.j2 pattern")
    check(out["text"] == "part:in <HI>", "include/import through TEMPLATES_PATH and __data__: %r" % out.get("text"))

    # an edited template is picked up by the next run (mtime cache)
    time.sleep(0.01)
    write(data, "templates/payload.j2", "[{{ payload }}]")
    p, out = run_flow(data, "jinja.yml", "in")
    check(out["extravars"] == {"extra_vars": [{"a": [1, 2]}]}, "edited template used")

    write(data, "flows/jinja_bad.yml", """
name: jinja bad
steps:
- name: t
  type: jinja
  jinja: {path: ../secrets.yml}
""")
    p = run(data, ["validate", "jinja_bad.yml"])
    check(p.returncode == 1 and "TEMPLATES_PATH" in p.stdout, "a template path outside TEMPLATES_PATH is refused: %s" % p.stdout)


def test_render(data, tmp):
    write(data, "templates/base.j2", "hello {% block who %}{% endblock %}")
    tpl = os.path.join(tmp, "child.j2")
    with open(tpl, "w") as f:
        f.write("{% extends 'base.j2' %}{% block who %}{{ name }}{% endblock %}\n")
    ctx = os.path.join(tmp, "ctx.json")
    with open(ctx, "w") as f:
        json.dump({"name": "world"}, f)
    p = run(data, ["render", "--data", ctx, tpl])
    check(p.returncode == 0 and p.stdout == "hello world", "render with extends: %r %s" % (p.stdout, p.stderr))
    with open(tpl, "w") as f:
        f.write("{{ 1 / 0 }}")
    p = run(data, ["render", tpl])
    check(p.returncode != 0 and "division by zero" in p.stderr and p.stdout == "", "render errors go to stderr")


def main():
    tmp = tempfile.mkdtemp(prefix="octo-tpl-e2e-")
    try:
        data = os.path.join(tmp, "data")
        os.makedirs(os.path.join(data, "flows"))
        test_when(data)
        test_templated_paths(data)
        test_jinja_step(data)
        test_render(data, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
