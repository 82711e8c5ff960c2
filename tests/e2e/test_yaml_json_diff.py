#!/usr/bin/env python3
"""Differential test: the core's YAML dumper, JSON emitter, Python text
forms, float repr and YAML loader against /usr/bin/python3 (PyYAML 6.0
and json), byte for byte.

Generates a few hundred random nested values (fixed seed; set
OCTO_DIFF_SEED to try others) full of tricky strings (YAML 1.1 words,
numbers and dates as strings, leading/trailing spaces, colons, #, quotes,
unicode, control characters, newlines, long lines) and sends them to
tests/diff/diff_helper.c (octo_diff_helper), which runs our emitters.
Then compares with:
  yaml.dump(v, default_flow_style=False)            (file step, debug)
  yaml.dump(v, default_flow_style=False, allow_unicode=True)
  yaml.dump(v, default_flow_style=None), (..., indent=4), (..., sort_keys=False)
  json.dumps(v)                                     (file step json)
  json.dumps(v, sort_keys=True, indent=2, ensure_ascii=False)
  repr(v), str(v)                                   (value_text, messages)
  repr(float) of random doubles (all exponents, subnormals, powers of 2)
  yaml.safe_load(text) == our loader, for the YAML PyYAML wrote (block and
  flow style) and for a table of plain scalars (YAML 1.1 resolution).
Must be run with /usr/bin/python3 (Debian's python3-yaml).
"""
import datetime
import json
import math
import os
import random
import struct
import subprocess
import sys
import unicodedata

import yaml

BIN_DIR = os.environ.get("OCTO_BINARY_DIR", "build")
HELPER = os.path.join(BIN_DIR, "tests", "diff", "octo_diff_helper")
SEED = int(os.environ.get("OCTO_DIFF_SEED", "20240517"))
N_VALUES = int(os.environ.get("OCTO_DIFF_COUNT", "400"))
MAX_DEPTH = int(os.environ.get("OCTO_DIFF_DEPTH", "4"))

failures = []

TRICKY = [
    "", " ", "  ", "a", "yes", "no", "Yes", "NO", "on", "Off", "y", "n", "Y", "true", "False",
    "TRUE", "null", "Null", "NULL", "~", "none", "None", "12", "-12", "+12", "012", "0o17",
    "0x1F", "0b101", "1_000", "1e3", "1E3", "1.0e+3", "1.5", "-1.5", ".5", "5.", "1:30",
    "190:20:30", "1:30.5", ".inf", "-.inf", ".NaN", "2024-01-01", "2024-1-1", "2024-01-01 10:00:00",
    "2001-12-14t21:59:43.10-05:00", "<<", "=", " leading", "trailing ", " both ", "a: b",
    "a:b", "a :b", ":", "a:", ":a", "- x", "-", "--", "---", "--- x", "...", "... x", "?", "? x",
    "#", "a #b", "a# b", "#a", "'", '"', "it's", 'say "hi"', "'quoted'", '"dq"', "\\", "back\\slash",
    "\t", "tab\there", "new\nline", "two\n\nlines", "trail\n", "\n", "\nlead", "\r\n", "cr\rhere",
    "@at", "`tick", "%pct", "!bang", "&amp", "*star", "|", ">", "{a}", "[a]", "a,b", "a, b",
    "{", "}", "[", "]", ",", "a[b]", "é", "café", "日本語", "emoji 😀", "\u2028", "x\u2028y",
    "\x85", "\ufeff", "\x00", "nul\x00in", "\x07", "\x1b[0m", "\x7f", "\xa0", "nbsp\xa0x",
    "\u00ff", "\u0100", "\ud7ff", "\ue000", "\ufffd", "\U0001d11e", "a  b", "a\t b",
    "key: value\nother: 2", "- item\n- item2", "line1\nline2\n", "  indented\n  text",
    "ends with space\n ", "x" * 100, ("word " * 30).strip(), ("longword" * 15) + " tail",
    "a" + " " * 90 + "b", "http://example.com/a?b=c#frag", "C:\\path\\file", "100%", "50 %",
    "-dash start", "&anchor", "*alias", "!!str", "!tag x", "null ", " null", "0", "-0", "00",
    "0.0", "1.", "1e+3", "1.0E-3", "+.inf", "Inf", "nan", "0x", "0b", "08", "09", "1__0",
]

KEYS = [k for k in TRICKY if "\x00" not in k] + ["name", "steps", "a", "b", "zeta", "Alpha", "_x"]


def rand_float(r):
    kind = r.randrange(8)
    if kind == 0:
        return r.choice([0.0, -0.0, 0.1, 0.5, 1.0, -1.0, 1e16, 1e15, 1e-4, 1e-5, 1.5e300,
                         5e-324, 2.0 ** 53, 123456789.125, 1e22, 9007199254740993.0])
    if kind == 1:
        return r.uniform(-1000, 1000)
    if kind == 2:
        return r.random() * 10 ** r.randrange(-30, 30)
    if kind == 3:
        return float(r.randrange(-10 ** 6, 10 ** 6))
    while True:
        f = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
        if not math.isnan(f) and not math.isinf(f):
            return f


