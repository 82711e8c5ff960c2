#!/usr/bin/env python3
"""The include rules of the tree, read from the #include lines.

usage: test_include_rules.py SOURCE_DIR

1. core/ (with core/util, core/template, core/include) has no #include
   cycle: a header that ends up including itself compiles thanks to its
   guard but only in one order, and the two halves cannot be understood
   (or split off) apart. A cycle is printed as its path.
2. core/util/ includes only core/util/ headers and the public ones
   (<octoflow/...>): it is the bottom layer, shared with the template
   engine and compiled into the SDK's mock host without the core.
3. core/template/ includes only its own headers, core/util/'s and the
   public ones: the engine knows nothing of flows or jobs.
4. server/ reaches the core only through <octoflow/core.h> (and the SDK
   header it rests on): every quoted include is a server/ header, and no
   angle include names one of the core's private headers.

Quoted includes are resolved as the compiler does for these targets: the
including file's folder first, then core/template (for its own files),
core/util, core/, core/include and sdk/include. A quoted include that resolves nowhere is an error too.
"""
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def rel(src, p):
    return os.path.relpath(p, src)


def sources(src, top):
    out = []
    for root, dirs, files in os.walk(os.path.join(src, top)):
        dirs[:] = sorted(d for d in dirs if d not in ("static", "tlscompat"))
        out.extend(os.path.join(root, f) for f in sorted(files) if f.endswith((".c", ".h")))
    return out


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # drop comments so a commented-out include does not count
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return INCLUDE_RE.findall(text)


def resolve(src, path, kind, name, search):
    dirs = ([os.path.dirname(path)] if kind == '"' else []) + search
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None


def find_cycle(graph):
    """A cycle as a list of nodes (first == last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = {n: WHITE for n in graph}
    stack = []

    def visit(n):
        color[n] = GREY
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if color.get(m, BLACK) == GREY:
                return stack[stack.index(m):] + [m]
            if color.get(m) == WHITE:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        color[n] = BLACK
        return None

    for n in sorted(graph):
        if color[n] == WHITE:
            c = visit(n)
            if c:
                return c
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = os.path.abspath(sys.argv[1])
    core = os.path.join(src, "core")
    util = os.path.join(core, "util")
    tpl = os.path.join(core, "template")
    public = [os.path.join(core, "include"), os.path.join(src, "sdk", "include")]
    search = [util, core] + public
    errors = []

    def under(p, d):
        return p.startswith(d + os.sep)

    graph = {}
    for path in sources(src, "core"):
        graph.setdefault(path, set())
        for kind, name in includes(path):
            target = resolve(src, path, kind, name, ([tpl] if under(path, tpl) else []) + search)
            if target is None:
                if kind == '"':
                    errors.append("%s: #include \"%s\" resolves to no file" % (rel(src, path), name))
                continue
            if under(target, core):
                graph[path].add(target)
            ok_public = any(under(target, d) for d in public)
            if under(path, util) and not (under(target, util) or ok_public):
                errors.append("%s: core/util includes %s (only core/util and public headers)"
                              % (rel(src, path), rel(src, target)))
            if under(path, tpl) and not (under(target, tpl) or under(target, util) or ok_public):
                errors.append("%s: core/template includes %s (only its own, core/util's and "
                              "public headers)" % (rel(src, path), rel(src, target)))
    cycle = find_cycle(graph)
    if cycle:
        errors.append("include cycle: " + " -> ".join(rel(src, p) for p in cycle))

    server = os.path.join(src, "server")
    private = [util, core, tpl]
    nserver = 0
    for path in sources(src, "server"):
        nserver += 1
        for kind, name in includes(path):
            if kind == '"':
                target = resolve(src, path, kind, name, [])
                if target is None or not under(target, server):
                    errors.append("%s: #include \"%s\" is not a server/ header (the core is "
                                  "<octoflow/core.h>)" % (rel(src, path), name))
            elif name.startswith("octoflow/"):
                if name not in ("octoflow/core.h", "octoflow/octo_step.h"):
                    errors.append("%s: #include <%s>: server/ sees the core only through "
                                  "<octoflow/core.h>" % (rel(src, path), name))
            elif any(os.path.isfile(os.path.join(d, name)) for d in private):
                errors.append("%s: #include <%s> names a private header of the core"
                              % (rel(src, path), name))

    for e in errors:
        print("FAIL: " + e)
    print("%d core files, %d include edges inside core/, %d server files"
          % (len(graph), sum(len(v) for v in graph.values()), nserver))
    if len(graph) < 10 or nserver < 5:
        print("FAIL: too few files found under %s: wrong SOURCE_DIR?" % src)
        return 1
    if errors:
        return 1
    print("ok: no include cycle in core/, layers respected, server/ uses <octoflow/core.h> only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
