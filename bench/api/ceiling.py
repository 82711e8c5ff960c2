#!/usr/bin/env python3
"""The API against the civetweb ceiling (issue 13), bench/api/ceiling.py BUILD_DIR.

Authenticated GET /api/locks and GET /api/health of `octoflow serve` with the
access log ON at INFO (LOG_LEVEL=INFO, one access line per request), against
the bare civetweb handler (bare_civetweb.c: same bearer check, same civetweb
options, no logging), under the same wrk settings (THREADS 2, CONNS 16,
DURATION s per run). Both servers run side by side; the runs alternate
(octoflow, bare, octoflow, bare) for ROUNDS rounds and the medians are kept,
so that a change of machine load hits both alike.

Twice: on the machine as it is (idle, if nobody else uses it: the load
averages are recorded), and with a CPU hog (a busy loop pinned with taskset
to core 0, started here and killed after). Targets: req/s >= 85% of
the bare handler's, p99 <= 2 ms.

Environment: DURATION (5), ROUNDS (3), THREADS (2), CONNS (16), RESULTS_DIR.
"""
import os
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import octobench as ob  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def start_bare(tmp):
    exe = os.path.join(tmp, "bare_civetweb")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "bare_civetweb.c"), "-lcivetweb"],
                   check=True)
    port = ob.free_port()
    p = subprocess.Popen([exe, str(port), ob.TOKEN], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            import urllib.request
            req = urllib.request.Request("http://127.0.0.1:%d/api/locks" % port,
                                         headers={"Authorization": "Bearer " + ob.TOKEN})
            urllib.request.urlopen(req, timeout=1)
            return p, port
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise RuntimeError("the bare civetweb reference did not start")


def main():
    build = ob.build_dir(sys.argv)
    ob.install_signal_handlers()
    duration = int(os.environ.get("DURATION", "5"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    threads = int(os.environ.get("THREADS", "2"))
    conns = int(os.environ.get("CONNS", "16"))
    res = ob.Results("api_ceiling")
    print("API vs bare civetweb: wrk -t%d -c%d, %d s per run, %d rounds, load %s"
          % (threads, conns, duration, rounds, ob.loadavg()))
    svc = ob.Service(build, "api", {"LOG_LEVEL": "INFO"})
    bare = None
    try:
        svc.start()
        bare, bport = start_bare(svc.tmp)
        urls = {("octoflow", r): svc.url + r for r in ("/api/locks", "/api/health")}
        urls.update({("bare", r): "http://127.0.0.1:%d%s" % (bport, r) for r in ("/api/locks", "/api/health")})
        for u in urls.values():  # warm-up: connections, caches, page faults
            ob.wrk(u, 1, threads, conns, check=False)
        log = svc.path("logs", "spooler_service.log")
        log0 = os.path.getsize(log)
        raw = {}
        for cond in ("idle", "hog"):
            loads = [ob.loadavg()]
            for rnd in range(rounds):
                for route in ("/api/locks", "/api/health"):
                    for server in ("octoflow", "bare"):
                        if cond == "hog":
                            with ob.cpu_hog(0):
                                r = ob.wrk(urls[(server, route)], duration, threads, conns)
                        else:
                            r = ob.wrk(urls[(server, route)], duration, threads, conns)
                        raw.setdefault((cond, server, route), []).append(r)
                        print("  %-4s round %d %-8s %-12s %9.0f req/s  p50 %.2f  p99 %.2f ms"
                              % (cond, rnd + 1, server, route, r["rps"], r.get("p50_ms", 0),
                                 r.get("p99_ms", 0)), flush=True)
            loads.append(ob.loadavg())
            res.details["load_%s" % cond] = loads
        logged = os.path.getsize(log) - log0
        reqs = sum(r["requests"] for (c, s, _), rs in raw.items() if s == "octoflow" for r in rs)
        res.details["access_log_bytes_per_request"] = round(logged / max(1, reqs), 1)
        res.details["runs"] = {"%s %s %s" % k: v for k, v in raw.items()}
        for cond in ("idle", "hog"):
            label = "no hog" if cond == "idle" else "CPU hog on core 0"
            for route in ("/api/locks", "/api/health"):
                o = raw[(cond, "octoflow", route)]
                b = raw[(cond, "bare", route)]
                orps = statistics.median(r["rps"] for r in o)
                brps = statistics.median(r["rps"] for r in b)
                op99 = statistics.median(r["p99_ms"] for r in o)
                bp99 = statistics.median(r["p99_ms"] for r in b)
                errs = sum(r["non2xx"] + r["socket_errors"] for r in o)
                name = "GET %s%s, log INFO, %s" % (route, " (auth)" if route == "/api/locks" else "",
                                                    label)
                loads = res.details["load_%s" % cond]
                res.add("API", name + ": req/s", orps, "req/s", "bare civetweb, same run", brps,
                        orps / brps, "%.0f%%" % (100 * orps / brps), ">= 85%", orps / brps >= 0.85,
                        "load average %s -> %s%s" % (loads[0], loads[1],
                                                     "; %d non-2xx/errors" % errs if errs else ""))
                res.add("API", name + ": p99", op99, "ms", "bare civetweb, same run", bp99,
                        op99 / bp99, "%.1fx" % (op99 / bp99), "<= 2 ms", op99 <= 2.0)
        print("  access log: %.0f bytes per request written at INFO" % res.details["access_log_bytes_per_request"])
    finally:
        if bare:
            bare.terminate()
            bare.wait(10)
        svc.stop()
    res.save()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
