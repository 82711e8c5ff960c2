#!/usr/bin/python3
"""Check the template engine's naming rule (core/template/tpl.h, "Names")
on the built library: every symbol an object file of octo_template defines
for other files is

  octo_tpl_*            the public API, only from template.c, jsonbig.c,
                        render_cli.c;
  tpl_<module>[_...]    anything else, <module> being the object's file name
                        up to its first underscore (parser_stmt.c -> parser),
                        and hidden (TPL_INTERNAL), whatever the build's
                        default visibility.

usage: check_names.py LIBOCTO_TEMPLATE.a
Exits 0 when every symbol follows the rule, 1 otherwise (listing them);
77 (skip) without readelf.
"""
import os
import re
import shutil
import subprocess
import sys

PUBLIC_FILES = {"template", "jsonbig", "render_cli"}


def symbols(lib):
    """(object stem, symbol, visibility) of each global symbol defined in lib"""
    out = subprocess.run(["readelf", "-sW", lib], capture_output=True, text=True, check=True).stdout
    obj = None
    for line in out.splitlines():
        m = re.match(r"^File: .*\((.+)\)$", line)
        if m:
            obj = os.path.basename(m.group(1))
            obj = obj[: obj.index(".")]
            continue
        f = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        # names starting with __ are the compiler's (ASan's __odr_asan.x)
        if len(f) != 8 or f[4] not in ("GLOBAL", "WEAK") or f[6] == "UND":
            continue
        if not f[7].startswith("__"):
            yield obj, f[7], f[5]


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    if shutil.which("readelf") is None:
        print("SKIP: no readelf")
        return 77
    bad = []
    count = 0
    for obj, sym, vis in symbols(argv[1]):
        count += 1
        module = obj.split("_")[0]
        if sym.startswith("octo_tpl_"):
            if obj not in PUBLIC_FILES:
                bad.append("%s.c: %s: octo_tpl_* is the public API (template.c, jsonbig.c, "
                           "render_cli.c)" % (obj, sym))
        elif not re.match(r"^tpl_%s(_|$)" % re.escape(module), sym):
            bad.append("%s.c: %s: should be tpl_%s_*" % (obj, sym, module))
        elif vis != "HIDDEN":
            bad.append("%s.c: %s: not hidden (declare it with TPL_INTERNAL)" % (obj, sym))
    if count == 0:
        print("no symbols found in %s" % argv[1])
        return 1
    for b in bad:
        print(b)
    print("%d symbols, %d breaking the naming rule" % (count, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