def rand_str(r):
    kind = r.randrange(6)
    if kind < 3:
        return r.choice(TRICKY)
    if kind == 3:
        return r.choice(TRICKY) + r.choice(TRICKY)
    if kind == 4:
        n = r.randrange(1, 40)
        alphabet = "abc xyz:#-'\"\n\t\\é日😀{}[],&*!|>%@`?"
        return "".join(r.choice(alphabet) for _ in range(n))
    return " ".join(r.choice(["lorem", "ipsum", "dolor", "sit", "amet", "yes", "12", "a:b"])
                    for _ in range(r.randrange(5, 40)))


def rand_scalar(r):
    kind = r.randrange(10)
    if kind < 5:
        return rand_str(r)
    if kind == 5:
        return r.choice([None, True, False])
    if kind in (6, 7):
        return r.choice([0, 1, -1, 42, 2 ** 53, -(2 ** 62), r.randrange(-10 ** 12, 10 ** 12)])
    return rand_float(r)


def rand_value(r, depth=0):
    kind = r.randrange(10)
    if depth >= MAX_DEPTH or kind < 4:
        return rand_scalar(r)
    if kind < 7:
        return [rand_value(r, depth + 1) for _ in range(r.randrange(0, 5))]
    d = {}
    for _ in range(r.randrange(0, 6)):
        d[r.choice(KEYS)] = rand_value(r, depth + 1)
    return d


def has_unassigned(v):
    if isinstance(v, str):
        return any(unicodedata.category(c) == "Cn" for c in v)
    if isinstance(v, list):
        return any(has_unassigned(x) for x in v)
    if isinstance(v, dict):
        return any(has_unassigned(k) or has_unassigned(x) for k, x in v.items())
    return False


def run_helper(mode, records):
    data = bytearray()
    for rec in records:
        b = rec.encode("utf-8") if isinstance(rec, str) else rec
        data += b"%d\n" % len(b) + b
    p = subprocess.run([HELPER, mode], input=bytes(data), capture_output=True, timeout=120)
    if p.returncode != 0:
        print(p.stderr.decode(errors="replace"))
        raise SystemExit("helper %s failed with status %d" % (mode, p.returncode))
    out = []
    buf = p.stdout
    i = 0
    while i < len(buf):
        nl = buf.index(b"\n", i)
        n = int(buf[i:nl])
        out.append(buf[nl + 1:nl + 1 + n].decode("utf-8"))
        i = nl + 1 + n
    if len(out) != len(records):
        raise SystemExit("helper %s answered %d records for %d" % (mode, len(out), len(records)))
    return out


def compare(what, inputs, expected, got, limit=5):
    bad = 0
    for v, e, g in zip(inputs, expected, got):
        if e != g:
            bad += 1
            if bad <= limit:
                print("FAIL %s for %r\n  python: %r\n  ours:   %r" % (what, v, e, g))
    if bad:
        failures.append("%s: %d of %d differ" % (what, bad, len(inputs)))
    else:
        print("ok: %s (%d values)" % (what, len(inputs)))


