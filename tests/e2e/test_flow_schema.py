#!/usr/bin/python3
"""`octoflow schema` (issue 12): a JSON Schema (draft 2020-12) for flow
files, generated from the loaded plugins' option schemas. Checked with
python3-jsonschema: the schema itself is valid, every bundled flow and
every flow of the original (../shared/compat/original-data/flows)
validates, and known-bad flows are rejected for the reason they are bad.
Each bad flow is also refused (or warned about) by `octoflow validate
--strict`, so the schema and the loader agree.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import BIN, PLUGINS, SRC, Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-schema-e2e-")


def schema():
    env = dict(os.environ, PLUGINS_PATH=PLUGINS, DATA_PATH=os.path.join(TMP, "none"))
    p = subprocess.run([BIN, "schema"], capture_output=True, text=True, env=env, timeout=60)
    eq(p.returncode, 0, "octoflow schema: %r" % p.stderr)
    return json.loads(p.stdout)


def validator():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def original_flows():
    """The original's flows: shared/ next to the work tree (CI: beside the clone)."""
    for base in (os.path.join(SRC, "..", "shared"), os.path.join(SRC, "..", "..", "shared"),
                 "/work/shared"):
        d = os.path.join(base, "compat", "original-data", "flows")
        if os.path.isdir(d):
            return sorted(glob.glob(os.path.join(d, "**", "*.y*ml"), recursive=True))
    return []


def test_schema_is_draft_2020_12_from_the_plugins():
    s = schema()
    eq(s["$schema"], "https://json-schema.org/draft/2020-12/schema", "draft")
    jsonschema.Draft202012Validator.check_schema(s)
    step = s["$defs"]["step"]
    types = step["properties"]["type"]["enum"]
    for t in ("file", "jq", "rest", "jinja", "flow", "flow_loop", "debug"):
        check(t in types, "type %s" % t)
    by_type = {b["if"]["properties"]["type"]["enum"][0]: b["then"] for b in step["allOf"]}
    f = by_type["file"]["properties"]["file"]
    eq(f["required"], ["path"], "required from the option schema")
    mode = f["properties"]["mode"]
    eq(mode["default"], "read", "default")
    eq(mode["anyOf"][0], {"enum": ["read", "write", "append"]}, "the values, for completion")
    mv = jsonschema.Draft202012Validator(mode)
    check(mv.is_valid("read") and mv.is_valid("WRITE") and mv.is_valid(None),
          "any case (NOCASE), null for absent")
    check(not mv.is_valid("delete"), "nothing else")
    eq(f["properties"]["data_key"]["type"], ["string", "number", "boolean", "null"],
       "a string option takes what the loader turns into text")
    check(f["properties"]["path"]["description"], "description from the summary")
    m = by_type["rest"]["properties"]["rest"]["properties"]["method"]
    check(jsonschema.Draft202012Validator(m).is_valid("post"), "case-insensitive enum: %r" % m)
    check(not jsonschema.Draft202012Validator(m).is_valid("FETCH"), "but still an enum")


def test_every_bundled_and_original_flow_validates():
    v = validator()
    bundled = sorted(glob.glob(os.path.join(SRC, "data", "flows", "**", "*.yml"), recursive=True))
    bundled += sorted(glob.glob(os.path.join(SRC, "sdk", "examples", "**", "*.yml"),
                                recursive=True))
    originals = original_flows()
    check(len(bundled) >= 5, "bundled flows found: %r" % bundled)
    check(len(originals) >= 5, "the original's flows found: %r" % originals)
    for path in bundled + originals:
        with open(path) as f:
            doc = yaml.safe_load(f)
        if "sdk/examples" in path:
            continue  # the example plugin's type is not loaded here
        errors = [e.message for e in v.iter_errors(doc)]
        eq(errors, [], "%s validates" % path)
    # the starter flow of `octoflow init` too
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    subprocess.run([BIN, "init", o.data], capture_output=True, check=True)
    with open(os.path.join(o.data, "flows", "hello.yml")) as f:
        eq([e.message for e in v.iter_errors(yaml.safe_load(f))], [], "init's flow")


BAD = {
    # name: (flow text, a fragment of the schema's complaint, of validate --strict's)
    "typo_in_block": ("name: a\nsteps:\n- name: s\n  type: file\n  file: {path: x, tpye: json}\n",
                      "'tpye' was unexpected", 'unknown key "tpye"'),
    "typo_in_step": ("name: a\nsteps:\n- name: s\n  type: jq\n  jq: {expression: .}\n  wehn: x\n",
                     "'wehn' was unexpected", 'unknown key "wehn"'),
    "typo_top_level": ("name: a\nstep:\n- name: s\n  type: jq\n  jq: {expression: .}\n",
                       "'steps' is a required property", "the flow has no steps"),
    "unknown_type": ("name: a\nsteps:\n- name: s\n  type: fiel\n", "is not one of",
                     'unknown step type "fiel"'),
    "missing_required": ("name: a\nsteps:\n- name: s\n  type: file\n  file: {mode: read}\n",
                         "'path' is a required property", "is required"),
    "bad_enum": ("name: a\nsteps:\n- name: s\n  type: file\n  file: {path: x, mode: delete}\n",
                 "'delete' is not one of", '"delete" is not one of'),
    "wrong_type": ("name: a\nsteps:\n- name: s\n  type: flow_loop\n  flow_loop: {path: x.yml, "
                   "data_key: l, max_workers: many}\n", "'many' is not of type",
                   "must be an integer"),
    "no_type": ("name: a\nsteps:\n- name: s\n  jq: {expression: .}\n",
                "'type' is a required property", "type is required"),
    "bad_every_seconds": ("name: a\nevery_seconds: -5\nsteps: []\n", "-5 is less than",
                          "every_seconds"),
    "bad_retry": ("name: a\nsteps:\n- name: s\n  type: jq\n  jq: {expression: .}\n"
                  "  retry: {attempts: 2, delya: 1}\n", "'delya' was unexpected",
                  'unknown key "delya"'),
}


def test_known_bad_flows_are_rejected():
    v = validator()
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    for name, (text, why, loader) in BAD.items():
        doc = yaml.safe_load(text)
        errors = [e for e in v.iter_errors(doc)]
        check(errors, "%s: rejected by the schema" % name)
        msgs = " | ".join(e.message + " " + " ".join(c.message for c in (e.context or []))
                          for e in errors)
        check(why in msgs, "%s: %r in %s" % (name, why, msgs))
        o.flow(name + ".yml", text)
        r = o.cmd(["validate", "--strict", name + ".yml"])
        eq(r.rc, 1, "%s: validate --strict refuses it too: %r" % (name, r.stdout))
        check(loader in r.stdout, "%s: %r in %s" % (name, loader, r.stdout))


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
