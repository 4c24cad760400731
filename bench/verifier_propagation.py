#!/usr/bin/python3
"""verifier_propagation.py - how long a revocation takes to reach a service (issue 20): the
logout's answer on Tessera to the first refusal by examples/resource-server (tessera::Verifier
following the revocation feed), over N revocations; prints one JSON line
{"n", "p50_ms", "p90_ms", "p99_ms", "max_ms"}.

    python3 bench/verifier_propagation.py --tessera build/release/tessera \
        --build-dir build/release [--revocations 100]

The service is built from the installed package and run as the interop test runs it
(tests/interop/verifier_service.py); the service is polled every millisecond, so figures carry up
to ~1 ms of polling granularity. One Tessera on SQLite, everything on 127.0.0.1, stopped by PID.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "interop"))
from tessera_server import Server  # noqa: E402
from verifier_service import (Service, bearer_post, build_example, client_of,  # noqa: E402
                              login_at)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--revocations", type=int, default=100)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tessera-propagation-")
    service = None
    try:
        binary, _ = build_example(args.build_dir, work)
        with Server(args.tessera, os.path.join(work, "data")) as server:
            server.add_user("user@example.com")
            client = client_of(server, "--scope", "revocations:read")
            service = Service(binary, {"TESSERA_ISSUER": server.base,
                                       "TESSERA_CLIENT_ID": client["client_id"],
                                       "TESSERA_CLIENT_SECRET": client["client_secret"]})
            if service.base is None or not service.wait_ready():
                print(json.dumps({"error": "the example service did not become ready"}))
                return 1
            times = []
            for _ in range(args.revocations):
                token = login_at(server.base, "user@example.com")
                if service.orders(token) != 200:
                    print(json.dumps({"error": "a fresh token was refused"}))
                    return 1
                bearer_post(server.base, "/auth/logout", token)
                t0 = time.monotonic()
                while service.orders(token) != 401:
                    if time.monotonic() - t0 > 10:
                        print(json.dumps({"error": "a revocation never arrived"}))
                        return 1
                    time.sleep(0.001)
                times.append((time.monotonic() - t0) * 1000)
            q = statistics.quantiles(times, n=100, method="inclusive")
            print(json.dumps({"n": len(times), "p50_ms": round(q[49], 2), "p90_ms": round(q[89], 2),
                              "p99_ms": round(q[98], 2), "max_ms": round(max(times), 2)}))
    finally:
        if service is not None:
            service.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
