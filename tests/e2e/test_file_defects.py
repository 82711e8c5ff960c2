#!/usr/bin/python3
"""file step defects of issue 9, with real processes killed by the test:

- append of a large document killed mid-write (kill -9) left a partial
  record at the end of the file: the file now holds the old content or
  old + new, never anything in between;
- write killed mid-write left its full-size temporary file under an
  anonymous name: it is now named .<target>.octo-tmp.<pid>.XXXXXX, with
  the dead writer's pid (core/tempfiles.c removes such files);
- concurrent appenders (two processes) each keep every record.
"""
import json
import os
import shutil
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import BIN, SLOW, Octo, check, eq, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-file-e2e-")
TEMP_RX = re.compile(r"^\.(.+)\.octo-tmp\.(\d+)\.[A-Za-z0-9]{6}$")
BIG = 48 << 20  # bytes of the document: big enough to be caught mid-write


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def big_input(o, byte):
    """--data @file with a string of BIG bytes."""
    path = os.path.join(o.tmp, "big-%s.json" % byte)
    with open(path, "w") as f:
        f.write(json.dumps(byte * BIG))
    return path


def temps(directory):
    return [n for n in os.listdir(directory) if TEMP_RX.match(n)]


def kill_mid_write(o, flow, data_path, target, old_size):
    """Start `octoflow run flow`, kill -9 it as soon as its write has begun
    (a temporary file has data, or the target grew). Returns the pid, or
    None when the run ended before it could be caught."""
    p = subprocess.Popen([BIN, "run", flow, "--data", "@" + data_path], env=o.environment(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=o.tmp)
    out_dir = os.path.dirname(target)
    deadline = time.time() + 60 * SLOW
    try:
        while time.time() < deadline:
            if p.poll() is not None:
                return None
            grown = os.path.exists(target) and os.path.getsize(target) > old_size
            started = any(os.path.getsize(os.path.join(out_dir, n)) > 0
                          for n in temps(out_dir) if os.path.exists(os.path.join(out_dir, n)))
            if grown or started:
                os.kill(p.pid, signal.SIGKILL)
                break
            time.sleep(0.0005)
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
    return p.pid


def test_append_killed_mid_write_is_all_or_nothing():
    o = octo()
    out = o.path("out/log.txt")
    os.makedirs(os.path.dirname(out))
    old = "old record 1\nold record 2\n"
    o.flow("a.yml", "name: a\nsteps:\n- name: add\n  type: file\n  file: {path: out/log.txt, "
                    "mode: append, type: text, data_key: __input__}\n")
    data = big_input(o, "N")
    caught = 0
    for attempt in range(4):
        with open(out, "w") as f:
            f.write(old)
        # remove the locks a killed run leaves (not this subject)
        for n in os.listdir(o.path("locks")) if os.path.isdir(o.path("locks")) else []:
            os.unlink(os.path.join(o.path("locks"), n))
        pid = kill_mid_write(o, "a.yml", data, out, len(old))
        with open(out) as f:
            got = f.read()
        check(got == old or got == old + "N" * BIG,
              "attempt %d: the file is old or old+new, not %d bytes (old %d, new %d)"
              % (attempt, len(got), len(old), BIG))
        if pid is not None:
            caught += 1
            left = temps(o.path("out"))
            for n in left:
                eq(int(TEMP_RX.match(n).group(2)), pid, "a leftover names its writer")
                eq(TEMP_RX.match(n).group(1), "log.txt", "and its target")
                os.unlink(o.path("out/" + n))
    check(caught >= 2, "the writer was caught mid-write (%d of 4)" % caught)
    # a run that is not killed appends
    with open(out, "w") as f:
        f.write(old)
    for n in os.listdir(o.path("locks")):
        os.unlink(os.path.join(o.path("locks"), n))
    r = o.cmd(["run", "a.yml", "--data", json.dumps("new record\n")])
    eq(r.rc, 0, "append: %r" % r)
    with open(out) as f:
        eq(f.read(), old + "new record\n", "appended")
    eq(temps(o.path("out")), [], "no temporary file left")


def test_write_killed_leaves_a_named_temp_file():
    o = octo()
    out = o.path("out/doc.txt")
    os.makedirs(os.path.dirname(out))
    with open(out, "w") as f:
        f.write("previous\n")
    o.flow("w.yml", "name: w\nsteps:\n- name: put\n  type: file\n  file: {path: out/doc.txt, "
                    "mode: write, type: text, data_key: __input__}\n")
    pid = kill_mid_write(o, "w.yml", big_input(o, "W"), out, len("previous\n"))
    check(pid is not None, "the writer was caught mid-write")
    with open(out) as f:
        eq(f.read(), "previous\n", "the target is untouched")
    left = temps(o.path("out"))
    eq(len(left), 1, "one temporary file left: %r" % os.listdir(o.path("out")))
    m = TEMP_RX.match(left[0])
    eq((m.group(1), int(m.group(2))), ("doc.txt", pid), "named for its target and dead writer")


def test_concurrent_appenders_keep_every_record():
    """Two processes append 15 records of 200 KB each to one file at once:
    every record is there, whole."""
    o = octo()
    os.makedirs(o.path("out"))
    n = 15
    for who in ("a", "b"):
        steps = "".join("- name: s%d\n  type: file\n  file: {path: out/shared.txt, mode: append, "
                        "type: text, data_key: rec}\n" % i for i in range(n))
        o.flow("%s.yml" % who, "name: %s\nsteps:\n- name: rec\n  type: jq\n  jq: {expression: "
                               "'\"%s\" * 200000 + \"\\n\"'}\n%s" % (who, who.upper(), steps))
    procs = [subprocess.Popen([BIN, "run", "%s.yml" % who], env=o.environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=o.tmp)
             for who in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=120 * SLOW)
        eq(p.returncode, 0, "run: %s" % err[-2000:])
    with open(o.path("out/shared.txt")) as f:
        lines = f.read().split("\n")
    eq(lines[-1], "", "ends with a line break")
    lines = lines[:-1]
    eq(sorted(set(lines)), ["A" * 200000, "B" * 200000], "only whole records")
    eq((lines.count("A" * 200000), lines.count("B" * 200000)), (n, n), "none lost")
    eq(temps(o.path("out")), [], "no temporary file left")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
