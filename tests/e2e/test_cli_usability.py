#!/usr/bin/python3
"""The command line without surprises (issue 12): --help of every command
exits 0 and lists every option, unknown options exit 2 with the usage, the
read-only commands create no directory, `octoflow` alone prints the help,
the run summary on stderr (--quiet, --output, --dry-run, colours only on a
terminal and never with NO_COLOR), `octoflow init` then `octoflow run`, the
bash and zsh completion scripts and the man page generated from the same
table.
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import BIN, PLUGINS, Octo, check, eq, run_tests, sanitizer_clean  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-cli-e2e-")

# Every command and the options it must accept and list: written here by
# hand, so a table that loses one fails (the help, man page and completion
# are generated from that table).
COMMANDS = {
    "serve": [],
    "run": ["--data", "--timeout", "--output", "--quiet", "--dry-run"],
    "validate": ["--strict"],
    "plugins": ["--json"],
    "schema": [],
    "render": ["--data"],
    "jobs list": ["--flow", "--status", "--state", "--source", "--limit", "--json"],
    "jobs show": ["--json"],
    "init": [],
    "completion": [],
    "help": [],
    "version": [],
}
SHORT = {"run": ["-d", "-t", "-o", "-q", "-n"]}

FLOW = """name: hello
steps:
- name: one
  type: jq
  jq: {expression: '{"a": 1, "who": (.name // "x")}', data_key: __input__}
- name: skipped
  type: jq
  when: "false"
  jq: {expression: '.'}
- name: text
  type: jq
  jq: {expression: '"line one"'}
