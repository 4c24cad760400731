#!/usr/bin/env python3
"""What one HTTP request costs a server, in instructions, allocations and syscalls (callgrind).

Runs the server under `valgrind --tool=callgrind` twice, sends N1 then N2 sequential keep-alive
requests (GET, or --method with --data) over one connection (with any -H headers), and divides the difference of the two profiles by N2 - N1, so start-up
and shutdown cancel out. Deterministic (instruction counts do not depend on machine load), so
it gives before/after figures on a noisy machine. The server must print "listening on URL",
and anything it creates on first start (keys, database) should exist before, or the first run
pays for it and the difference is off: start it once without valgrind first.

  python3 bench/http/callgrind_per_request.py --path /healthz -- \\
      build/release/tessera serve --listen 127.0.0.1:0 --data-dir /tmp/cg-data
  python3 bench/http/callgrind_per_request.py --path / -- build/release/bench/ceiling_server

Prints: instructions (Ir) per request; calls per request of malloc/operator new, the syscalls
of the request path, mutex locks and Asio handler runs; the functions with the most exclusive
Ir per request; with --callers, who calls malloc/operator new. Needs valgrind.
"""
import argparse
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

WATCH = [
    ("malloc", r"^malloc$"),
    ("operator new", r"^operator new\(unsigned long\)$"),
    ("epoll_wait", r"^epoll_wait$"),
    ("recv/recvmsg", r"^(__libc_)?recv(msg)?$"),
    ("send/sendmsg", r"^(__libc_)?send(msg)?$"),
    ("timerfd_settime", r"^timerfd_settime$"),
    ("fcntl (e.g. SQLite WAL locks)", r"^fcntl$"),
    ("fstat", r"^fstat$"),
    ("clock_gettime (vDSO)", r"^clock_gettime"),
    ("pthread_mutex_lock", r"^pthread_mutex_lock"),
    ("Asio handler runs (scheduler::do_run_one)", r"scheduler::do_run_one"),
]


def drive(port, path, n, headers, method="GET", data=None):
    """n sequential requests over one keep-alive connection; each response must be 200."""
    s = socket.create_connection(("127.0.0.1", port))
    extra = "".join(f"{h}\r\n" for h in headers)
    body = b""
    if data is not None:
        body = data.encode()
        extra += f"Content-Length: {len(body)}\r\n"
    req = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode() + body
    buf = b""
    for _ in range(n):
        s.sendall(req)
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = buf[:end].decode("latin-1")
                length = 0
                for line in head.split("\r\n")[1:]:
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v)
                if len(buf) >= end + 4 + length:
                    if not head.startswith("HTTP/1.1 200"):
                        raise SystemExit(f"not 200: {head.splitlines()[0]}")
                    buf = buf[end + 4 + length:]
                    break
            data = s.recv(65536)
            if not data:
                raise SystemExit("the server closed the connection")
            buf += data
    s.close()


def profile(cmd, path, n, out, headers, method="GET", data=None):
    stdout = open(out + ".stdout", "w+")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd,
                            stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        url = None
        for _ in range(600):
            stdout.seek(0)
            m = re.search(r"^listening on (\S+)", stdout.read(), re.M)
            if m:
                url = m.group(1)
                break
            if proc.poll() is not None:
                raise SystemExit(f"{cmd[0]} exited before listening")
            time.sleep(0.1)
        if not url:
            raise SystemExit("no 'listening on' line")
        drive(int(url.rsplit(":", 1)[1]), path, n, headers, method, data)
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def parse(path):
    """Exclusive Ir per function, calls per callee, calls per (caller, callee)."""
    names, self_ir = {}, collections.Counter()
    calls, pair = collections.Counter(), collections.Counter()
    fn = cfn = None
    in_call = False
    for line in open(path, errors="replace"):
        if line.startswith(("fn=", "cfn=")):
            key, _, rest = line.partition("=")
            m = re.match(r"\((\d+)\)(?: (.*))?", rest.strip())
            if m.group(2):
                names[m.group(1)] = m.group(2)
            name = names.get(m.group(1), m.group(1))
            if key == "fn":
                fn = name
            else:
                cfn = name
        elif line.startswith("calls="):
            calls[cfn] += int(line.split()[0][6:])
            pair[(fn, cfn)] += int(line.split()[0][6:])
            in_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if in_call:  # the cost line of a call is inclusive cost of the callee: skip
                in_call = False
            elif fn is not None:
                parts = line.split()
                if len(parts) >= 2:
                    self_ir[fn] += int(parts[1])
    return self_ir, calls, pair


def short(name, width=110):
    while True:
        s = re.sub(r"<[^<>]*>", "<>", name)
        if s == name:
            break
        name = s
    name = re.sub(r" \[clone [^\]]*\]", "", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--path", default="/")
    ap.add_argument("-H", "--header", action="append", default=[],
                    help="a request header, e.g. 'Cookie: __Host-tessera_session=...'")
    ap.add_argument("--method", default="GET")
    ap.add_argument("--data", help="the request body (Content-Length is added; give Content-Type with -H)")
    ap.add_argument("--n1", type=int, default=1000)
    ap.add_argument("--n2", type=int, default=3000)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--callers", action="store_true", help="who calls malloc / operator new")
    ap.add_argument("--keep", help="keep the callgrind files under this prefix")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("the server command goes after --")
    tmp = tempfile.mkdtemp(prefix="cg-per-request.")
    prefix = args.keep or os.path.join(tmp, "cg")
    files = []
    for n in (args.n1, args.n2):
        out = f"{prefix}.{n}.out"
        profile(cmd, args.path, n, out, args.header, args.method, args.data)
        files.append(out)
    (ir1, c1, p1), (ir2, c2, p2) = parse(files[0]), parse(files[1])
    d = float(args.n2 - args.n1)
    total = (sum(ir2.values()) - sum(ir1.values())) / d
    print(f"# {' '.join(cmd)}  GET {args.path}: {args.n2} - {args.n1} requests, one connection")
    print(f"instructions per request: {total:,.0f}")
    for label, pat in WATCH:
        n = sum(c2[k] - c1[k] for k in set(c1) | set(c2) if k and re.search(pat, k)) / d
        print(f"{label + ' per request:':<52} {n:6.2f}")
    print(f"\ntop functions, exclusive Ir per request:")
    deltas = sorted(((ir2[k] - ir1[k]) / d, k) for k in set(ir1) | set(ir2))
    for v, k in reversed(deltas[-args.top:]):
        print(f"{v:9,.0f}  {v / total:5.1%}  {short(k)}")
    if args.callers:
        print("\ncallers of malloc / operator new, calls per request:")
        rows = collections.Counter()
        for (caller, callee) in set(p1) | set(p2):
            if callee and re.search(r"^(malloc|operator new\(unsigned long\))$", callee):
                rows[caller] += (p2[(caller, callee)] - p1[(caller, callee)]) / d
        for caller, v in rows.most_common():
            if abs(v) >= 0.3:
                print(f"{v:6.2f}  {short(caller or '?')}")


if __name__ == "__main__":
    sys.exit(main())
