#!/usr/bin/python3
"""Generated parts of the documentation, from the executable itself:

  docs/steps.md  the option table of each step type, from the plugins'
                 option schemas (`octoflow plugins --json`)
  docs/cli.md    the help of every command (`octoflow COMMAND --help`),
                 from the command table the parser uses

Each generated part sits between two marker comments:

  <!-- BEGIN generated: options jq -->   ...   <!-- END generated: options jq -->
  <!-- BEGIN generated: help run -->     ...   <!-- END generated: help run -->

  scripts/gen-docs.py OCTOFLOW PLUGIN_DIR           rewrite the parts in place
  scripts/gen-docs.py --check OCTOFLOW PLUGIN_DIR   exit 1 (with a diff) when a part
                                                    differs from what the build says

The e2e test (tests/e2e/test_docs_generated.sh) runs --check: the tables
cannot drift from the plugins, nor the CLI reference from the parser.
"""
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"(<!-- BEGIN generated: (\w+) ([\w ]+?) -->\n)(.*?)(<!-- END generated: \2 \3 -->)",
                  re.S)


def octoflow(binary, plugins, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_PATH", "FLOWS_PATH",
                                                            "TEMPLATES_PATH", "NO_COLOR")}
    env["PLUGINS_PATH"] = plugins
    env["DATA_PATH"] = os.path.join(tempfile.gettempdir(), "octo-gen-docs-none")
    p = subprocess.run([binary] + list(args), capture_output=True, text=True, env=env,
                       timeout=60)
    if p.returncode != 0:
        sys.exit("octoflow %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def option_table(step):
    rows = ["| option | type | required | default | description |",
            "|---|---|---|---|---|"]
    for o in step["options"]:
        flags = o.get("flags", [])
        kind = o["type"]
        if o.get("values"):
            kind = " \\| ".join("`%s`" % v for v in o["values"])
            if "nocase" in flags:
                kind += " (any case)"
        notes = []
        if "template" in flags and "templated" not in o.get("summary", ""):
            notes.append("templated")
        if "deprecated" in flags:
            notes.append("deprecated")
        default = o.get("default")
        rows.append("| `%s` | %s | %s | %s | %s%s |" % (
            o["name"], kind, "yes" if "required" in flags else "",
            "" if default is None else "`%s`" % cell(json.dumps(default)),
            cell(o.get("summary", "")), " (%s)" % ", ".join(notes) if notes else ""))
    return "\n".join(rows) + "\n"


def generate(binary, plugins, kind, arg):
    if kind == "options":
        info = json.loads(octoflow(binary, plugins, "plugins", "--json"))
        for p in info["plugins"]:
            for st in p["steps"]:
                if st["name"] == arg:
                    return ("Options of `%s` (from the plugin's option schema; `octoflow plugins` "
                            "prints the same):\n\n%s" % (arg, option_table(st)))
        sys.exit("no step type %s among the plugins" % arg)
    if kind == "help":
        args = ["--help"] if arg == "octoflow" else arg.split() + ["--help"]
        return "```\n$ octoflow %s\n%s```\n" % (" ".join(args), octoflow(binary, plugins, *args))
    sys.exit("unknown generated part: %s" % kind)


def slug(heading):
    """GitHub's anchor of a heading."""
    h = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return h.replace(" ", "-")


def anchors(path):
    out = set()
    code = False
    with open(path) as f:
        for line in f:
            if line.startswith("```"):
                code = not code
            m = re.match(r"^#+ (.*)$", line)
            if m and not code:
                out.add(slug(m.group(1)))
    return out


def broken_links():
    """Relative links and anchors of README.md and docs/*.md that lead nowhere."""
    bad = []
    files = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", n) for n in os.listdir(os.path.join(ROOT, "docs"))
        if n.endswith(".md"))
    for path in files:
        with open(path) as f:
            text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                if file_part else path
            if not os.path.exists(dest):
                bad.append("%s: %s (no such file)" % (os.path.relpath(path, ROOT), target))
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                bad.append("%s: %s (no such heading)" % (os.path.relpath(path, ROOT), target))
    return bad


def main():
    argv = sys.argv[1:]
    check = argv[:1] == ["--check"]
    if check:
        argv = argv[1:]
    if len(argv) != 2:
        sys.exit(__doc__)
    binary, plugins = argv
    bad = 0
    # every step type the build has gets a table: a new plugin without one
    # is drift too (add "<!-- BEGIN generated: options NAME -->" and its END)
    info = json.loads(octoflow(binary, plugins, "plugins", "--json"))
    with open(os.path.join(ROOT, "docs/steps.md")) as f:
        steps_md = f.read()
    missing = [st["name"] for p in info["plugins"] for st in p["steps"]
               if "<!-- BEGIN generated: options %s -->" % st["name"] not in steps_md]
    if missing:
        print("docs/steps.md has no option table for: %s (add the markers, then run "
              "scripts/gen-docs.py)" % ", ".join(missing))
        bad += 1
    for rel in ("docs/steps.md", "docs/cli.md"):
        path = os.path.join(ROOT, rel)
        with open(path) as f:
            old = f.read()
        parts = 0

        def repl(m):
            nonlocal parts
            parts += 1
            return m.group(1) + generate(binary, plugins, m.group(2), m.group(3)) + m.group(5)

        new = MARK.sub(repl, old)
        if parts == 0:
            sys.exit("%s: no generated part" % rel)
        if new == old:
            continue
        if check:
            bad += 1
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       rel, rel + " (generated)"))
        else:
            with open(path, "w") as f:
                f.write(new)
            print("updated %s" % rel)
    links = broken_links()
    for b in links:
        print("broken link: %s" % b)
    if links:
        bad += 1
    if bad:
        print("\n%d problem(s): the docs drifted from the build: run scripts/gen-docs.py %s %s" %
              (bad, binary, plugins))
        sys.exit(1)


if __name__ == "__main__":
    main()
