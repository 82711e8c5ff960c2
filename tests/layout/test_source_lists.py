#!/usr/bin/env python3
"""Every source on disk is named in a CMake list.

The build lists its sources by name (no file(GLOB)), so a new file is not
picked up by itself: a .c file nobody compiles, or a test nobody runs,
would go unnoticed. This test fails on both.

usage: test_source_lists.py SOURCE_DIR MANIFEST

MANIFEST is BUILD/octo_listed_sources.txt, written at configure time by
cmake/targets_check.cmake: "file REL" for every source a target compiles or
octo_listed() names (benchmarks, fuzz targets), "skip REL" for the folder
of a plugin this configuration does not build.

Checked on disk: *.c, test_*.py and test_*.sh anywhere in the tree. Not
walked: .git, build folders (those holding a CMakeCache.txt), node_modules,
and folders that are a CMake project of their own (a CMakeLists.txt with
project(), such as sdk/examples/hello: built against the installed SDK by
tests/e2e/test_sdk_hello.sh, not by this build).
"""
import os
import re
import sys

PROJECT_RE = re.compile(r"^\s*project\s*\(", re.I | re.M)


def is_own_project(path):
    cml = os.path.join(path, "CMakeLists.txt")
    try:
        with open(cml, encoding="utf-8") as f:
            return PROJECT_RE.search(f.read()) is not None
    except OSError:
        return False


def wanted(name):
    return name.endswith(".c") or (name.startswith("test_") and name.endswith((".py", ".sh")))


def on_disk(src):
    found = set()
    for root, dirs, files in os.walk(src):
        keep = []
        for d in dirs:
            p = os.path.join(root, d)
            if d in (".git", "node_modules", "__pycache__"):
                continue
            if os.path.exists(os.path.join(p, "CMakeCache.txt")) or is_own_project(p):
                continue
            keep.append(d)
        dirs[:] = sorted(keep)
        for f in files:
            if wanted(f):
                found.add(os.path.relpath(os.path.join(root, f), src))
    return found


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, manifest = sys.argv[1], sys.argv[2]
    listed, skipped = set(), []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            kind, _, rel = line.rstrip("\n").partition(" ")
            if kind == "file":
                listed.add(rel)
            elif kind == "skip":
                skipped.append(rel.rstrip("/") + "/")
    disk = on_disk(src)
    if not disk or not listed:
        print("FAIL: nothing found (disk: %d files, manifest: %d)" % (len(disk), len(listed)))
        return 1
    unlisted = sorted(f for f in disk - listed if not any(f.startswith(s) for s in skipped))
    vanished = sorted(f for f in listed if wanted(os.path.basename(f)) and f not in disk)
    for f in unlisted:
        print("FAIL: %s is on disk but in no CMake source or test list "
              "(add it to its folder's CMakeLists.txt, then re-run cmake)" % f)
    for f in vanished:
        print("FAIL: %s is listed but not on disk" % f)
    print("%d files on disk, %d listed, %d folder(s) of unbuilt plugins skipped"
          % (len(disk), len(listed), len(skipped)))
    if unlisted or vanished:
        return 1
    print("ok: every .c file and test script is listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
