#!/usr/bin/python3
"""Files no step and no template may reach (issue 9), through the CLI:
with TEMPLATES_PATH=DATA_PATH (a flat layout) a jinja step or
{% include %} read secrets.yml and config.yml; the job store (JOBS_DB,
default DATA_PATH/octoflow.db, and its -wal, -shm and -journal files) was
readable and writable by the file step.
"""
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-protected-e2e-")
SECRET = "Flat-Layout-Secret-5521"
REFUSED = "is the secrets, configuration or job store file, which steps and templates may not touch"


def octo():
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    o.secrets([{"name": "tok", "type": "token", "token": SECRET}])
    o.write("config.yml", "api_token: Cfg-%s\n" % SECRET)
    return o


def test_template_loads_refuse_secrets_in_flat_layout():
    o = octo()
    flat = {"TEMPLATES_PATH": o.data}
    o.write("inc.j2", "leak: {% include 'secrets.yml' %}")
    o.write("cfg.j2", "{% include 'config.yml' %}")
    o.flow("direct.yml", "name: d\nsteps:\n- name: t\n  type: jinja\n  jinja: {path: secrets.yml}\n")
    o.flow("inc.yml", "name: i\nsteps:\n- name: t\n  type: jinja\n  jinja: {path: inc.j2}\n"
                      "- name: c\n  type: jinja\n  jinja: {path: cfg.j2}\n")
    r = o.validate("direct.yml", env=flat)
    eq(r.rc, 1, "a literal path is refused when the flow loads: %r" % r)
    check(REFUSED in r.stdout + r.stderr, "message: %r" % r)
    r = o.run("inc.yml", env=flat)
    eq(r.rc, 1, "the include fails the run: %r" % r)
    check(REFUSED in r.errors[0]["error"]["message"], "message: %r" % r.errors)
    for text in (r.stdout, r.stderr, o.log()):
        check(SECRET not in text, "the secret never shows: %r" % r)


def test_file_step_refuses_job_store():
    o = octo()
    o.write("octoflow.db", "SQLite format 3\x00jobs")
    names = ["octoflow.db", "octoflow.db-wal", "octoflow.db-shm", "octoflow.db-journal"]
    steps = []
    for i, n in enumerate(names):
        steps.append("- name: w%d\n  type: file\n  ignore_errors: ['.*']\n  file: {path: '{{ \"%s\" }}', "
                     "mode: write, type: text, data_key: __input__}\n" % (i, n))
        steps.append("- name: a%d\n  type: file\n  ignore_errors: ['.*']\n  file: {path: '{{ \"%s\" }}', "
                     "mode: append, type: text, data_key: __input__}\n" % (i, n))
        steps.append("- name: r%d\n  type: file\n  ignore_errors: ['.*']\n  file: {path: '{{ \"%s\" }}', "
                     "type: text}\n" % (i, n))
    o.flow("db.yml", "name: db\nsteps:\n" + "".join(steps))
    r = o.run("db.yml", data="clobbered")
    eq(r.rc, 0, "run: %r" % r)
    eq(len(r.errors), 12, "every access refused: %r" % r.errors)
    for e in r.errors:
        check(REFUSED in e["error"]["message"], "message: %r" % e)
    with open(o.path("octoflow.db")) as f:
        eq(f.read(), "SQLite format 3\x00jobs", "the job store is untouched")
    for n in names[1:]:
        check(not os.path.exists(o.path(n)), "%s not created" % n)
    # a literal path is refused at load
    o.flow("lit.yml", "name: l\nsteps:\n- name: r\n  type: file\n  file: {path: octoflow.db-wal}\n")
    r = o.validate("lit.yml")
    eq(r.rc, 1, "refused at load: %r" % r)
    # JOBS_DB elsewhere: that file is protected, octoflow.db is ordinary data
    o.write("state/jobs.sqlite", "db")
    env = {"JOBS_DB": o.path("state/jobs.sqlite")}
    o.flow("moved.yml", "name: m\nsteps:\n- name: r\n  type: file\n  ignore_errors: ['.*']\n"
                        "  file: {path: '{{ \"state/jobs.sqlite-shm\" }}', mode: write, type: text, "
                        "data_key: __input__}\n- name: ok\n  type: file\n"
                        "  file: {path: octoflow.db, type: text}\n")
    r = o.run("moved.yml", data="x", env=env)
    eq(r.rc, 0, "run: %r" % r)
    check(REFUSED in r.errors[0]["error"]["message"], "JOBS_DB's companions: %r" % r.errors)
    eq(r["ok"], "SQLite format 3\x00jobs", "octoflow.db is ordinary data then")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