def same_value(a, b):
    """Equality that tells ints from floats and -0.0 from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return a == b


def check_loader(what, docs, expected_values):
    got = run_helper("load", docs)
    bad = 0
    for doc, exp, g in zip(docs, expected_values, got):
        ok = g.startswith("OK ") and same_value(json.loads(g[3:]), exp)
        if not ok:
            bad += 1
            if bad <= 5:
                print("FAIL %s for %r\n  python: %r\n  ours:   %r" % (what, doc, exp, g))
    if bad:
        failures.append("%s: %d of %d differ" % (what, bad, len(docs)))
    else:
        print("ok: %s (%d documents)" % (what, len(docs)))


def plain_scalar_table():
    """(document, expected) for plain scalars: PyYAML's YAML 1.1 resolver.
    Dates and .inf/.nan, which JSON cannot hold, are kept as their text."""
    scalars = [
        "yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "NULL", "Null", "nULL",
        "0", "-0", "+0", "12", "-12", "+12", "012", "0o17", "0x1F", "-0x1f", "0b101", "-0b11",
        "1_000", "0_7", "1:30", "-1:30", "190:20:30", "1:60", "1:3:5", "08", "09", "0x", "0b",
        "1e3", "1E3", "1e+3", "1.0e+3", "1.0E-3", "1.0e3", "1.5", "-1.5", "+1.5", ".5", "-.5",
        "5.", "1_0.5", "1:30.5", "-1:30.5", "1.2.3", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
        "inf", "nan", "2024-01-01", "2024-1-1", "2024-01-01 10:00:00",
        "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "<<x",
        "9223372036854775807", "-9223372036854775808", "1.7976931348623157e+308",
        "12:30:45", "0.1", "100_000.5", "0xff_ff", "0b1_0", "1__0", "a", "hello world",
    ]
    docs = []
    expected = []
    for s in scalars:
        doc = "k: %s\n" % s
        v = yaml.safe_load(doc)["k"]
        if isinstance(v, (datetime.date, datetime.datetime)):
            v = s
        elif isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
            v = s
        docs.append(doc)
        expected.append({"k": v})
    return docs, expected


MERGE_DOCS = [
    "a: &a {k: 1, x: 1}\nb: &b {k: 2, y: 2}\nm:\n  <<: [*a, *b]\n  z: 0\n",
    "a: &a {k: 1, x: 1}\nb: &b {k: 2, y: 2}\nm:\n  <<: *a\n  <<: *b\n",
    "a: &a {k: 1, x: 1}\nm:\n  k: 9\n  <<: *a\n  w: 3\n",
    "a: &a {p: 1}\nb: &b {<<: *a, q: 2, p: 5}\nc: {r: 3, <<: [*b, {s: 4, p: 7}]}\n",
    "base: &base\n  url: http://x\n  headers: {A: 1}\nsteps:\n- <<: *base\n  name: one\n"
    "- <<: *base\n  headers: {B: 2}\n",
    "a: &a [1, 2]\nb: &s x\nc: [*a, *s, {k: *a}]\n",
]


def main():
    if not os.path.exists(HELPER):
        raise SystemExit("helper not built: %s" % HELPER)
    r = random.Random(SEED)
    values = [rand_value(r) for _ in range(N_VALUES)]
    # whole-document scalars, empty collections and flat tricky maps too
    values += [s for s in TRICKY] + [[], {}, None, True, 0, 1.5, -0.0]
    values.append({k: k for k in KEYS})
    values.append(list(TRICKY))
    inputs = [json.dumps(v) for v in values]

    compare("yaml.dump(default_flow_style=False)",
            values, [yaml.dump(v, default_flow_style=False) for v in values],
            run_helper("yaml", inputs))
    compare("yaml.dump(allow_unicode=True)",
            values, [yaml.dump(v, default_flow_style=False, allow_unicode=True) for v in values],
            run_helper("yaml-u", inputs))
    compare("yaml.dump(default_flow_style=None)",
            values, [yaml.dump(v, default_flow_style=None) for v in values],
            run_helper("yaml-flow", inputs))
    compare("yaml.dump(indent=4)",
            values, [yaml.dump(v, default_flow_style=False, indent=4) for v in values],
            run_helper("yaml-i4", inputs))
    compare("yaml.dump(sort_keys=False)",
            values, [yaml.dump(v, default_flow_style=False, sort_keys=False) for v in values],
            run_helper("yaml-nosort", inputs))
    compare("json.dumps", values, [json.dumps(v) for v in values], run_helper("json", inputs))
    compare("json.dumps(sort_keys, indent=2, ensure_ascii=False)", values,
            [json.dumps(v, sort_keys=True, indent=2, ensure_ascii=False) for v in values],
            run_helper("json-sort", inputs))
    # str.isprintable() needs the Unicode database; ours approximates it
    # (pyfmt.h) and cannot know unassigned code points such as U+D7FF
    known = [i for i, v in enumerate(values) if not has_unassigned(v)]
    print("repr/str: %d values with unassigned code points left out" % (len(values) - len(known)))
    kv = [values[i] for i in known]
    ki = [inputs[i] for i in known]
    compare("repr", kv, [repr(v) for v in kv], run_helper("repr", ki))
    compare("str", kv, [str(v) for v in kv], run_helper("str", ki))

    fr = random.Random(SEED + 1)
    floats = [rand_float(fr) for _ in range(3000)]
    floats += [2.0 ** e for e in range(-1074, 1024, 7)]
    floats += [10.0 ** e for e in range(-20, 23)] + [1e16 - 2, 1e16 + 2, 9.999999999999999e15,
                                                     0.0001, 0.00009999999999999999]
    compare("repr(float)", floats, [repr(f) for f in floats],
            run_helper("float", [f.hex() for f in floats]))

    block = [yaml.dump(v, default_flow_style=False) for v in values]
    check_loader("loader reads yaml.dump (block style)", block,
                 [yaml.safe_load(d) for d in block])
    flow = [yaml.dump(v, default_flow_style=True, allow_unicode=True) for v in values]
    check_loader("loader reads yaml.dump (flow style, unicode)", flow,
                 [yaml.safe_load(d) for d in flow])
    docs, expected = plain_scalar_table()
    check_loader("plain scalar resolution (safe_load)", docs, expected)
    check_loader("merge keys and aliases (safe_load)", MERGE_DOCS,
                 [yaml.safe_load(d) for d in MERGE_DOCS])

    if failures:
        print("\n".join(["FAILED:"] + failures))
        return 1
    print("all differential checks passed (seed %d)" % SEED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
