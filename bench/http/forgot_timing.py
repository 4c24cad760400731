#!/usr/bin/env python3
"""POST /auth/password/forgot for a known and an unknown address, alternately, on one server:
the answer must not tell them apart by time (issue 18; SPEC.md "HTTP API": "202 always").

Usage: bench/http/forgot_timing.py [TESSERA_BINARY] [REQUESTS]   (defaults: build/release/tessera, 2000)

Starts its own `tessera serve` (SQLite in a temp dir, email.outbox_only so nothing leaves the
machine, mail limits off so every request does its full work), adds one user, then sends
REQUESTS pairs, each on a fresh connection, and prints per address kind the median, p90 and
mean latency as the client sees it, and how many answers were not 202. The server's process is
stopped by PID at the end.
"""
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/tessera"
pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000

with tempfile.TemporaryDirectory() as tmp:
    config = os.path.join(tmp, "tessera.toml")
    with open(config, "w") as f:
        f.write('[server]\npublic_url = "https://id.example.com"\n'
                '[email]\noutbox_only = true\nfrom = "no-reply@example.com"\n'
                "[rate_limit]\nmail_email = 0\nmail_ip = 0\n")
    data = os.path.join(tmp, "data")
    common = ["--data-dir", data, "--config", config]
    subprocess.run([binary, "user", "add", "known@example.com", *common],
                   input=b"a strong kumquat phrase\n", check=True, capture_output=True)
    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", *common],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(re.search(rb":(\d+)", server.stdout.readline()).group(1))
        latency = {"known": [], "unknown": []}
        refused = {"known": 0, "unknown": 0}
        for i in range(pairs):
            for kind, email in (("known", "known@example.com"),
                                ("unknown", "nobody%d@example.com" % i)):
                c = http.client.HTTPConnection("127.0.0.1", port)
                start = time.perf_counter()
                c.request("POST", "/auth/password/forgot", json.dumps({"email": email}),
                          {"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                latency[kind].append((time.perf_counter() - start) * 1e6)
                c.close()
                if r.status != 202:
                    refused[kind] += 1
        for kind, values in latency.items():
            values.sort()
            print("%-7s median %5.0f us  p90 %5.0f us  mean %5.0f us  not 202: %d" % (
                kind, statistics.median(values), values[int(len(values) * 0.9)],
                statistics.mean(values), refused[kind]))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
