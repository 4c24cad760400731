#!/usr/bin/env python3
"""How long a revocation made on one node takes to be enforced on another (bench/http/run.sh).

Two `tessera serve` nodes on the same PostgreSQL + Redis. Each round: log in on node A (a new
session), present it to node B until B answers 200 (B now has it in its session cache), log
out on A, then present it to B every ~1 ms until B answers 401. The delay is the time from A's
logout answer to B's first 401: what a stolen cookie is worth after its owner logs out
elsewhere. The same for an access token: logout-all on A (per-user not-before), then the
Bearer token on B until 401. Prints one JSON line:
  {"session": {"n", "p50_ms", "p99_ms", "max_ms"}, "token": {...}}

  propagation.py --a URL --b URL --email E --password P [--rounds 40] [--origin URL]
"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


class Node:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def request(self, method, path, headers=None, body=None):
        for attempt in range(2):  # one reconnect if the kept-alive connection was closed
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                return r.status, r.getheaders(), data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def cookie_of(headers, name):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


def wait_status(node, path, headers, want, limit_s=5.0):
    """Polls until `want`; returns the time of the first such answer (perf_counter)."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        status, _, _ = node.request("GET", path, headers)
        if status == want:
            return time.perf_counter()
        time.sleep(0.001)
    raise SystemExit(f"{path}: no {want} within {limit_s} s")


def summary(delays):
    d = sorted(delays)
    p99 = d[min(len(d) - 1, int(round(0.99 * (len(d) - 1))))]
    return {"n": len(d), "p50_ms": round(statistics.median(d), 2), "p99_ms": round(p99, 2),
            "max_ms": round(d[-1], 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--origin", help="Origin for the unsafe requests (default: node A's URL)")
    args = ap.parse_args()
    a, b = Node(args.a), Node(args.b)
    origin = args.origin or args.a.rstrip("/")
    creds = json.dumps({"email": args.email, "password": args.password})
    json_h = {"Content-Type": "application/json", "Origin": origin}
    session_delays, token_delays = [], []
    for _ in range(args.rounds):
        # A session: logout on A, refused on B.
        status, headers, body = a.request("POST", "/auth/login", json_h, creds)
        if status != 200:
            raise SystemExit(f"login on A answered {status}: {body[:200]!r}")
        session = cookie_of(headers, "__Host-tessera_session")
        csrf = json.loads(body)["csrf_token"]
        cookie = {"Cookie": f"{session}; __Host-tessera_csrf={csrf}"}
        wait_status(b, "/auth/verify", cookie, 200)
        status, _, _ = a.request("POST", "/auth/logout",
                                 {**cookie, "Origin": origin, "X-CSRF-Token": csrf})
        done = time.perf_counter()
        if status not in (200, 204):
            raise SystemExit(f"logout on A answered {status}")
        session_delays.append((wait_status(b, "/auth/verify", cookie, 401) - done) * 1000)

        # An access token: logout-all (not-before) on A, refused on B.
        status, _, body = a.request("POST", "/auth/token", json_h, creds)
        if status != 200:
            raise SystemExit(f"token on A answered {status}: {body[:200]!r}")
        bearer = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
        wait_status(b, "/auth/verify", bearer, 200)
        status, _, _ = a.request("POST", "/auth/logout-all", bearer)
        done = time.perf_counter()
        if status not in (200, 204):
            raise SystemExit(f"logout-all on A answered {status}")
        token_delays.append((wait_status(b, "/auth/verify", bearer, 401) - done) * 1000)
    print(json.dumps({"session": summary(session_delays), "token": summary(token_delays)}))


if __name__ == "__main__":
    sys.exit(main())
