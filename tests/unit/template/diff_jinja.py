#!/usr/bin/python3
"""Differential test: render tricky templates with Python's Jinja2 and with
octo_tpl_render and compare byte for byte (errors must be errors on both).

usage: diff_jinja.py RENDERER [CASES_FILE...] [--show N] [--filter SUBSTR] [--autoescape]

--autoescape renders every case whose options do not say otherwise with
autoescaping on (the same cases then check the escaping paths too).

Cases files hold one case per line: a template (JSON string) optionally
followed by a tab and a JSON context (null: the base context), optionally
followed by a tab and a JSON object of environment options:
  "autoescape": true      Environment(autoescape=True) / --autoescape
  "templates": {name: src} a DictLoader / --templates DIR holding those files
The default cases file is cases.txt beside this script. Exits 0 when all cases agree, 1 otherwise; prints
"N passed, N failed". Skips (exit 77, message) when jinja2 is missing.

What Jinja2 gives for these cases is also stored in tests/templates/expected/
(tests/templates/refresh.py), where test_tpl_stored compares without Python.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

try:
    import jinja2
except ImportError:  # pragma: no cover
    print("SKIP: /usr/bin/python3 has no jinja2 module (apt-get install python3-jinja2)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))

BASE_CTX = {
    "user": {"name": "alice", "age": 31, "address": {"city": "Paris"}, "tags": ["x", "y"],
             "first name": "A"},
    "users": [
        {"name": "alice", "age": 31, "city": "NY", "active": True, "email": "alice@example.com"},
        {"name": "Bob", "age": 25, "city": "LA", "active": False, "email": None},
        {"name": "carol", "age": 31, "city": "NY", "active": True, "email": "c@x.org"},
        {"name": "dave", "age": 40, "city": "SF", "active": False},
    ],
    "items": [10, 20, 30, 40, 50], "nums": [3, 1, 2], "words": ["b", "A", "c", "a"],
    "d": {"b": 1, "a": 3, "C": 2}, "obj": {"items": [1, 2], "values": ["v1", "v2"], "get": "shadowed"},
    "dnum": {"1": "one", "0": "zero"}, "n": None, "t": True, "f": False, "z": 0, "e": "",
    "s": "Hello World", "u": "h\u00e9llo \u65e5\u672c", "html": "<a href=\"x\">T&C's</a>",
    "text": "a\nb\n\nc", "big": 12345678901234567890, "fl": 2.5, "neg": -7,
    "matrix": [[1, 2], [3, 4]], "data": {"a.b": "dotted", "a": {"b": "nested"}},
    "tickets": [{"id": 101, "status": "new", "priority": "1"}, {"id": 102, "status": "open", "priority": "3"}],
}


def load_cases(paths):
    cases = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.split("\t")
                tpl = json.loads(parts[0])
                ctx = json.loads(parts[1]) if len(parts) > 1 else None
                opts = json.loads(parts[2]) if len(parts) > 2 else {}
                cases.append((tpl, ctx, opts))
    return cases


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def jinja_render(tpl, ctx, opts, timeout=10):
    """Jinja2's rendering, or (False, message); None on a timeout."""
    loader = jinja2.DictLoader(opts["templates"]) if "templates" in opts else None
    env = jinja2.Environment(autoescape=bool(opts.get("autoescape")), loader=loader)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        return True, env.from_string(tpl).render(**ctx)
    except _Timeout:
        return None, "timeout"
    except Exception as exc:  # noqa: BLE001
        return False, "%s: %s" % (type(exc).__name__, exc)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def ours(renderer, tpl, ctx, opts, tmp):
    tp = os.path.join(tmp, "t.j2")
    cp = os.path.join(tmp, "c.json")
    with open(tp, "wb") as fh:
        fh.write(tpl.encode("utf-8"))
    with open(cp, "w", encoding="utf-8") as fh:
        json.dump(ctx, fh, ensure_ascii=False)
    cmd = [renderer]
    if opts.get("autoescape"):
        cmd.append("--autoescape")
    if "templates" in opts:
        tdir = tempfile.mkdtemp(dir=tmp)
        for name, src in opts["templates"].items():
            path = os.path.join(tdir, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(src.encode("utf-8"))
        cmd += ["--templates", tdir]
    try:
        p = subprocess.run(cmd + ["--data", cp, tp], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if p.returncode < 0 or p.returncode > 125:
        return None, "crash rc=%d %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-300:])
    if p.returncode != 0:
        return False, p.stderr.decode("utf-8", "replace").strip()
    return True, p.stdout.decode("utf-8", "replace")


def main(argv):
    show = 20
    filt = None
    force_ae = False
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--autoescape":
            force_ae = True; i += 1; continue
        if argv[i] == "--show":
            show = int(argv[i + 1]); i += 2; continue
        if argv[i] == "--filter":
            filt = argv[i + 1]; i += 2; continue
        args.append(argv[i]); i += 1
    if not args:
        print(__doc__)
        return 2
    renderer = args[0]
    files = args[1:] or [os.path.join(HERE, "cases.txt")]
    cases = load_cases(files)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for tpl, ctx, opts in cases:
            if filt and filt not in tpl:
                continue
            if force_ae and "autoescape" not in opts:
                opts = dict(opts, autoescape=True)
            c = BASE_CTX if ctx is None else ctx
            jok, jout = jinja_render(tpl, c, opts)
            if jok is None:
                continue  # Jinja2 itself does not finish: nothing to compare
            ok, out = ours(renderer, tpl, c, opts, tmp)
            if ok is not None and ok == jok and (not ok or out == jout):
                passed += 1
                continue
            failed += 1
            if failed <= show:
                print("MISMATCH %r%s" % (tpl, " %r" % opts if opts else ""))
                print("   jinja: %s %r" % ("ok" if jok else "ERR", jout[:300]))
                print("   ours : %s %r" % ({True: "ok", False: "ERR", None: "CRASH"}[ok], out[:300]))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