"""


def octo():
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    o.flow("hello.yml", FLOW)
    return o


def cli(args, env=None, cwd=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("DATA_PATH", "FLOWS_PATH"))}
    e["PLUGINS_PATH"] = PLUGINS
    e.update(env or {})
    p = subprocess.run([BIN] + args, env=e, capture_output=True, text=True, cwd=cwd or TMP,
                       timeout=120)
    sanitizer_clean(p.stderr)
    return p


def test_help_of_every_command():
    for cmd, opts in COMMANDS.items():
        p = cli(cmd.split() + ["--help"])
        eq(p.returncode, 0, "%s --help: %r" % (cmd, p.stderr))
        check(p.stdout.startswith("usage: octoflow %s" % cmd), "%s: usage first: %r" % (cmd, p.stdout))
        for o in opts + ["--help"]:
            check(re.search(r"(^|[ ,])%s\b" % re.escape(o), p.stdout, re.M),
                  "%s --help lists %s: %s" % (cmd, o, p.stdout))
        for o in SHORT.get(cmd, []):
            check(re.search(r"^  %s, --" % o, p.stdout, re.M), "%s --help lists %s" % (cmd, o))
        # and every option the help lists is one the command accepts
        for o in re.findall(r"^  (?:-\w, )?\s*(--[a-z-]+)", p.stdout, re.M):
            check(o in opts + ["--help"], "%s: %s listed but not expected" % (cmd, o))
        # -h too
        eq(cli(cmd.split() + ["-h"]).stdout, p.stdout, "%s -h" % cmd)
    # `help CMD` is the same text
    eq(cli(["help", "run"]).stdout, cli(["run", "--help"]).stdout, "help run")
    eq(cli(["jobs", "--help"]).returncode, 0, "jobs --help")


def test_unknown_options_exit_2_with_the_usage():
    for cmd in COMMANDS:
        p = cli(cmd.split() + ["--no-such-option"])
        eq(p.returncode, 2, "%s: %r" % (cmd, p))
        check("unknown option --no-such-option" in p.stderr, "%s says which: %r" % (cmd, p.stderr))
        check("usage: octoflow %s" % cmd in p.stderr, "%s: the usage: %r" % (cmd, p.stderr))
        eq(p.stdout, "", "%s: nothing on stdout" % cmd)
    # a missing value, a missing argument, an extra one
    for args, what in ((["run", "x.yml", "--data"], "a value is missing after --data"),
                       (["run"], "missing FLOW"),
                       (["render", "a", "b"], "unexpected argument b"),
                       (["serve", "extra"], "unexpected argument extra")):
        p = cli(args)
        eq(p.returncode, 2, "%s: %r" % (args, p))
        check(what in p.stderr, "%s: %r" % (args, p.stderr))
    # an unknown command: did you mean
    p = cli(["rn", "x.yml"])
    eq(p.returncode, 2, "unknown command")
    check('unknown command "rn" (did you mean "run"?)' in p.stderr, p.stderr)


def test_octoflow_alone_prints_help():
    p = cli([])
    eq(p.returncode, 0, "octoflow: %r" % p)
    check(p.stdout.startswith("usage: octoflow COMMAND"), p.stdout)
    for cmd in COMMANDS:
        check(re.search(r"^  %s\b" % cmd, p.stdout, re.M), "lists %s" % cmd)
    eq(cli(["--help"]).stdout, p.stdout, "--help")
    v = cli(["--version"])
    check(re.match(r"^octoflow \S+ \(step ABI 1\.1\)$", v.stdout.strip()), v.stdout)
    eq(cli(["version"]).stdout, v.stdout, "version")


def test_read_only_commands_create_no_directory():
    base = tempfile.mkdtemp(dir=TMP)
    data = os.path.join(base, "nothing-here")
    tpl = os.path.join(base, "t.j2")
    with open(tpl, "w") as f:
        f.write("{{ x }}\n")
    ctx = os.path.join(base, "c.json")
    with open(ctx, "w") as f:
        f.write('{"x": 1}')
    env = {"DATA_PATH": data}
    flow = os.path.join(tempfile.mkdtemp(dir=TMP), "f.yml")
    with open(flow, "w") as f:
        f.write(FLOW)
    for args in (["validate"], ["plugins"], ["plugins", "--json"], ["schema"],
                 ["render", "--data", ctx, tpl], ["__list", "flows"], ["jobs", "list"],
                 ["run", "--dry-run", flow], ["validate", flow]):
        p = cli(args, env=env, cwd=base)
        check(p.returncode in (0, 1), "%s: %r" % (args, p))
        check(not os.path.exists(data), "%s created %s" % (args, data))
        eq(sorted(os.listdir(base)), ["c.json", "t.j2"], "%s: nothing in the cwd" % args)
    eq(cli(["render", "--data", ctx, tpl], env=env, cwd=base).stdout, "1", "render output")


def test_jobs_list_before_any_job_and_bad_filters():
    data = tempfile.mkdtemp(dir=TMP)
    os.makedirs(os.path.join(data, "flows"))
    env = {"DATA_PATH": data}
    p = cli(["jobs", "list"], env=env)
    eq(p.returncode, 0, "an empty history is not an error: %r" % p)
    check(p.stdout.strip().endswith("0 of 0 job(s)"), p.stdout)
    eq(cli(["jobs", "list", "--json"], env=env).stdout.strip(), "[]", "--json of an empty history")
    p = cli(["jobs", "show", "0f4d1c1e-0000-4000-8000-000000000000"], env=env)
    eq((p.returncode, p.stderr.strip()), (1, "octoflow jobs: no such job (no job has been recorded yet)"),
       "show before any job")
    for opt, bad, names in (("--status", "bogus", "success, failed, exit, cancelled, timeout, abandoned"),
                            ("--state", "done", "queued, running, finished"),
                            ("--source", "web", "api, schedule, cli")):
        p = cli(["jobs", "list", opt, bad], env=env)
        eq((p.returncode, p.stderr.strip()),
           (2, "octoflow jobs list: %s '%s' is not one of %s" % (opt, bad, names)), "%s %s" % (opt, bad))
    eq(os.listdir(data), ["flows"], "jobs list created no store")


def test_run_summary_quiet_output():
    o = octo()
    r = o.cmd(["run", "hello.yml", "--data", '{"name": "you"}'])
    eq(r.rc, 0, "run: %r" % r)
    eq(r["one"], {"a": 1, "who": "you"}, "the data on stdout")
    lines = r.stderr.rstrip("\n").splitlines()
    check(re.match(r"^  ok +one +jq +[\d.]+ ms$", lines[0]), lines)
    check(re.match(r"^  skipped +skipped +jq *$", lines[1]), lines)
    check(re.match(r"^  ok +text +jq +[\d.]+ ms$", lines[2]), lines)
    check(re.match(r"^success hello.yml in [\d.]+ (ms|s) \(2 steps run, 1 skipped\)$", lines[3]),
          lines)
    eq(len(lines), 4, "INFO log lines stay in the log file: %r" % lines)
    check("Flow hello.yml started" in o.log(), "they are in the log file")
    check("\033[" not in r.stderr, "no colours when stderr is not a terminal")
    # --quiet: no summary
    r = o.cmd(["run", "hello.yml", "-q"])
    eq((r.rc, r.stderr), (0, ""), "quiet: %r" % r)
    # --output KEY: text as it is, other values as JSON
    r = o.cmd(["run", "hello.yml", "--quiet", "--output", "text"])
    eq(r.stdout, "line one\n", "text key")
    r = o.cmd(["run", "hello.yml", "-q", "-o", "one"])
    eq(r.data, {"a": 1, "who": "x"}, "object key")
    r = o.cmd(["run", "hello.yml", "-q", "-o", "nope"])
    eq(r.rc, 1, "missing key: %r" % r)
    check('the final data has no key "nope"' in r.stderr, r.stderr)
    # a failed run: the summary says which step, where, and why
    o.flow("bad.yml", "name: bad\nsteps:\n- name: first\n  type: jq\n  jq: {expression: '1'}\n"
           "- name: boom\n  type: file\n  file: {path: missing.json, type: json}\n")
    r = o.cmd(["run", "bad.yml"])
    eq(r.rc, 1, "failed: %r" % r)
    check(re.search(r"^  failed +boom +file +[\d.]+ ms  cannot read missing\.json", r.stderr, re.M),
          r.stderr)
    check(re.search(r"^failed bad.yml in .* \(2 steps run, 1 failed\)$", r.stderr, re.M), r.stderr)
    check('octoflow run: flow failed: bad.yml:6: step "boom": io: cannot read missing.json'
          in r.stderr, r.stderr)


def test_logs_not_twice_under_systemd():
    """Under systemd (JOURNAL_STREAM set) a process writing the log file does
    not copy its lines to stderr, which the journal collects; LOG_STDERR
    decides when set."""
    o = octo()
    env = {"LOG_LEVEL": "INFO"}
    r = o.cmd(["run", "hello.yml", "-q"], env=env)
    check(" - INFO - " in r.stderr, "stderr gets log lines by default: %r" % r.stderr)
    r = o.cmd(["run", "hello.yml", "-q"], env=dict(env, JOURNAL_STREAM="8:12345"))
    eq(r.stderr, "", "under systemd: the log file only")
    check(o.log().count("Flow hello.yml started") == 2, "both runs are in the file")
    r = o.cmd(["run", "hello.yml", "-q"], env=dict(env, JOURNAL_STREAM="8:12345", LOG_STDERR="1"))
    check(" - INFO - " in r.stderr, "LOG_STDERR=1: the journal too")
    r = o.cmd(["run", "hello.yml", "-q"], env=dict(env, LOG_STDERR="0"))
    eq(r.stderr, "", "LOG_STDERR=0: never")


def test_summary_colours_on_a_terminal_unless_no_color():
    o = octo()

    def on_tty(extra):
        env = o.environment(extra)
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(o.tmp)
            os.execve(BIN, [BIN, "run", "hello.yml"], env)
        out = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        eq(os.waitstatus_to_exitcode(status), 0, "run on a terminal")
        return out.decode(errors="replace")

    out = on_tty({"NO_COLOR": None})
    check("\033[32mok" in out and "\033[32msuccess" in out, "colours on a terminal: %r" % out)
    out = on_tty({"NO_COLOR": "1"})
    check("\033[" not in out and "success hello.yml" in out, "NO_COLOR: %r" % out)


def test_dry_run_calls_nothing():
    o = octo()
    o.template("t.j2", "{{ x }}")
    o.flow("dry.yml", """name: dry
