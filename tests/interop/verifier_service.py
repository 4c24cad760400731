#!/usr/bin/python3
"""verifier_service.py - the C++ verifier library (include/tessera/verifier.h) as a service uses
it: examples/resource-server built against the INSTALLED package (`cmake --install --component
Development`, then find_package(Tessera)), run against a live Tessera (issue 20).

Usage: /usr/bin/python3 verifier_service.py --tessera PATH --build-dir TESSERA_BUILD_DIR

The service reaches Tessera through a TCP proxy of this script's, which counts every request the
service makes (by path), can cut every connection, and refuses new ones while cut. Checks:
  - a valid token is accepted;
  - a revoked token is refused within 1 s, for logout, logout everywhere, an admin's revoke (the
    CLI), a disabled user (the CLI) and a password reset, with no request from the service to
    Tessera meanwhile (the proxy's count);
  - an emergency key rotation is followed at once (old key refused, new key accepted);
  - after a dropped connection the feed resumes by Last-Event-ID (no new snapshot) and a
    revocation made while it was cut is applied;
  - a service with the wrong secret, or a client without the scope revocations:read, gets
    nothing (not ready: 503) and says why; none at all is refused at start (exit 2);
  - after a feed outage longer than its bound the service fails closed (503, status says so),
    and recovers when the feed is back;
  - over HTTPS (a certificate made here) the service trusts Tessera only through its CA file:
    without it nothing is fetched (a TLS error, 503).
With --cluster: two Tessera nodes on PostgreSQL + Redis (TESSERA_TEST_POSTGRES_DSN,
TESSERA_TEST_REDIS_URL: a scratch database and a fresh key prefix), the service following node A,
the revocations made on node B (logout, logout everywhere) and by the CLI: each refused within 1 s
with no request on the request path.
Prints `ok NAME` / `FAIL NAME: details`, then `N passed, M failed`; exits 1 on failure. Stops every
process it started, by PID.
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from tessera_server import PASSWORD, Checks, Server, post_json, stop_process

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class Proxy:
    """Forwards 127.0.0.1:<port> to `target_port`, counting requests by path."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.lock = threading.Lock()
        self.requests = []  # (path, last-event-id or None)
        self.first_events = []  # the first event type of each feed answer
        self.conns = []
        self.cut_now = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.cut_now:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, u]
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()

    def _pump(self, c, u):
        seen_request = b""
        seen_answer = b""
        feed = False
        try:
            while True:
                r, _, _ = select.select([c, u], [], [], 1.0)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        raise OSError
                    if s is c:
                        seen_request += data
                        while b"\r\n\r\n" in seen_request:
                            head, _, rest = seen_request.partition(b"\r\n\r\n")
                            lines = head.decode(errors="replace").split("\r\n")
                            path = lines[0].split(" ")[1] if " " in lines[0] else "?"
                            last = next((l.split(":", 1)[1].strip() for l in lines
                                         if l.lower().startswith("last-event-id:")), None)
                            with self.lock:
                                self.requests.append((path.split("?")[0], last))
                            feed = feed or path.startswith("/oauth2/revocation-feed")
                            m = re.search(rb"content-length: *(\d+)", head, re.I)
                            seen_request = rest[int(m.group(1)):] if m else rest
                        u.sendall(data)
                    else:
                        if feed and seen_answer is not None:
                            seen_answer += data
                            m = re.search(rb"\nevent: (\w+)", seen_answer)
                            if m:
                                with self.lock:
                                    self.first_events.append(m.group(1).decode())
                                seen_answer = None
                        c.sendall(data)
        except OSError:
            pass
        for s in (c, u):
            try:
                s.close()
            except OSError:
                pass

    def count(self):
        with self.lock:
            return len(self.requests)

    def cut(self):
        """Closes every connection and refuses new ones until restore()."""
        self.cut_now = True
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.conns = []

    def restore(self):
        self.cut_now = False


def build_example(build_dir, work):
    prefix = os.path.join(work, "prefix")
    subprocess.run(["cmake", "--install", build_dir, "--component", "Development", "--prefix",
                    prefix], check=True, capture_output=True)
    rs = os.path.join(work, "rs")
    subprocess.run(["cmake", "-S", os.path.join(ROOT, "examples", "resource-server"), "-B", rs,
                    "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={prefix}"],
                   check=True, capture_output=True)
    subprocess.run(["cmake", "--build", rs], check=True, capture_output=True)
    return os.path.join(rs, "resource_server"), prefix


