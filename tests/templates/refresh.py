#!/usr/bin/python3
"""Regenerate the stored template outputs with Python's Jinja2.

usage: refresh.py [--check]

The template cases are the lines of tests/unit/template/cases*.txt (their
format: tests/unit/template/diff_jinja.py). For each cases file and mode
(plain, and Environment(autoescape=True) for the files the differential
test runs that way) this writes tests/templates/expected/<file>.jsonl and
<file>.autoescape.jsonl: one line per case, in order, with what Jinja2
gave. test_tpl_stored (tests/unit/template/test_tpl_stored.c) renders
every case with Octoflow's engine and compares it with these files; it
needs no Python. Run this after adding or changing a case, or to see
whether a new Jinja2 still agrees (--check: compare, write nothing; exit 1
when a stored output differs from what this Jinja2 gives).

Each line is a JSON object:
  "line": N             the case's line number in its cases file
  "case": "..."         that line as written (the test refuses stale files)
  "template": "..."     the template
  "context": "..."|null the context as the JSON text the renderer reads
                        (null: the base context, base_context.json)
  "templates": {...}    present when the case loads other templates
  "autoescape": bool
  "jinja": "ok"|"error"|"timeout"
  "output": "..."       for "ok": what Jinja2 rendered
  "error": "..."        for "error": Jinja2's exception (ours need only fail)
"timeout" cases (Jinja2 itself does not finish) are compared with nothing,
as in the differential test. Each case starts from a fresh copy of its
context (a template may change the objects it is given).

Run it with /usr/bin/python3 (its first line), as the differential test
runs: Debian 12's python3-jinja2 (3.1.2, MarkupSafe 2.1.2) is the Jinja2
the engine follows; another version answers some cases differently
('inf'|int, Markup methods). expected/generated_by.txt records which
versions wrote the files.
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "..", "unit", "template")
OUT_DIR = os.path.join(HERE, "expected")

# The cases files and modes of the differential test (test_tpl_diff_jinja
# and test_tpl_diff_jinja_autoescape in core/template/CMakeLists.txt).
PLAIN = ["cases.txt", "cases2.txt", "cases3.txt", "cases4.txt", "cases5.txt", "cases6.txt"]
AUTOESCAPE = ["cases.txt", "cases2.txt", "cases3.txt", "cases4.txt", "cases5.txt"]

try:
    import jinja2
    import markupsafe
except ImportError:
    sys.exit("refresh.py needs Python's Jinja2 (apt-get install python3-jinja2)")

sys.path.insert(0, CASES_DIR)
import diff_jinja  # noqa: E402  (the differential test: its cases, context and Jinja2 call)


def case_lines(path):
    """(line number, raw line) of each case in a cases file, as diff_jinja reads them."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            out.append((n, line))
    return out


def render_file(name, force_ae):
    path = os.path.join(CASES_DIR, name)
    lines = case_lines(path)
    cases = diff_jinja.load_cases([path])
    assert len(cases) == len(lines), path
    out = []
    for (n, raw), (tpl, ctx, opts) in zip(lines, cases):
        if force_ae and "autoescape" not in opts:
            opts = dict(opts, autoescape=True)
        rec = {"line": n, "case": raw, "template": tpl,
               "context": None if ctx is None else json.dumps(ctx, ensure_ascii=False)}
        # a copy: a template may change the objects it is given (d.update(),
        # users.append()); each case starts from the context as written
        c = copy.deepcopy(diff_jinja.BASE_CTX if ctx is None else ctx)
        ok, res = diff_jinja.jinja_render(tpl, c, opts)
        if "templates" in opts:
            rec["templates"] = opts["templates"]
        rec["autoescape"] = bool(opts.get("autoescape"))
        if ok is None:
            rec["jinja"] = "timeout"
        elif ok:
            rec["jinja"] = "ok"
            rec["output"] = res
        else:
            rec["jinja"] = "error"
            rec["error"] = res
        out.append(json.dumps(rec, ensure_ascii=False) + "\n")
    return "".join(out)


def main(argv):
    check = "--check" in argv
    want = {"base_context.json": json.dumps(diff_jinja.BASE_CTX, ensure_ascii=False) + "\n",
            "generated_by.txt": "Python %s, Jinja2 %s, MarkupSafe %s (tests/templates/refresh.py)\n"
                                % (sys.version.split()[0], jinja2.__version__, markupsafe.__version__)}
    for name in PLAIN:
        want[name.replace(".txt", ".jsonl")] = render_file(name, False)
    for name in AUTOESCAPE:
        want[name.replace(".txt", ".autoescape.jsonl")] = render_file(name, True)
    differ = 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for fname, text in sorted(want.items()):
        path = os.path.join(OUT_DIR, fname)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                old = fh.read()
        if old == text:
            continue
        differ += 1
        if check:
            print("%s: differs from what this Jinja2 (%s) gives" % (path, jinja2.__version__))
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            print("wrote %s" % path)
    if check:
        print("%d of %d stored files differ" % (differ, len(want)))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
