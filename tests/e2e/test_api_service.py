#!/usr/bin/env python3
"""The service as a process, end to end: listening address with and without
API_TOKEN, HTTPS (https and http,https) with a certificate made here by the
openssl CLI, start-up failures that must not hang, SIGTERM/SIGINT during a
run (the flow finishes within SHUTDOWN_GRACE or is cancelled after it; locks
released; exit 0), SIGHUP reopens the log file (issue 5; decisions 17;
original-behaviour.md A.8, E.3, E.11).
"""
import os
import re
import signal
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import octo_e2e as E  # noqa: E402
from octo_e2e import Background, assert_json_error, check, wait_for  # noqa: E402

FLOWS = {
    "echo.yml": E.ECHO_FLOW,
    "long.yml": E.slow_flow("long", 15),      # ~1.5 s
    "longer.yml": E.slow_flow("longer", 16, spin=E.SPIN_500MS),  # ~8 s
}


def test_no_token_warns_and_binds_loopback_only():
    s = E.Server(flows=FLOWS, token=None, host=None, name="notoken")
    try:
        s.start()
        out = s.stderr()
        check("API_TOKEN is not set" in out and "127.0.0.1 only" in out, "loud warning on stderr")
        s.log_match(r"WARNING - API_TOKEN is not set")  # the warning in the log file
        check(E.listening_addresses(s.proc.pid) == [("127.0.0.1", s.port)],
              "listens on %r" % E.listening_addresses(s.proc.pid))
        # the default token is what the original accepted
        r = s.get("/api/locks")
        check(r.status == 200, r)
        assert_json_error(s.get("/api/locks", auth=False), 401)
        s.stop()
    finally:
        s.cleanup()


def test_token_binds_all_interfaces_unless_api_host():
    s = E.Server(flows=FLOWS, host=None, name="allif")
    try:
        s.start()
        check(E.listening_addresses(s.proc.pid) == [("0.0.0.0", s.port)],
              "with a token: %r" % E.listening_addresses(s.proc.pid))
        check("API_TOKEN is not set" not in s.stderr(), "no warning with a token")
        s.stop()
    finally:
        s.cleanup()
    s = E.Server(flows=FLOWS, host="127.0.0.1", name="apihost")
    try:
        s.start()
        check(E.listening_addresses(s.proc.pid) == [("127.0.0.1", s.port)],
              "API_HOST=127.0.0.1: %r" % E.listening_addresses(s.proc.pid))
        s.stop()
    finally:
        s.cleanup()


def test_port_in_use_fails_fast():
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    s = E.Server(flows=FLOWS, name="inuse")
    try:
        s.start(wait=False, port=port)
        rc = s.wait_exit(20 * E.SLOW)
        check(rc != 0 and "cannot listen" in s.stderr(), "port in use: rc %r %s" % (rc, s.stderr()[-500:]))
    finally:
        s.cleanup()
        blocker.close()


def tls_context(cert):
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = True
    return ctx


def test_https_only():
    s = E.Server(flows=FLOWS, name="https", env={"API_PROTOCOL": "https"})
    cert, key = E.make_cert(s.tmp)
    s.extra_env.update({"API_TLS_CERT": cert, "API_TLS_KEY": key})
    s.scheme = "https"
    s.ssl_ctx = tls_context(cert)
    try:
        s.start()
        r = s.get("/api/health", auth=False)
        check(r.status == 200 and r.json()["status"] == "ok", r)
        r = s.launch("echo.yml", {"x": 2})
        check(r.status == 200 and r.json()["data"]["got"] == {"x": 2, "doubled": 4}, r)
        assert_json_error(s.get("/api/locks", auth=False), 401)
        # the certificate is the one we made (verified against it as the only CA)
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as raw:
            with s.ssl_ctx.wrap_socket(raw, server_hostname="localhost") as t:
                check(t.version() in ("TLSv1.2", "TLSv1.3"), t.version())
                check(ssl.DER_cert_to_PEM_cert(t.getpeercert(True)).split() ==
                      open(cert).read().split(), "served certificate")
        # plain HTTP on the TLS port gets no HTTP answer
        try:
            with socket.create_connection(("127.0.0.1", s.port), timeout=5) as raw:
                raw.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
                got = raw.recv(100)
        except OSError:
            got = b""
        check(not got.startswith(b"HTTP/1.1 200"), "plain HTTP answered on the HTTPS port: %r" % got)
        check(s.proc.poll() is None, "server alive after bad clients")
        check(s.get("/api/health", auth=False).status == 200, "still serves TLS")
        s.stop()
    finally:
        s.cleanup()


