#!/usr/bin/env python3
"""Tessera behind real nginx: `auth_request` asks GET|POST /auth/verify "who is this?" and
forwards X-User-Id / X-User-Roles / X-Session-Id to an upstream that never sees a credential
(SPEC.md "HTTP API", /auth/verify; issue 3 "Gateway endpoint").

Three processes on loopback, each on its own ephemeral port, each stopped by its PID:
  - the auth server: the real `tessera serve` (--tessera BIN), or, with --stub-auth, a small
    stand-in written from SPEC.md that proves this harness and the nginx configuration on
    their own (useful before the real endpoints exist, and to tell harness from server bugs);
  - an upstream (python http.server) that counts hits and echoes the identity headers it got;
  - nginx (Debian package), non-daemon, with its own prefix, pid file, logs and temp paths.

Checks: the upstream sees the identity of a logged-in browser (cookie) and is never reached
without one (nginx answers 401, the hit counter does not move); identity headers a client
forges never reach the upstream as identity, with or without a valid cookie; the upstream
never sees the Cookie or Authorization header; after logout the cookie opens nothing.

Exit 0 when every check passes, 1 otherwise (each check printed PASS/FAIL), 2 on bad usage.
Python 3 standard library only.
"""

import argparse
import atexit
import hashlib
import http.client
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

SESSION_COOKIE = "__Host-tessera_session"
CSRF_COOKIE = "__Host-tessera_csrf"
COOKIE_ATTRS = "Path=/; Secure; SameSite=Lax"
EMAIL = "gateway-user@example.com"
PASSWORD = "gateway test passphrase"

_children = []  # Popen objects still running; killed by PID at exit whatever happens


@atexit.register
def _kill_leftovers():
    for child in _children:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()


