#!/usr/bin/env python3
"""run_federation.py - federated sign-in (SPEC.md "Federated sign-in") end to end at the HTTP
level: a real `tessera serve` and the upstream providers of upstreams.mjs (two node
oidc-provider instances, a hand-written provider that signs deliberately bad ID tokens, and one
that is down when Tessera starts), driven by a minimal cookie-keeping client that follows
redirects like a browser. Every security rule has its refusal checked: state (missing, wrong,
replayed, another browser's), the ID token (aud, iss, signature, expiry, nonce, azp, alg none
and HS256), the mix-up (iss of another provider), access_denied, an unverified email matching an
account, open redirects through return_to; and the happy paths: sign-in with each of two
providers, linking by verified email, amr `fed`, /auth/me's identities, unlink's last-way-in
rule, a provider down at start and back later.

With --postgres DSN --redis URL (the cluster case): two nodes on one PostgreSQL and Redis; a
flow started on one finishes on the other, and its replay on the first is refused.

Usage: run_federation.py --tessera PATH [--postgres DSN --redis URL]
Node processes and servers are started on loopback ephemeral ports and stopped by PID.
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
from tessera_server import Checks, Server  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Browser:
    """Cookies per host:port (Secure ones too: every server here is loopback), no automatic
    redirects. Enough of a browser for these flows; Chromium runs them in tests/e2e."""

    def __init__(self):
        self.jars = {}

    def jar(self, url):
        return self.jars.setdefault(urllib.parse.urlsplit(url).netloc, {})

    def request(self, url, method="GET", body=None, headers=None):
        headers = dict(headers or {})
        jar = self.jar(url)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            r = OPENER.open(req, timeout=30)
        except urllib.error.HTTPError as e:
            r = e
        status, hdrs, text = r.status if hasattr(r, "status") else r.code, r.headers, r.read()
        set_cookies = hdrs.get_all("Set-Cookie") or []
        for c in set_cookies:
            name, _, rest = c.partition("=")
            value = rest.split(";", 1)[0]
            lower = c.lower()
            if "max-age=0" in lower or "expires=thu, 01 jan 1970" in lower or value == "":
                jar.pop(name, None)
            else:
                jar[name] = value
        return status, hdrs, text.decode("utf-8", "replace"), set_cookies

    def flow(self, start_url, stop_path="/callback"):
        """GETs start_url and follows redirects until one goes to a Tessera callback; returns
        (the callback URL, the start's Set-Cookie headers) without requesting it."""
        url, first_cookies = start_url, None
        for _ in range(15):
            status, hdrs, text, cookies = self.request(url)
            if first_cookies is None:
                first_cookies = cookies
            if status not in (302, 303):
                raise RuntimeError(f"{url}: HTTP {status} {text[:300]}")
            url = urllib.parse.urljoin(url, hdrs["Location"])
            if urllib.parse.urlsplit(url).path.endswith(stop_path) and "/auth/federation/" in url:
                return url, first_cookies
        raise RuntimeError("too many redirects")


def with_param(url, name, value):
    parts = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != name]
    if value is not None:
        q.append((name, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))


def control(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def provider_toml(pid, name, issuer, secret, method="client_secret_basic", link="verified_email",
                  create_users=True):
    """A [[federation.providers]] block; `secret` is the private key file for private_key_jwt."""
    credential = (f'private_key_file = "{secret}"' if method == "private_key_jwt"
                  else f'client_secret = "{secret}"')
    return (f'[[federation.providers]]\nid = "{pid}"\nname = "{name}"\nissuer = "{issuer}"\n'
            f'client_id = "tessera-{pid}"\n{credential}\n'
            f'token_endpoint_auth_method = "{method}"\nlink = "{link}"\n'
            f'create_users = {"true" if create_users else "false"}\n\n')


class Node(Server):
    """`tessera serve` on a fixed loopback port (the providers know its callback URL); stopped
    by PID (Server.stop)."""

    def __init__(self, tessera, data, config, port):  # pylint: disable=super-init-not-called
        self.tessera, self.data = tessera, data
        self.base = f"http://127.0.0.1:{port}"
        os.makedirs(data, exist_ok=True)
        log = open(os.path.join(data, "..", f"serve-{port}.log"), "w")
        self.proc = subprocess.Popen([tessera, "serve", "--listen", f"127.0.0.1:{port}",
                                      "--data-dir", data, "--config", config],
                                     stdout=subprocess.PIPE, stderr=log)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"tessera serve did not start: {line!r}")