def test_http_and_https():
    s = E.Server(flows=FLOWS, name="both", env={"API_PROTOCOL": "http,https", "API_HTTPS_PORT": "auto"})
    cert, key = E.make_cert(s.tmp)
    # cert and key in one file, API_TLS_KEY unset
    pem = os.path.join(s.tmp, "both.pem")
    with open(pem, "w") as f:
        f.write(open(cert).read() + open(key).read())
    s.extra_env.update({"API_TLS_CERT": pem})
    s.ssl_ctx = tls_context(cert)
    try:
        s.start()
        r = s.get("/api/health", auth=False)
        check(r.status == 200, "http: %r" % r)
        r = s.request("GET", "/api/locks", https=True)
        check(r.status == 200 and r.json() == {"locks": []}, "https: %r" % r)
        r = s.request("POST", "/api/flows/launch", body={"path": "echo.yml", "data": {"x": 5}}, https=True)
        check(r.status == 200 and r.json()["data"]["got"]["doubled"] == 10, r)
        addrs = E.listening_addresses(s.proc.pid)
        check(addrs == sorted([("127.0.0.1", s.port), ("127.0.0.1", s.https_port)]), addrs)
        check("%d" % s.https_port in s.log(), "the HTTPS port is in the start-up line")
        s.stop()
    finally:
        s.cleanup()


def test_https_misconfiguration_fails_at_start():
    tmpl = E.Server(name="tlsbad")
    cert, key = E.make_cert(tmpl.tmp)
    garbage = os.path.join(tmpl.tmp, "garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    cases = [
        ({"API_PROTOCOL": "https"}, "API_TLS_CERT"),
        ({"API_PROTOCOL": "https", "API_TLS_CERT": os.path.join(tmpl.tmp, "none.pem"), "API_TLS_KEY": key},
         "API_TLS_CERT"),
        ({"API_PROTOCOL": "https", "API_TLS_CERT": garbage, "API_TLS_KEY": key}, "cannot listen"),
        ({"API_PROTOCOL": "ftp"}, "API_PROTOCOL"),
    ]
    try:
        for env, frag in cases:
            s = E.Server(name="tlsbad", env=env, tmp=tmpl.tmp)
            t0 = time.time()
            s.start(wait=False)
            try:
                rc = s.wait_exit(30 * E.SLOW)
            finally:
                s.kill()
            check(rc != 0 and frag in s.stderr(), "%r: rc %r, %s" % (env, rc, s.stderr()[-600:]))
            check(time.time() - t0 < 15 * E.SLOW, "failed start took %.1f s" % (time.time() - t0))
            with open(s.out_path, "w"):
                pass  # next case starts with an empty output file
    finally:
        tmpl.cleanup()