steps:
- name: save
  type: file
  file: {path: "out/{{ __input__.host }}-{{ hostnmae }}.json", mode: write, type: json, data_key: .}
- name: later
  type: jq
  when: "__input__.go"
  jq: {expression: '.'}
- name: call
  type: rest
  rest: {uri: "http://127.0.0.1:1/{{ __input__.host }}"}
""")
    r = o.cmd(["run", "dry.yml", "--dry-run", "--data", '{"host": "web1", "go": false}'])
    eq(r.rc, 0, "dry run: %r" % r)
    check(r.stdout.startswith("dry run of dry.yml: nothing is called"), r.stdout)
    check(re.search(r"^ 1\. run +save \(file, line 3\)$", r.stdout, re.M), r.stdout)
    check('      path: "out/web1-.json"' in r.stdout, "the templated option rendered: " + r.stdout)
    check(re.search(r"^ 2\. skip +later \(jq, line 6\): its `when` is false$", r.stdout, re.M),
          r.stdout)
    check('      uri: "http://127.0.0.1:1/web1"' in r.stdout, r.stdout)
    check("'hostnmae' is undefined before the first step" in r.stderr, r.stderr)
    # nothing ran: no output file, no job, no lock, no log file
    check(not os.path.exists(o.path("out")), "no file written")
    check(not os.path.exists(o.path("octoflow.db")) and not os.path.exists(o.path("logs")),
          "no job store, no log: %s" % os.listdir(o.data))
    # an invalid flow: exit 2 with the errors
    o.flow("inv.yml", "name: i\nsteps:\n- name: s\n  type: fiel\n")
    r = o.cmd(["run", "inv.yml", "-n"])
    eq(r.rc, 2, "invalid: %r" % r)
    check('unknown step type "fiel" (did you mean "file"?' in r.stderr, r.stderr)


def test_init_then_run():
    base = tempfile.mkdtemp(dir=TMP)
    p = cli(["init", "mydata"], cwd=base)
    eq(p.returncode, 0, "init: %r" % p)
    for rel in ("flows/hello.yml", "templates/hello.j2", "config.yml", "secrets.yml",
                "octoflow.schema.json"):
        check(os.path.isfile(os.path.join(base, "mydata", rel)), rel)
    eq(os.stat(os.path.join(base, "mydata", "secrets.yml")).st_mode & 0o777, 0o600, "secrets mode")
    env = {"DATA_PATH": "mydata"}
    p = cli(["run", "hello.yml", "--data", '{"name": "you"}'], env=env, cwd=base)
    eq(p.returncode, 0, "the starter flow runs at once: %r" % p)
    with open(os.path.join(base, "mydata", "output", "hello-you.txt")) as f:
        check(f.read().startswith("Hello, you!"), "its report")
    p = cli(["validate"], env=env, cwd=base)
    eq(p.returncode, 0, "and validates without warnings: %r" % p.stdout)
    check("(0 warnings)" in p.stdout, p.stdout)
    # again: existing files are kept, never overwritten
    with open(os.path.join(base, "mydata", "config.yml"), "w") as f:
        f.write("autostart: []  # mine\n")
    p = cli(["init", "mydata"], cwd=base)
    eq(p.returncode, 0, "init again")
    check("kept     config.yml (exists)" in p.stdout, p.stdout)
    with open(os.path.join(base, "mydata", "config.yml")) as f:
        eq(f.read(), "autostart: []  # mine\n", "not overwritten")
    # the starter flow points to the editor schema init wrote, and matches it
    check("$schema=../octoflow.schema.json" in open(os.path.join(base, "mydata", "flows",
                                                                 "hello.yml")).read(), "schema")
    with open(os.path.join(base, "mydata", "octoflow.schema.json")) as f:
        eq(json.load(f), json.loads(cli(["schema"]).stdout), "the schema of octoflow schema")


def bash_complete(line, env):
    """COMPREPLY of the generated bash completion for a command line."""
    script = cli(["completion", "bash"]).stdout
    words = line.split(" ")
    prog = ("source /dev/stdin <<'EOF'\n%s\nEOF\n"
            "COMP_WORDS=(%s); COMP_CWORD=%d; _octoflow; printf '%%s\\n' \"${COMPREPLY[@]}\"\n"
            % (script, " ".join("'%s'" % w for w in words), len(words) - 1))
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(BIN) + ":" + e.get("PATH", "")
    e["PLUGINS_PATH"] = PLUGINS
    e.update(env)
    p = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, env=e, timeout=60)
    eq(p.returncode, 0, "bash: %r" % p.stderr)
    return [w for w in p.stdout.split("\n") if w]


def test_bash_completion():
    o = octo()
    o.flow("sub/other.yml", FLOW)
    env = {"DATA_PATH": o.data}
    eq(bash_complete("octoflow ru", env), ["run"], "commands")
    eq(sorted(bash_complete("octoflow run --d", env)), ["--data", "--dry-run"], "options")
    eq(sorted(bash_complete("octoflow run ", env)), ["hello.yml", "sub/other.yml"],
       "flow names under FLOWS_PATH")
    eq(bash_complete("octoflow validate h", env), ["hello.yml"], "validate too")
    eq(bash_complete("octoflow jobs s", env), ["show"], "jobs subcommands")
    eq(sorted(bash_complete("octoflow jobs list --s", env)), ["--source", "--state", "--status"],
       "jobs list options")
    eq(bash_complete("octoflow completion z", env), ["zsh"], "shells")
    check(bash_complete("octoflow run --timeout ", env) == [], "no completion of a number")


def test_zsh_completion_and_man_page():
    z = cli(["completion", "zsh"])
    eq(z.returncode, 0, "zsh script")
    check(z.stdout.startswith("#compdef octoflow\n"), z.stdout[:100])
    for cmd, opts in COMMANDS.items():
        for o in opts:
            check(o in z.stdout, "zsh completion of %s %s" % (cmd, o))
    zsh = shutil.which("zsh")
    check(zsh is not None, "zsh is installed (scripts/install-deps.sh)")
    p = subprocess.run([zsh, "-n", "-c", z.stdout], capture_output=True, text=True)
    eq((p.returncode, p.stderr), (0, ""), "zsh parses the script")
    eq(cli(["completion", "fish"]).returncode, 2, "unknown shell")
    man = cli(["__man"]).stdout
    check(man.startswith(".\\\" generated by `octoflow __man`"), man[:80])
    for cmd, opts in COMMANDS.items():
        check('.SS "octoflow %s' % cmd in man, "man: section for %s" % cmd)
        for o in opts:
            check("\\fB%s\\fR" % o.replace("-", "\\-") in man, "man: %s %s" % (cmd, o))
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man, capture_output=True,
                       text=True)
    eq((p.returncode, p.stderr), (0, ""), "groff renders it without a warning")
    # the built copy the install ships is the same text
    built = os.path.join(os.environ["OCTO_BINARY_DIR"], "octoflow.1")
    with open(built) as f:
        eq(f.read(), man, "build/octoflow.1 is generated from the table")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