class Service:
    def __init__(self, binary, env):
        self.proc = subprocess.Popen([binary, "127.0.0.1:0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=dict(os.environ, **env))
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.proc.wait(timeout=10)
            self.error = self.proc.stderr.read().decode()
            self.base = None
            return
        self.base = "http://127.0.0.1:" + line.split()[-1]

    def stop(self):
        stop_process(self.proc)

    def status(self):
        with urllib.request.urlopen(self.base + "/status", timeout=10) as r:
            return json.load(r)

    def orders(self, token):
        req = urllib.request.Request(self.base + "/orders",
                                     headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def wait_ready(self, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.status()["ready"]:
                return True
            time.sleep(0.05)
        return False


def refused_within(service, token, t0, status=401, limit=5.0):
    """ms from t0 until the service answers `status` for `token`; None if not within `limit` s."""
    while time.monotonic() - t0 < limit:
        if service.orders(token) == status:
            return round((time.monotonic() - t0) * 1000)
        time.sleep(0.005)
    return None


def client_of(server, *extra):
    """A new confidential client with the client credentials grant: its JSON (id and secret)."""
    out = server.cli(["client", "add", "--name", "orders service", "--type", "confidential",
                      "--grant", "client_credentials", *extra])
    return json.loads(out.strip().splitlines()[-1])


def bearer_post(base, path, token, body=None):
    req = urllib.request.Request(base + path, method="POST", data=json.dumps(body or {}).encode(),
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def login_at(base, email):
    return post_json(base + "/auth/token", {"email": email, "password": PASSWORD})[1]["access_token"]


def cluster(checks, tessera, binary, work, services):
    dsn, redis = os.environ.get("TESSERA_TEST_POSTGRES_DSN"), os.environ.get("TESSERA_TEST_REDIS_URL")
    if not dsn or not redis:
        checks.check("PostgreSQL and Redis for the cluster (scripts/test.sh starts them)", False,
                     "TESSERA_TEST_POSTGRES_DSN / TESSERA_TEST_REDIS_URL unset")
        return
    name = "tessera_verifier_" + os.urandom(6).hex()
    subprocess.run(["psql", dsn, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    issuer = "https://id.example.test"
    os.environ.update({
        "TESSERA_STORE__BACKEND": "postgres",
        "TESSERA_STORE__POSTGRES_DSN": re.sub(r"dbname=\S+", f"dbname={name}", dsn),
        "TESSERA_CACHE__BACKEND": "redis", "TESSERA_CACHE__REDIS_URL": redis,
        "TESSERA_CACHE__REDIS_PREFIX": name + ":",
        "TESSERA_KEYS__ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        "TESSERA_TOKENS__ISSUER": issuer})
    try:
        with Server(tessera, os.path.join(work, "a")) as a, \
                Server(tessera, os.path.join(work, "b")) as b:
            emails = [f"node{i}@example.com" for i in range(3)]
            for e in emails:
                a.add_user(e)
            good = client_of(a, "--scope", "revocations:read")
            proxy = Proxy(int(a.base.rsplit(":", 1)[1]))
            service = Service(binary, {
                "TESSERA_ISSUER": issuer, "TESSERA_URL": f"http://127.0.0.1:{proxy.port}",
                "TESSERA_CLIENT_ID": good["client_id"],
                "TESSERA_CLIENT_SECRET": good["client_secret"]})
            services.append(service)
            checks.check("cluster: the service follows node A",
                         service.base is not None and service.wait_ready(), service.__dict__)
            tokens = {e: [login_at(b.base, e), login_at(b.base, e)] for e in emails}
            checks.check("cluster: tokens from node B are accepted",
                         all(service.orders(t) == 200 for ts in tokens.values() for t in ts))
            warm = proxy.count()
            timings = []
            for label, email, action in (
                    ("logout on node B", emails[0],
                     lambda: bearer_post(b.base, "/auth/logout", tokens[emails[0]][0])),
                    ("logout everywhere on node B", emails[1],
                     lambda: bearer_post(b.base, "/auth/logout-all", tokens[emails[1]][1])),
                    ("admin revoke (CLI)", emails[2], lambda: b.cli(["user", "revoke", emails[2]]))):
                action()
                ms = refused_within(service, tokens[email][0], time.monotonic())
                timings.append(ms)
                checks.check(f"cluster: {label}: refused within 1 s", ms is not None and ms < 1000, ms)
            checks.check("cluster: the other token of the logged-out user is still accepted",
                         service.orders(tokens[emails[0]][1]) == 200)
            checks.check("cluster: no request from the service on the request path",
                         proxy.count() == warm, proxy.requests[warm:])
            print(f"     cluster propagation (ms): {timings}", flush=True)
    finally:
        for s in services:
            s.stop()
        subprocess.run(["psql", dsn, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       capture_output=True)
        keys = subprocess.run(["redis-cli", "-u", redis, "--scan", "--pattern", name + ":*"],
                              capture_output=True).stdout.decode().split()
        for i in range(0, len(keys), 500):
            subprocess.run(["redis-cli", "-u", redis, "del", *keys[i:i + 500]], capture_output=True)


def tls(checks, tessera, binary, work, services):
    """Tessera over HTTPS with a certificate of its own: the service verifies it (libcurl, peer
    and host name) and trusts it only through TESSERA_CA_FILE."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(cafile=cert)
    urllib.request.install_opener(urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ctx)))
    with Server(tessera, os.path.join(work, "tls"), args=["--tls-cert", cert, "--tls-key", key]) as server:
        server.add_user("tls@example.com")
        good = client_of(server, "--scope", "revocations:read")
        env = {"TESSERA_ISSUER": server.base, "TESSERA_CLIENT_ID": good["client_id"],
               "TESSERA_CLIENT_SECRET": good["client_secret"]}
        untrusted = Service(binary, env)
        trusted = Service(binary, dict(env, TESSERA_CA_FILE=cert))
        services += [untrusted, trusted]
        ready = trusted.base is not None and trusted.wait_ready()
        token = login_at(server.base, "tls@example.com")
        checks.check("https: with the CA file the service follows Tessera and accepts its tokens",
                     server.base.startswith("https://") and ready and trusted.orders(token) == 200,
                     (server.base, trusted.status() if trusted.base else None))
        st = untrusted.status()
        checks.check("https: without it the certificate is refused (nothing fetched, 503)",
                     not st["ready"] and "tls" in st["last_error"]
                     and untrusted.orders(token) == 503, st)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--cluster", action="store_true")
    args = parser.parse_args()
    checks = Checks()
    work = tempfile.mkdtemp(prefix="tessera-verifier-")
    services = []
    try:
        binary, prefix = build_example(args.build_dir, work)
        checks.check("the example builds from the installed package only",
                     os.path.isfile(os.path.join(prefix, "include", "tessera", "verifier.h")) and
                     os.path.isfile(binary), prefix)
        if args.cluster:
            cluster(checks, args.tessera, binary, work, services)
            return checks.finish()
        with Server(args.tessera, os.path.join(work, "data")) as server:
            def cli(*a, stdin=""):
                return server.cli(list(a), stdin)

            def client(*extra):
                return client_of(server, *extra)

            def login(email):
                return login_at(server.base, email)

            def call(path, token, body=None):
                return bearer_post(server.base, path, token, body)

            emails = [f"user{i}@example.com" for i in range(5)]
            for e in emails:
                server.add_user(e)
            cli("user", "add", "admin@example.com", "--role", "admin", stdin=PASSWORD + "\n")
            good = client("--scope", "revocations:read")
            port = int(server.base.rsplit(":", 1)[1])
            proxy = Proxy(port)
            env = {"TESSERA_ISSUER": server.base, "TESSERA_URL": f"http://127.0.0.1:{proxy.port}",
                   "TESSERA_CLIENT_ID": good["client_id"],
                   "TESSERA_CLIENT_SECRET": good["client_secret"],
                   "TESSERA_MAX_FEED_SILENCE_MS": "20000"}  # the least allowed
            service = Service(binary, env)
            services.append(service)
            checks.check("the service starts and becomes ready",
                         service.base is not None and service.wait_ready(), service.__dict__)
            tokens = {e: [login(e), login(e)] for e in emails}
            checks.check("valid tokens are accepted",
                         all(service.orders(t) == 200 for ts in tokens.values() for t in ts))
            warm = proxy.count()

            def revoked_by(name, email, action):
                # From the revocation's answer (the action's own time - a CLI process, an
                # Argon2id hash - is not the propagation's).
                action()
                ms = refused_within(service, tokens[email][0], time.monotonic())
                print(f"     {name}: refused {ms} ms after the revocation's answer", flush=True)
                checks.check(f"{name}: the token is refused within 1 s",
                             ms is not None and ms < 1000, ms)
                return ms

            timings = []
            timings.append(revoked_by("logout", emails[0],
                                      lambda: call("/auth/logout", tokens[emails[0]][0])))
            checks.check("logout: the user's other token is still accepted",
                         service.orders(tokens[emails[0]][1]) == 200)
            timings.append(revoked_by("logout everywhere", emails[1],
                                      lambda: call("/auth/logout-all", tokens[emails[1]][1])))
            timings.append(revoked_by("admin revoke (CLI)", emails[2],
                                      lambda: cli("user", "revoke", emails[2])))
            timings.append(revoked_by("user disabled (CLI)", emails[3],
                                      lambda: cli("user", "disable", emails[3])))

            def reset():
                link = cli("user", "reset-password", emails[4], "--print-link")
                token = urllib.parse.parse_qs(urllib.parse.urlparse(
                    link.strip().split()[-1]).query)["token"][0]
                status, body = post_json(server.base + "/auth/password/reset",
                                         {"token": token, "new_password": "an entirely new passphrase 42"})
                checks.check("password reset: the reset is accepted", status in (200, 204),
                             (status, body))
            timings.append(revoked_by("password reset", emails[4], reset))
            checks.check("no request from the service to Tessera on the request path",
                         proxy.count() == warm, proxy.requests[warm:])

            # An emergency rotation: the `keys` event makes the service fetch the JWKS at once.
            admin = login("admin@example.com")
            old = login(emails[0])
            fetches = service.status()["jwks_fetches"]
            req = urllib.request.Request(server.base + "/admin/keys/rotate?emergency=true",
                                         method="POST", data=b"",
                                         headers={"Authorization": "Bearer " + admin})
            rotated = urllib.request.urlopen(req, timeout=30).status
            ms = refused_within(service, old, time.monotonic())
            new = login(emails[0])
            checks.check("an emergency rotation: the old key's token is refused within 1 s",
                         rotated == 200 and ms is not None and ms < 1000, (rotated, ms))
            checks.check("an emergency rotation: the new key's token is accepted",
                         service.orders(new) == 200 and service.status()["jwks_fetches"] > fetches,
                         service.status())

            # A dropped connection: the feed resumes by Last-Event-ID and nothing is lost.
            victim = login(emails[0])
            checks.check("before the cut the token is accepted", service.orders(victim) == 200)
            snapshots = proxy.first_events.count("snapshot")
            proxy.cut()
            call("/auth/logout", victim)
            time.sleep(0.5)
            proxy.restore()
            ms = refused_within(service, victim, time.monotonic(), limit=15)
            with proxy.lock:
                feeds = [r for r in proxy.requests if r[0] == "/oauth2/revocation-feed"]
            checks.check("after a dropped connection the revocation made meanwhile is applied",
                         ms is not None, ms)
            checks.check("the feed resumed by Last-Event-ID, without a new snapshot",
                         feeds and feeds[-1][1] is not None
                         and proxy.first_events.count("snapshot") == snapshots,
                         (feeds[-3:], proxy.first_events[-3:]))

            # A long outage: failing closed, then back.
            live = login(emails[0])
            proxy.cut()
            ms = refused_within(service, live, time.monotonic(), status=503, limit=40)
            st = service.status()
            checks.check("after a feed outage over its bound the service fails closed (503)",
                         ms is not None and st["failing_closed"], (ms, st))
            proxy.restore()
            back = refused_within(service, live, time.monotonic(), status=200, limit=15)
            checks.check("when the feed is back the service accepts tokens again",
                         back is not None, service.status())

            # Credentials.
            wrong = Service(binary, dict(env, TESSERA_CLIENT_SECRET="not the secret"))
            services.append(wrong)
            unscoped = client("--scope", "openid")
            noscope = Service(binary, dict(env, TESSERA_CLIENT_ID=unscoped["client_id"],
                                           TESSERA_CLIENT_SECRET=unscoped["client_secret"]))
            services.append(noscope)
            time.sleep(2)
            for label, s, why in (("a wrong secret", wrong, "invalid_client"),
                                  ("a client without revocations:read", noscope, "")):
                st = s.status()
                checks.check(f"{label}: nothing from the feed, every token 503",
                             not st["ready"] and s.orders(new) == 503 and why in st["last_error"]
                             and st["last_error"] != "", st)
            none = Service(binary, dict(env, TESSERA_CLIENT_SECRET=""))
            checks.check("no credentials: refused at start (exit 2)",
                         none.base is None and none.proc.returncode == 2
                         and "client_secret" in none.error, getattr(none, "error", ""))
            print(f"     propagation (ms): {timings}", flush=True)
        tls(checks, args.tessera, binary, work, services)
    finally:
        for s in services:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