def test_sigterm_lets_a_run_finish_within_grace():
    s = E.Server(flows=FLOWS, name="grace", env={"SHUTDOWN_GRACE": "30"})
    try:
        s.start()
        bg = Background(lambda: s.launch("long.yml", {"k": 1}))
        bg.start()
        wait_for(lambda: "long.yml.lock" in s.lock_files(), 10 * E.SLOW, what="the run")
        t0 = time.time()
        s.send_signal(signal.SIGTERM)
        wait_for(lambda: "Terminated received" in s.log(), 5 * E.SLOW, what="the signal")
        # while the run finishes: no new launches, health still answers
        r = s.launch("echo.yml", {"x": 1})
        msg = assert_json_error(r, 503)
        check("shutting down" in msg, msg)
        check(s.get("/api/health", auth=False).status == 200, "health during the grace period")
        # no new schedule either: the scheduler has stopped
        s.write_flow("tick.yml", "name: tick\nevery_seconds: 1\nsteps:\n- name: n\n  type: jq\n  jq: {expression: '1'}\n")
        msg = assert_json_error(s.post("/api/flows/add", {"path": "tick.yml"}), 503)
        check("shutting down" in msg, msg)
        check(s.get("/api/flows").json() == {"flows": []}, "no schedule added during shutdown")
        r = bg.get()
        check(r.status == 200 and r.json()["data"]["__input__"] == {"k": 1}, "the run finished: %r" % r)
        rc = s.wait_exit(30 * E.SLOW)
        check(rc == 0, "exit %r:\n%s" % (rc, s.stderr()[-2000:]))
        check(time.time() - t0 < 15 * E.SLOW, "stopped %.1f s after SIGTERM" % (time.time() - t0))
        log = s.log()
        check(log.index("Flow long.yml finished successfully") < log.index("Octoflow stopped"), "order")
        check("Flow echo.yml started" not in log, "a launch started during shutdown")
        check(s.lock_files() == [], "locks left: %r" % s.lock_files())
        s.stop()  # already exited: checks the status and sanitizer output
    finally:
        s.cleanup()


def test_sigterm_cancels_after_grace():
    s = E.Server(flows=FLOWS, name="cancel", env={"SHUTDOWN_GRACE": "1"})
    try:
        s.start()
        # one launched run and one scheduled run, both ~8 s
        bg = Background(lambda: s.launch("longer.yml"))
        bg.start()
        s.write_flow("sched.yml", E.slow_flow("sched", 16, every_seconds=1, spin=E.SPIN_500MS))
        r = s.post("/api/flows/add", {"path": "sched.yml"})
        assert r.status == 201, r
        wait_for(lambda: sorted(s.lock_files()) == ["longer.yml.lock", "sched.yml.lock"], 10 * E.SLOW,
                 what="both runs")
        t0 = time.time()
        s.send_signal(signal.SIGTERM)
        r = bg.get()
        took = time.time() - t0
        check(r.status == 500, r)
        v = r.json()
        check(re.match(r"^longer.yml:\d+: step \"spin\d+\": cancelled: the run was cancelled$",
                       v["error"]), v["error"])
        check(v["data"]["__errors__"][-1]["error"]["type"] == "cancelled", v["data"]["__errors__"])
        rc = s.wait_exit(30 * E.SLOW)
        took_exit = time.time() - t0
        check(rc == 0, "exit %r:\n%s" % (rc, s.stderr()[-2000:]))
        check(took < 1 + 3 * E.SLOW and took_exit < 1 + 5 * E.SLOW,
              "cancelled %.1f s / exited %.1f s after SIGTERM (grace 1 s, runs ~8 s)" % (took, took_exit))
        log = s.log()
        check("2 flow(s) still running after the grace period: cancelling" in log, "cancel line")
        check(re.search(r"Scheduled run of sched\.yml failed: spin\d+: the run was cancelled", log),
              "the scheduled run was cancelled")
        check(s.lock_files() == [], "locks left: %r" % s.lock_files())
        s.stop()
    finally:
        s.cleanup()


def test_sigint_and_idle_exit():
    s = E.Server(flows=FLOWS, name="sigint")
    try:
        s.start()
        check(s.launch("echo.yml", {"x": 1}).status == 200, "a launch")
        took = s.stop(sig=signal.SIGINT)
        check(took < 10 * E.SLOW, "SIGINT exit took %.1f s" % took)
        check("Interrupt received: shutting down" in s.log(), s.log()[-500:])
    finally:
        s.cleanup()


