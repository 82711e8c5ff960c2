#!/usr/bin/python3
"""Flow-loading defects of issue 9 through the CLI: a flow with a
finally_step and a step entry that is not a mapping crashed `validate`
and `run` (SIGSEGV); every_seconds beyond one year was accepted.
"""
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-flowload-e2e-")


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def test_step_entry_not_a_mapping():
    o = octo()
    o.flow("f.yml", "name: f\nfinally_step: cleanup\nsteps:\n- just a string\n"
                    "- {name: cleanup, type: debug}\n- 7\n")
    for args in (["validate", "f.yml"], ["run", "f.yml"]):
        r = o.cmd(args)
        check(r.rc in (1, 2), "%s fails cleanly: %r" % (args[0], r))
        check(r.rc > 0 and r.rc < 128, "no crash: %r" % r)
        check("f.yml:4: steps[0]: a step must be a mapping with name and type, not a string"
              in r.stdout + r.stderr, "file:line message: %r" % r)
        check("f.yml:6: steps[2]: a step must be a mapping with name and type, not a scalar"
              in r.stdout + r.stderr, "every entry: %r" % r)
    eq(o.cmd(["validate", "f.yml"]).rc, 1, "validate: invalid")


def test_every_seconds_range():
    o = octo()
    o.flow("e.yml", "name: e\nevery_seconds: 9223372036854775807\nsteps: []\n")
    r = o.validate("e.yml")
    eq(r.rc, 1, "refused: %r" % r)
    check("e.yml:2: every_seconds must be a whole number of seconds from 1 to 31536000 "
          "(one year), not 9223372036854775807" in r.stdout + r.stderr, "message: %r" % r)
    o.flow("ok.yml", "name: e\nevery_seconds: 31536000\nsteps: []\n")
    eq(o.validate("ok.yml").rc, 0, "one year is accepted")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
