#!/usr/bin/env python3
"""Reference server for bench/api/run.sh: Python's standard-library threaded
HTTP server with the same bearer check and a small JSON answer - the class
of stack the original service ran on (Flask's development server is built on
it), without Flask's own overhead.

    py_baseline.py PORT TOKEN     (listens on 127.0.0.1)
"""
import hmac
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
EXPECTED = ("Bearer %s" % sys.argv[2]).encode()
OK = b'{"locks":[]}\n'
DENIED = b'{"error":"Unauthorized"}\n'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like wrk expects
    disable_nagle_algorithm = True  # else 40 ms delayed-ACK stalls per request

    def do_GET(self):
        got = (self.headers.get("Authorization") or "").encode()
        ok = hmac.compare_digest(got, EXPECTED)
        body = OK if ok else DENIED
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