def test_sighup_reopens_the_log():
    s = E.Server(flows=FLOWS, name="hup")
    try:
        s.start()
        check(s.get("/api/health?before=1", auth=False).status == 200, "request")
        for rnd in (1, 2):
            rotated = s.log_path + ".%d" % rnd
            os.rename(s.log_path, rotated)
            s.get("/api/health?while_renamed=%d" % rnd, auth=False)  # still goes to the renamed file
            s.send_signal(signal.SIGHUP)
            wait_for(lambda: os.path.exists(s.log_path), 5 * E.SLOW, what="a new log file")
            s.get("/api/health?after=%d" % rnd, auth=False)
            wait_for(lambda: "after=%d" % rnd in s.log(), 5 * E.SLOW, what="the new access line")
            new = s.log()
            old = open(rotated).read()
            check("SIGHUP: log file reopened" in new, "reopen line in the new file")
            check("while_renamed=%d" % rnd in old and "after=%d" % rnd not in old,
                  "round %d: old file kept its lines only" % rnd)
            check("while_renamed=%d" % rnd not in new, "round %d: the new file starts fresh" % rnd)
        # the API serves the new file
        logs = s.get("/api/logs?lines=5").json()["logs"]
        check(any("after=2" in l for l in logs), logs)
        check(s.proc.poll() is None, "SIGHUP does not stop the service")
        s.stop()
        check("Octoflow stopped" in s.log(), "the last line lands in the current file")
    finally:
        s.cleanup()


def test_dist_files_match_the_service():
    """dist/octoflow.service.in and dist/octoflow.logrotate agree with what the
    service does (exit 2 on configuration errors, SIGHUP reopens the log,
    SHUTDOWN_GRACE default 30 s, log under DATA_PATH/logs/*.log)."""
    import configparser
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(os.path.join(E.SRC, "dist", "octoflow.service.in"))
    svc = unit["Service"]
    check(svc["ExecStart"] == "@CMAKE_INSTALL_FULL_BINDIR@/octoflow serve",
          "ExecStart follows the install prefix: " + svc["ExecStart"])
    check("-HUP" in svc["ExecReload"] and "$MAINPID" in svc["ExecReload"], svc["ExecReload"])
    check(int(svc["TimeoutStopSec"]) > 30 + 10, "TimeoutStopSec must exceed SHUTDOWN_GRACE")
    check(svc["RestartPreventExitStatus"] == "2" and svc["Restart"] == "on-failure", dict(svc))
    check(unit["Install"]["WantedBy"] == "multi-user.target", "WantedBy")
    text = open(os.path.join(E.SRC, "dist", "octoflow.service.in")).read()
    m = re.search(r"^Environment=DATA_PATH=(\S+)$", text, re.M)
    check(m and m.group(1) in svc["ReadWritePaths"].split(), "DATA_PATH is writable")
    rot = open(os.path.join(E.SRC, "dist", "octoflow.logrotate")).read()
    check(rot.startswith("#") and ("%s/logs/*.log {" % m.group(1)) in rot, "logrotate path = DATA_PATH/logs")
    check(re.search(r"postrotate\n\s+systemctl kill --kill-whom=main --signal=HUP octoflow\.service", rot),
          "logrotate signals the service with SIGHUP")
    check(not re.search(r"^\s*copytruncate", rot, re.M), "no copytruncate (lines would be lost)")
    # the exit status the unit relies on: a configuration error is 2
    s = E.Server(config="- not a mapping\n", name="exit2")
    try:
        s.start(wait=False)
        check(s.wait_exit(20 * E.SLOW) == 2, "configuration error exit status")
    finally:
        s.cleanup()


if __name__ == "__main__":
    E.run_tests(globals())