def stop(child, sig=signal.SIGTERM, grace=10.0):
    """Stops a child by its PID: `sig`, then SIGKILL after `grace` seconds. Returns its code."""
    if child.poll() is None:
        os.kill(child.pid, sig)
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    if child in _children:
        _children.remove(child)
    return child.returncode


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def request(port, method, path, headers=None, body=None):
    """One HTTP/1.1 request on a new connection: (status, {lower-name: [values]}, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        out = {}
        for name, value in res.getheaders():
            out.setdefault(name.lower(), []).append(value)
        return res.status, out, res.read()
    finally:
        conn.close()


def set_cookies(headers):
    """name -> value from Set-Cookie headers."""
    jar = {}
    for line in headers.get("set-cookie", []):
        pair = line.split(";", 1)[0]
        if "=" in pair:
            name, value = pair.split("=", 1)
            jar[name.strip()] = value.strip()
    return jar


# ---- the upstream ------------------------------------------------------------------------


class Upstream:
    """An app behind the gateway: counts hits, echoes what identity and credentials it saw."""

    def __init__(self):
        self.hits = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _echo(self):
                with outer.lock:
                    outer.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = {
                    "method": self.command,
                    "path": self.path,
                    "x_user_id": self.headers.get_all("X-User-Id"),
                    "x_user_roles": self.headers.get_all("X-User-Roles"),
                    "x_session_id": self.headers.get_all("X-Session-Id"),
                    "cookie": self.headers.get_all("Cookie"),
                    "authorization": self.headers.get_all("Authorization"),
                    "body": body.decode("utf-8", "replace"),
                }
                out = json.dumps(seen).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = _echo

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- the auth server: stub or real tessera -----------------------------------------------


class StubAuth:
    """Stands in for tessera, from SPEC.md: POST /auth/login (JSON) sets the __Host- cookies;
    GET|POST /auth/verify answers 200 + identity headers for a live session cookie, else 401;
    POST /auth/logout (Origin + X-CSRF-Token) ends the session. It also records what each
    verify subrequest looked like, so the nginx side of the contract is checked too."""

    def __init__(self):
        self.user = {"id": str(uuid.uuid4()), "email": EMAIL, "roles": ["user"]}
        self.sessions = {}  # sha256(id) -> {"public": ..., "csrf": ...}
        self.verify_calls = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if body:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _session(self):
                cookies = {}
                for field in self.headers.get_all("Cookie") or []:
                    for part in field.split(";"):
                        if "=" in part:
                            k, v = part.split("=", 1)
                            cookies[k.strip()] = v.strip()
                key = hashlib.sha256(cookies.get(SESSION_COOKIE, "").encode()).hexdigest()
                return key, outer.sessions.get(key), cookies

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _verify(self):
                body = self._body()
                _, session, _ = self._session()
                outer.verify_calls.append(
                    {
                        "method": self.command,
                        "original_uri": self.headers.get("X-Original-URI"),
                        "body_bytes": len(body),
                    }
                )
                if not session:
                    return self._send(401)
                self._send(
                    200,
                    headers=[
                        ("X-User-Id", outer.user["id"]),
                        ("X-User-Roles", ",".join(outer.user["roles"])),
                        ("X-Session-Id", session["public"]),
                    ],
                )

            def do_GET(self):
                if self.path.split("?")[0] == "/auth/verify":
                    return self._verify()
                self._send(404)

            def do_POST(self):
                path = self.path.split("?")[0]
                if path == "/auth/verify":
                    return self._verify()
                if path == "/auth/login":
                    creds = json.loads(self._body() or b"{}")
                    if creds.get("email") != EMAIL or creds.get("password") != PASSWORD:
                        return self._send(401)
                    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
                    outer.sessions[hashlib.sha256(sid.encode()).hexdigest()] = {
                        "public": hashlib.sha256(b"p" + sid.encode()).hexdigest()[:32],
                        "csrf": csrf,
                    }
                    body = json.dumps({"user": outer.user, "csrf_token": csrf}).encode()
                    return self._send(
                        200,
                        body,
                        [
                            ("Set-Cookie", f"{SESSION_COOKIE}={sid}; {COOKIE_ATTRS}; HttpOnly"),
                            ("Set-Cookie", f"{CSRF_COOKIE}={csrf}; {COOKIE_ATTRS}"),
                        ],
                    )
                if path == "/auth/logout":
                    self._body()
                    key, session, cookies = self._session()
                    if not session:
                        return self._send(401)
                    token = self.headers.get("X-CSRF-Token")
                    if (
                        not self.headers.get("Origin")
                        or token != cookies.get(CSRF_COOKIE)
                        or token != session["csrf"]
                    ):
                        return self._send(403)
                    del outer.sessions[key]
                    return self._send(204)
                self._send(404)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def create_user(self):
        pass  # the one user exists from the start

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TesseraAuth:
    """The real `tessera serve` on an ephemeral port with a fresh data dir."""

    verify_calls = None  # not observable from outside

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.stderr_path = os.path.join(os.path.dirname(data_dir), "tessera.stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        _children.append(self.proc)
        line = self.proc.stdout.readline().decode(errors="replace").strip()
        if not line.startswith("listening on http://127.0.0.1:"):
            stop(self.proc)
            raise RuntimeError(f"tessera serve did not start: {line!r}\n{self.stderr_tail()}")
        self.port = int(line.rsplit(":", 1)[1])
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # drain

    def stderr_tail(self, limit=4000):
        self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read()[-limit:].decode(errors="replace")

    def create_user(self):
        r = subprocess.run(
            [self.binary, "user", "add", EMAIL, "--role", "user", "--data-dir", self.data_dir],
            input=(PASSWORD + "\n").encode(),
            capture_output=True,
            timeout=60,
        )
        if r.returncode != 0:
            err = r.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"`tessera user add` failed ({r.returncode}): {err}")

    def close(self):
        code = stop(self.proc)
        self.stderr.close()
        return code


# ---- nginx -------------------------------------------------------------------------------

NGINX_CONF = """
# Generated by tests/gateway/run_gateway.py. Everything under the prefix {prefix}.
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  default_type application/octet-stream;

  upstream tessera {{ server 127.0.0.1:{auth_port}; keepalive 8; }}
  upstream app {{ server 127.0.0.1:{app_port}; }}

  server {{
    listen 127.0.0.1:{port};

    # The gateway check: the original request's headers (Cookie, Authorization) go to
    # /auth/verify, its body does not.
    location = /_auth {{
      internal;
      proxy_pass http://tessera/auth/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}

    location / {{
      auth_request /_auth;
      auth_request_set $tessera_user_id $upstream_http_x_user_id;
      auth_request_set $tessera_user_roles $upstream_http_x_user_roles;
      auth_request_set $tessera_session_id $upstream_http_x_session_id;
      # proxy_set_header replaces whatever the client sent under these names: a forged
      # X-User-Id never reaches the app as identity.
      proxy_set_header X-User-Id $tessera_user_id;
      proxy_set_header X-User-Roles $tessera_user_roles;
      proxy_set_header X-Session-Id $tessera_session_id;
      # The app never sees a credential.
      proxy_set_header Cookie "";
      proxy_set_header Authorization "";
      proxy_pass http://app;
    }}
  }}
}}
"""


class Nginx:
    def __init__(self, prefix, auth_port, app_port):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(self.binary):
            raise RuntimeError("nginx not found: install Debian's nginx (scripts/install-deps.sh)")
        self.prefix = prefix
        # Workers run as nobody when the master is root: they must reach the prefix.
        os.chmod(prefix, 0o755)
        for attempt in range(3):
            self.port = free_port()
            conf = os.path.join(prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF.format(
                    prefix=prefix, auth_port=auth_port, app_port=app_port, port=self.port))
            self.proc = subprocess.Popen(
                [self.binary, "-c", conf, "-p", prefix, "-e", os.path.join(prefix, "error.log"),
                 "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _children.append(self.proc)
            deadline = time.monotonic() + 10
            while (time.monotonic() < deadline and self.proc.poll() is None
                   and not port_open(self.port)):
                time.sleep(0.05)
            if self.proc.poll() is None and port_open(self.port):
                return
            stop(self.proc)
            err = self.proc.stderr.read().decode(errors="replace") + self.error_log()
            if "Address already in use" not in err or attempt == 2:
                raise RuntimeError(f"nginx did not start:\n{err}")

    def error_log(self):
        try:
            with open(os.path.join(self.prefix, "error.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def close(self):
        # SIGQUIT: graceful shutdown of master and workers. Exit code 0 when clean.
        return stop(self.proc, signal.SIGQUIT)


# ---- the checks --------------------------------------------------------------------------

FORGED = {
    "X-User-Id": "00000000-0000-0000-0000-000000000001",
    "X-User-Roles": "admin",
    "X-Session-Id": "forged",
}


class Scenario:
    """The checks, in order, over running auth server, upstream and nginx. Each method raises
    AssertionError (or a transport error) to fail."""

    def __init__(self, auth, upstream, gateway):
        self.auth = auth
        self.upstream = upstream
        self.gateway = gateway
        self.user = None  # from POST /auth/login
        self.cookie = self.csrf = self.origin = self.public_id = None

    def through_gateway(self, method="GET", path="/app/resource?x=1", headers=None, body=None):
        """A request to nginx: (status, upstream hits it caused, body)."""
        before = self.upstream.hits
        status, _, data = request(self.gateway.port, method, path, headers, body)
        return status, self.upstream.hits - before, data

    def expect_refused(self, headers):
        status, hits, body = self.through_gateway(headers=headers)
        assert status == 401, f"nginx answered {status} {body[:200]!r}, want 401"
        assert hits == 0, f"the upstream was reached {hits} time(s)"

    def cookies(self, extra=None):
        jar = f"{SESSION_COOKIE}={self.cookie}; {CSRF_COOKIE}={self.csrf}; app_pref=dark"
        return {"Cookie": jar, **(extra or {})}

    def seen_by_upstream(self, status, hits, body):
        assert status == 200, f"nginx answered {status} {body[:300]!r}"
        assert hits == 1, f"upstream hits {hits}"
        return json.loads(body)

    # -- the negative path: needs only GET /auth/verify answering 401 --

    def verify_endpoint_exists(self):
        status, _, body = request(self.auth.port, "GET", "/auth/verify")
        assert status == 401, (
            f"GET /auth/verify without a credential: {status} {body[:200]!r} "
            "(want 401; 404 means the endpoint is not there yet)"
        )

    def no_credential(self):
        self.expect_refused({})

    def forged_without_credential(self):
        self.expect_refused(dict(FORGED))

    def unknown_cookie(self):
        self.expect_refused({"Cookie": f"{SESSION_COOKIE}={secrets.token_urlsafe(32)}"})

    def bogus_bearer(self):
        self.expect_refused({"Authorization": "Bearer not.a.token"})

    # -- the positive path: needs a user, POST /auth/login and 200 from /auth/verify --

    def log_in(self):
        self.auth.create_user()
        self.origin = f"http://127.0.0.1:{self.auth.port}"
        headers = {"Content-Type": "application/json", "Origin": self.origin}
        credentials = json.dumps({"email": EMAIL, "password": PASSWORD})
        status, hdrs, body = request(self.auth.port, "POST", "/auth/login", headers, credentials)
        assert status == 200, f"POST /auth/login: {status} {body[:300]!r}"
        jar = set_cookies(hdrs)
        assert jar.get(SESSION_COOKIE), f"no session cookie in {hdrs.get('set-cookie')}"
        self.user = json.loads(body)["user"]
        self.cookie = jar[SESSION_COOKIE]
        self.csrf = jar.get(CSRF_COOKIE, "")

    def identity_reaches_upstream(self):
        seen = self.seen_by_upstream(*self.through_gateway(headers=self.cookies()))
        want = self.user["id"]
        assert seen["x_user_id"] == [want], f"X-User-Id {seen['x_user_id']}, want {want}"
        roles = (seen["x_user_roles"] or [""])[0].replace(" ", ",").split(",")
        assert "user" in roles, f"X-User-Roles {seen['x_user_roles']}"
        assert seen["x_session_id"] and seen["x_session_id"][0], "X-Session-Id missing"
        assert self.cookie not in seen["x_session_id"][0], "X-Session-Id is the session cookie"
        assert seen["cookie"] is None, f"the upstream saw a Cookie header: {seen['cookie']}"
        assert seen["authorization"] is None, "the upstream saw an Authorization header"
        self.public_id = seen["x_session_id"][0]

    def forged_with_credential(self):
        seen = self.seen_by_upstream(*self.through_gateway(headers=self.cookies(FORGED)))
        assert seen["x_user_id"] == [self.user["id"]], f"X-User-Id arrived as {seen['x_user_id']}"
        roles = (seen["x_user_roles"] or [""])[0]
        assert "admin" not in roles, f"X-User-Roles {seen['x_user_roles']}"
        assert seen["x_session_id"] == [self.public_id], f"X-Session-Id {seen['x_session_id']}"

    def post_through_gateway(self):
        # A client POST: nginx still asks GET /auth/verify (auth_request subrequests are GET,
        # without the body), and the app gets the body and the identity.
        headers = self.cookies({"Content-Type": "application/json"})
        seen = self.seen_by_upstream(
            *self.through_gateway("POST", "/app/form", headers, json.dumps({"n": 1}))
        )
        assert seen["x_user_id"] == [self.user["id"]], seen
        assert seen["body"] == '{"n": 1}', seen

    def logout_closes_the_gateway(self):
        headers = self.cookies(
            {"Origin": self.origin, "X-CSRF-Token": self.csrf, "Content-Type": "application/json"}
        )
        status, _, body = request(self.auth.port, "POST", "/auth/logout", headers, "{}")
        assert status in (200, 204), f"POST /auth/logout: {status} {body[:300]!r}"
        self.expect_refused(self.cookies())

    # -- what only the stub can see --

    def subrequests_look_right(self):
        calls = self.auth.verify_calls
        assert calls, "no verify subrequest was seen"
        for call in calls:
            assert call["body_bytes"] == 0, f"verify got a body: {call}"
            assert call["method"] == "GET", f"verify subrequest method: {call}"
        assert any(c["original_uri"] == "/app/resource?x=1" for c in calls), calls


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # AssertionError or a transport error: a failed check
            self.failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            return False
        self.passed += 1
        print(f"PASS {name}", flush=True)
        return True


def run_scenario(checks, s):
    if not checks.run("GET /auth/verify exists and says 401 without a credential",
                      s.verify_endpoint_exists):
        return
    checks.run("no credential: nginx 401, upstream never reached", s.no_credential)
    checks.run("forged identity headers, no credential: 401, upstream never reached",
               s.forged_without_credential)
    checks.run("an unknown session cookie: 401, upstream never reached", s.unknown_cookie)
    checks.run("a bogus bearer token: 401, upstream never reached", s.bogus_bearer)
    if checks.run("log in (tessera user add + POST /auth/login)", s.log_in):
        checks.run("a logged-in browser's identity reaches the upstream, its cookie does not",
                   s.identity_reaches_upstream)
        checks.run("forged identity headers beside a valid cookie give way to the real identity",
                   s.forged_with_credential)
        checks.run("a POST through the gateway carries identity and body to the upstream",
                   s.post_through_gateway)
        checks.run("after logout the cookie opens nothing: 401, upstream never reached",
                   s.logout_closes_the_gateway)
    if s.auth.verify_calls is not None:
        checks.run("verify subrequests are GET with X-Original-URI and no body",
                   s.subrequests_look_right)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--tessera", help="the tessera binary (real server)")
    mode.add_argument("--stub-auth", action="store_true", help="a SPEC.md stand-in for tessera")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="tessera-gateway-")
    checks = Checks()
    auth = upstream = gateway = None
    try:
        upstream = Upstream()
        if args.tessera:
            auth = TesseraAuth(args.tessera, os.path.join(work, "data"))
        else:
            auth = StubAuth()
        prefix = os.path.join(work, "nginx")
        os.mkdir(prefix)
        gateway = Nginx(prefix, auth.port, upstream.port)
        print(f"auth 127.0.0.1:{auth.port}, upstream 127.0.0.1:{upstream.port}, "
              f"nginx 127.0.0.1:{gateway.port}", flush=True)
        run_scenario(checks, Scenario(auth, upstream, gateway))
    except Exception as e:
        checks.failed += 1
        print(f"FAIL harness: {type(e).__name__}: {e}", flush=True)
    finally:
        if gateway is not None:
            port = gateway.port
            code = gateway.close()

            def nginx_stops_cleanly():
                assert code == 0, f"nginx exit code {code}\n{gateway.error_log()}"
                assert not port_open(port), "nginx's port still answers"

            checks.run("nginx stops cleanly (SIGQUIT, exit 0, port closed)", nginx_stops_cleanly)
        if isinstance(auth, TesseraAuth):
            if checks.failed:
                print("--- tessera stderr (tail) ---\n" + auth.stderr_tail(), flush=True)
            code = auth.close()

            def tessera_stops_cleanly():
                assert code == 0, f"tessera serve exit code {code}"

            checks.run("tessera serve stops cleanly on SIGTERM (exit 0)", tessera_stops_cleanly)
        elif auth is not None:
            auth.close()
        if upstream is not None:
            upstream.close()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