def me(browser, base):
    status, _, text, _ = browser.request(base + "/auth/me")
    return status, (json.loads(text) if status == 200 else None)


def single_node(args, checks, work, up, tessera_port, late_port):
    a = f"http://127.0.0.1:{up['a']}"
    b = f"http://127.0.0.1:{up['b']}"
    rogue = f"http://127.0.0.1:{up['rogue']}"
    late = f"http://127.0.0.1:{late_port}"
    base = f"http://127.0.0.1:{tessera_port}"
    config = os.path.join(work, "tessera.toml")
    with open(config, "w") as f:
        f.write('[web]\nallowed_origins = ["%s", "http://127.0.0.1:9"]\n\n' % base)
        f.write(provider_toml("a", "Provider A", a, "secret-of-tessera-at-a-0123456789"))
        f.write(provider_toml("b", "Provider B", b, "secret-of-tessera-at-b-0123456789",
                              method="client_secret_post", link="never"))
        f.write(provider_toml("c", "Provider C", f"http://127.0.0.1:{up['c']}",
                              os.path.join(work, "tessera-key.json"), method="private_key_jwt"))
        f.write(provider_toml("rogue", "Rogue", rogue, "secret-of-tessera-at-rogue-0123456789"))
        f.write(provider_toml("late", "Late", late, "secret-of-tessera-at-late-0123456789"))
    data = os.path.join(work, "data")
    # Existing password accounts: carol (the provider vouches for her address: linked) and bob
    # (the provider does not: refused).
    for email in ("carol@example.com", "bob@example.com"):
        subprocess.run([args.tessera, "user", "add", email, "--data-dir", data, "--config", config],
                       input=b"a long enough password 1\n", check=True, capture_output=True)
    node = Node(args.tessera, data, config, tessera_port)
    try:
        run_single_node_cases(checks, node, base, a, b, up, late_port)
        audited = {}
        for kind in ("federation.linked", "federation.unlinked", "federation.refused",
                     "login.success"):
            out = subprocess.run([args.tessera, "audit", "--type", kind, "--json", "--limit", "1000",
                                  "--data-dir", data, "--config", config],
                                 capture_output=True, check=True).stdout.decode()
            audited[kind] = [json.loads(line) for line in out.splitlines() if line.strip()]
        reasons = {e["detail"].get("reason") for e in audited["federation.refused"]}
        checks.check("links, unlinks and refusals are audited",
                     len(audited["federation.linked"]) >= 5 and
                     len(audited["federation.unlinked"]) == 1 and
                     {"bad_state", "replayed_state", "issuer_mismatch", "id_token_invalid",
                      "account_exists", "access_denied"} <= reasons and
                     any(e["detail"].get("created") is False for e in audited["federation.linked"]),
                     json.dumps({k: len(v) for k, v in audited.items()}) + " " + str(reasons))
        checks.check("a federated sign-in is a login.success with amr fed",
                     any("fed" in e["detail"].get("amr", []) for e in audited["login.success"]))
    finally:
        node.stop()


def complete(base, provider):
    """A new browser through `provider`'s flow to the callback: (browser, status, text)."""
    browser = Browser()
    url, _ = browser.flow(f"{base}/auth/federation/{provider}/start")
    status, _, text, _ = browser.request(url)
    return browser, status, text


def sign_in_as(ctl, base, provider, account, refuse=False):
    """A new browser through `provider` as `account` (who may refuse): (browser, callback
    status, its text, then /auth/me's status and body)."""
    control(ctl, "/next", {"provider": provider, "account": account, "refuse": refuse})
    browser, status, text = complete(base, provider)
    status_me, body = me(browser, base)
    return browser, status, text, status_me, body


def unlink(browser, base, issuer, sub):
    """POST /auth/federation/unlink as the account page sends it (CSRF double submit)."""
    csrf = browser.jar(base).get("__Host-tessera_csrf", "")
    status, _, text, _ = browser.request(base + "/auth/federation/unlink", method="POST",
                                         body=json.dumps({"issuer": issuer, "sub": sub}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Origin": base, "X-CSRF-Token": csrf})
    return status, text


def signed_in(browser, base):
    status, body = me(browser, base)
    return status == 200 and body is not None


def run_single_node_cases(checks, node, base, a, b, up, late_port):
    ctl = up["control"]

    # The login page: one plain link per provider; the one that is down says so.
    status, _, page, _ = Browser().request(base + "/login")
    checks.check("login page links each provider without a form",
                 status == 200 and 'href="/auth/federation/a/start"' in page and
                 'href="/auth/federation/b/start"' in page and "<form" in page and
                 'action="/auth/federation' not in page, page[:200])
    checks.check("an unreachable provider's button is unavailable",
                 'data-provider="late" aria-disabled="true"' in page and
                 'href="/auth/federation/late/start"' not in page)
    status, _, text, _ = Browser().request(base + "/readyz")
    checks.check("/readyz is ready and names the unreachable provider",
                 status == 200 and json.loads(text).get("unavailable_providers") == ["late"], text)

    # 1. Sign-in with A, a new user (create_users): lands on /account, amr has fed.
    control(ctl, "/next", {"provider": "a", "account": "alice"})
    alice = Browser()
    url, start_cookies = alice.flow(base + "/auth/federation/a/start")
    flow_cookie = [c for c in start_cookies if c.startswith("__Host-tessera_federation=")]
    checks.check("the flow cookie is __Host-, HttpOnly, Secure, SameSite=Lax",
                 len(flow_cookie) == 1 and all(x in flow_cookie[0] for x in
                                               ("HttpOnly", "Secure", "SameSite=Lax", "Path=/")),
                 str(start_cookies))
    flow_jar = dict(alice.jar(base))  # the flow cookie, as an attacker who copied it has it
    status, hdrs, text, _ = alice.request(url)
    checks.check("callback signs in and lands on /account",
                 status == 303 and hdrs["Location"] == base + "/account", f"{status} {text[:300]}")
    status, body = me(alice, base)
    ok = status == 200 and "fed" in body["session"]["amr"] and body["user"]["email"] == "alice@a.test"
    checks.check("/auth/me: amr has fed, the provider's email", ok, str(body))
    ids = body.get("identities", []) if body else []
    checks.check("/auth/me lists the identity (issuer, sub)",
                 [(i["issuer"], i["sub"]) for i in ids] == [(a, "alice")], str(ids))
    # The replayed callback, with the flow cookie it came with (within its 10 minutes), is
    # refused: each state works once.
    replayer = Browser()
    replayer.jars[urllib.parse.urlsplit(base).netloc] = dict(flow_jar)
    status, hdrs, text, cookies = replayer.request(url)
    checks.check("a replayed state is refused with a 4xx page, no session",
                 status == 400 and hdrs.get("Content-Type", "").startswith("text/html") and
                 'data-code="replayed_state"' in text and not signed_in(replayer, base),
                 f"{status} {text[:300]}")
    # A user with one identity and no password cannot unlink it.
    status, text = unlink(alice, base, a, "alice")
    checks.check("unlinking the last way in is refused (409)", status == 409, f"{status} {text}")
    checks.check("... and the identity stays", len(me(alice, base)[1]["identities"]) == 1)

    # 2. A second provider side by side (client_secret_post; the email only in its userinfo
    # answer): another new user.
    dave, status, text, status_me, body = sign_in_as(ctl, base, "b", "dave")
    checks.check("a second provider signs its user in",
                 status == 303 and status_me == 200 and body["user"]["email"] == "dave@b.test" and
                 [(i["issuer"], i["sub"]) for i in body["identities"]] == [(b, "dave")],
                 f"{status} {text[:200]} {body}")

    # private_key_jwt: C authenticates Tessera by a signed assertion (no secret).
    _, status, text, status_me, body = sign_in_as(ctl, base, "c", "frank")
    checks.check("a provider that takes private_key_jwt signs its user in",
                 status == 303 and status_me == 200 and body["user"]["email"] == "frank@c.test",
                 f"{status} {text[:200]} {body}")

    # 3. Linking by verified email: carol has a password account; A vouches for her address.
    carol, status, text, status_me, body = sign_in_as(ctl, base, "a", "carol")
    checks.check("a verified email links to the existing account",
                 status == 303 and status_me == 200 and body["user"]["email"] == "carol@example.com"
                 and len(body["identities"]) == 1, f"{status} {text[:200]} {body}")
    # Carol has a password too: she may unlink A (recent authentication: the sign-in just now).
    status, text = unlink(carol, base, a, "carol")
    checks.check("unlinking with a password left succeeds",
                 status == 204 and me(carol, base)[1]["identities"] == [], f"{status} {text}")

    # 4. An unverified email matching an account is refused, nothing signed in.
    _, status, text, status_me, _ = sign_in_as(ctl, base, "a", "bob")
    checks.check("an unverified email matching an account is refused (4xx, no session)",
                 status == 409 and "already exists" in text and status_me == 401,
                 f"{status} {status_me} {text[:300]}")

    # 5. access_denied: a 4xx page, no session.
    _, status, text, status_me, _ = sign_in_as(ctl, base, "a", "alice", refuse=True)
    checks.check("error=access_denied: a 4xx page, no session",
                 status == 403 and "did not allow" in text and status_me == 401,
                 f"{status} {status_me} {text[:300]}")
    control(ctl, "/next", {"provider": "a", "account": "alice"})

    # 6. State: missing, wrong, another browser's.
    def refused(name, browser, url, want=400):
        status, _, text, cookies = browser.request(url)
        no_session = not any(c.startswith(("__Host-tessera_session=", "__Host-tessera_access="))
                             for c in cookies)
        checks.check(name, status == want and no_session and not signed_in(browser, base),
                     f"{status} {text[:200]} {cookies}")

    x = Browser()
    url, _ = x.flow(base + "/auth/federation/a/start")
    refused("a callback without state is refused", x, with_param(url, "state", None))
    refused("a callback with a wrong state is refused", x, with_param(url, "state", "x" * 43))
    other = Browser()
    other.flow(base + "/auth/federation/a/start")  # the other browser has its own flow cookie
    refused("another browser's state is refused", other, url)
    refused("a callback without the flow cookie is refused", Browser(), url)
    # Mix-up (RFC 9207): the iss of another provider.
    refused("a mix-up (iss of another provider) is refused", x, with_param(url, "iss", b))
    y = Browser()
    url, _ = y.flow(base + "/auth/federation/a/start")
    refused("a callback without the advertised iss is refused", y, with_param(url, "iss", None))

    # 7. Bad ID tokens from the hand-written provider: each refused, no session.
    for mode in ("aud", "iss", "signature", "expired", "nonce_missing", "nonce_wrong", "azp",
                 "none", "hs256"):
        control(ctl, "/rogue", {"mode": mode})
        z = Browser()
        url, _ = z.flow(base + "/auth/federation/rogue/start")
        refused(f"an ID token with a bad {mode} is refused", z, url)
    control(ctl, "/rogue", {"mode": "good"})
    good, status, text = complete(base, "rogue")
    checks.check("the hand-written provider's good token is accepted (the checks above are real)",
                 status == 303 and signed_in(good, base), f"{status} {text[:300]}")
    body = me(good, base)[1] or {"session": {}}
    checks.check("amr is fed plus the upstream's known methods; auth_time is the upstream's",
                 body["session"].get("amr") == ["pwd", "otp", "fed"] and
                 0 < time.time() - body["session"].get("auth_time", 0) < 60 and
                 body["session"]["auth_time"] < body["session"]["created_at"], str(body))

    # The provider rotates its key: the unknown kid makes Tessera fetch the keys again, once; a
    # second new kid right after is refused (refetches are rate-limited), signing nobody in.
    control(ctl, "/rogue", {"mode": "rotated"})
    rotated, status, text = complete(base, "rogue")
    checks.check("a token signed with a new key is accepted after one JWKS refetch",
                 status == 303 and signed_in(rotated, base), f"{status} {text[:200]}")
    time.sleep(0.01)
    again = Browser()
    url, _ = again.flow(base + "/auth/federation/rogue/start")
    refused("another new key within 10 s is refused (refetches are rate-limited)", again, url)
    control(ctl, "/rogue", {"mode": "good"})

    # 8. return_to: allowed exactly; another origin refused at start.
    target = base + "/account?tab=security"
    control(ctl, "/next", {"provider": "a", "account": "alice"})
    r = Browser()
    url, _ = r.flow(base + "/auth/federation/a/start?" + urllib.parse.urlencode({"return_to": target}))
    status, hdrs, _, _ = r.request(url)
    checks.check("an allowed return_to is honoured exactly",
                 status == 303 and hdrs["Location"] == target, f"{status} {hdrs.get('Location')}")
    for evil in ("https://evil.example/", "//evil.example/", "http://127.0.0.1:8/x", "javascript:alert(1)"):
        status, hdrs, text, _ = Browser().request(
            base + "/auth/federation/a/start?" + urllib.parse.urlencode({"return_to": evil}))
        checks.check(f"return_to {evil} is refused at start",
                     status == 400 and "Location" not in hdrs, f"{status} {hdrs.get('Location')}")

    # 9. Step-up: max_age and prompt=login go to the provider.
    status, hdrs, _, _ = Browser().request(base + "/auth/federation/a/start?max_age=0&prompt=login")
    loc = urllib.parse.parse_qs(urllib.parse.urlsplit(hdrs.get("Location", "")).query)
    checks.check("step-up sends max_age and prompt=login to the provider",
                 status == 303 and loc.get("max_age") == ["0"] and loc.get("prompt") == ["login"] and
                 loc.get("code_challenge_method") == ["S256"], str(loc))

    # 10. The provider that was down at start comes back by itself.
    status, _, text, _ = Browser().request(base + "/auth/federation/late/start")
    checks.check("a provider that is down answers 503 at start, not a redirect", status == 503, str(status))
    control(ctl, "/late", {})
    deadline = time.time() + 20
    ready = False
    while time.time() < deadline and not ready:
        status, _, text, _ = Browser().request(base + "/readyz")
        ready = status == 200 and "unavailable_providers" not in json.loads(text)
        if not ready:
            time.sleep(0.5)
    checks.check("a provider down at start is retried and becomes available", ready, text)
    late_user, status, text = complete(base, "late")
    checks.check("sign-in with the provider that came back", status == 303 and signed_in(late_user, base),
                 f"{status} {text[:200]}")


def cluster(args, checks, work, up):
    """Two nodes on one PostgreSQL + Redis: start on node 1, finish on node 2, replay on 1."""
    ports = [free_port(), free_port()]
    a = f"http://127.0.0.1:{up['a']}"
    nodes = []
    # A scratch database and Redis prefix of its own (other suites share the servers).
    name = f"fed_{os.getpid()}_{int(time.time())}"
    subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    dsn = " ".join(w for w in args.postgres.split() if not w.startswith("dbname=")) + f" dbname={name}"
    try:
        cluster_nodes(args, checks, work, up, ports, a, nodes, dsn, name)
    finally:
        for n in nodes:
            n.stop()
        subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE IF EXISTS {name}"],
                       capture_output=True)


def cluster_nodes(args, checks, work, up, ports, a, nodes, dsn, name):
    # The providers know one callback URL: a load balancer's. Both nodes have it as public_url.
    for i, port in enumerate(ports):
        config = os.path.join(work, f"node{i}.toml")
        with open(config, "w") as f:
            f.write(f'[server]\npublic_url = "http://127.0.0.1:{args.public_port}"\n\n')
            f.write(f'[store]\nbackend = "postgres"\npostgres_dsn = "{dsn}"\n\n')
            f.write(f'[cache]\nbackend = "redis"\nredis_url = "{args.redis}"\n'
                    f'redis_prefix = "{name}:"\n\n')
            f.write('[tokens]\nissuer = "http://tessera.cluster"\n\n')
            f.write('[keys]\nencryption_key = "%s"\n\n' % args.encryption_key)
            f.write(provider_toml("a", "Provider A", a, "secret-of-tessera-at-a-0123456789"))
        nodes.append(Node(args.tessera, os.path.join(work, f"data{i}"), config, port))
    control(up["control"], "/next", {"provider": "a", "account": "erin"})
    erin = Browser()
    url, _ = erin.flow(f"http://127.0.0.1:{ports[0]}/auth/federation/a/start")
    # The callback reached the "balancer" port; send it to node 2 with node 1's cookies.
    parts = urllib.parse.urlsplit(url)
    on2 = urllib.parse.urlunsplit(parts._replace(netloc=f"127.0.0.1:{ports[1]}"))
    erin.jars[f"127.0.0.1:{ports[1]}"] = dict(erin.jars[f"127.0.0.1:{ports[0]}"])
    status, _, text, _ = erin.request(on2)
    status_me, body = me(erin, f"http://127.0.0.1:{ports[1]}")
    checks.check("cluster: a flow started on node 1 finishes on node 2",
                 status == 303 and status_me == 200 and "fed" in body["session"]["amr"],
                 f"{status} {text[:200]} {body}")
    replay = Browser()
    replay.jars[f"127.0.0.1:{ports[0]}"] = dict(erin.jars[f"127.0.0.1:{ports[0]}"])
    on1 = urllib.parse.urlunsplit(parts._replace(netloc=f"127.0.0.1:{ports[0]}"))
    status, _, text, _ = replay.request(on1)
    checks.check("cluster: its replay on node 1 is refused", status == 400, f"{status} {text[:200]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tessera", required=True)
    p.add_argument("--postgres", default=os.environ.get("TESSERA_TEST_POSTGRES_DSN", ""))
    p.add_argument("--redis", default=os.environ.get("TESSERA_TEST_REDIS_URL", ""))
    p.add_argument("--cluster-only", action="store_true")
    p.add_argument("--single-only", action="store_true")
    args = p.parse_args()
    if args.cluster_only and not (args.postgres and args.redis):
        # A failure, not a skip: CI has the servers (scripts/test.sh starts them), and a run
        # without them must not look as if the cluster had been tested.
        print("FAIL no TESSERA_TEST_POSTGRES_DSN / TESSERA_TEST_REDIS_URL (scripts/test.sh "
              "starts PostgreSQL and Redis)", flush=True)
        return 1
    args.encryption_key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    checks = Checks()
    tessera_port, late_port = free_port(), free_port()
    args.public_port = tessera_port
    with tempfile.TemporaryDirectory() as work:
        upstream = subprocess.Popen(
            ["node", os.path.join(HERE, "upstreams.mjs"),
             json.dumps({"tessera": f"http://127.0.0.1:{tessera_port}", "late_port": late_port,
                         "key_file": os.path.join(work, "tessera-key.json")})],
            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "upstreams.log"), "w"), cwd=HERE)
        try:
            line = upstream.stdout.readline().decode()
            up = json.loads(line)
            if not args.cluster_only:
                single_node(args, checks, work, up, tessera_port, late_port)
            if not args.single_only and args.postgres and args.redis:
                cluster(args, checks, work, up)
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            checks.check("the suite ran to its end", False, repr(e))
        finally:
            upstream.terminate()
            upstream.wait(timeout=10)
            if checks.failed:
                for name in os.listdir(work):
                    if name.endswith(".log"):
                        print(f"--- {name}\n" + open(os.path.join(work, name)).read()[-3000:])
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
