"""tessera_server.py - what the interop tests that run a real `tessera serve` share.

  Checks        counts cases and prints `ok   NAME` / `FAIL NAME: details`, then the summary;
  Server        `tessera serve --listen 127.0.0.1:0` on a data dir, its announced URL, the CLI
                on the same data dir, GET of a JSON document; stopped by PID;
  jose_verify   a JWT verified by node `jose` (jwks_verify.mjs) from a JWKS;
  pyjwt_verify  the same with PyJWT (Debian python3-jwt);
  post_json     a JSON POST without Origin (a non-browser client): its status and parsed body.
"""

import json
import os
import subprocess
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "interop password 1"


def post_json(url, body):
    """(status, parsed body) of a JSON POST; no Origin header (a non-browser client)."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)
        return bool(ok)

    def finish(self):
        """Prints `N passed, M failed`; the exit status (1 on a failure or when nothing ran)."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed or self.passed == 0 else 0


def stop_process(proc):
    """SIGTERM, then SIGKILL after 10 s: a process this suite started, by its PID."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """`tessera serve` on an ephemeral loopback port with its own data dir; a context manager."""

    def __init__(self, tessera, data, env=None, args=()):
        """args: more `serve` flags (e.g. --config FILE; --listen and --data-dir win over it)."""
        self.tessera, self.data = tessera, data
        self.proc = subprocess.Popen([tessera, "serve", "--listen", "127.0.0.1:0", "--data-dir", data,
                                      *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"tessera serve did not start: {line!r}")
        self.base = line[len("listening on "):]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        stop_process(self.proc)

    def cli(self, args, stdin=""):
        r = subprocess.run([self.tessera, *args, "--data-dir", self.data], input=stdin.encode(),
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"tessera {' '.join(args)}: {r.stderr.decode()}")
        return r.stdout.decode()

    def add_user(self, email):
        """The new user's id."""
        return self.cli(["user", "add", email], PASSWORD + "\n").strip()

    def get_json(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            return json.load(r)


def jose_verify(work, token, jwks, issuer, audience, typ="at+jwt", alg=None):
    """(claims, "") when node jose accepts token, else (None, why)."""
    path = os.path.join(work, "jwks.json")
    with open(path, "w") as f:
        json.dump(jwks, f)
    args = [typ] + ([alg] if alg else [])
    r = subprocess.run(["node", os.path.join(HERE, "jwks_verify.mjs"), path, issuer, audience, *args],
                       input=token.encode(), capture_output=True, timeout=60)
    return (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr.decode()


def pyjwt_verify(token, jwks, issuer, audience, alg=None, typ=None):
    """(claims, "") when PyJWT accepts token, else (None, why). The algorithm is alg, or the
    published key's: never the token header's."""
    import jwt  # PyJWT (Debian python3-jwt), here: the rest of this file also serves the CLI test
    try:
        header = jwt.get_unverified_header(token)
        jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        if typ is not None and header.get("typ") != typ:
            raise ValueError(f"typ {header.get('typ')!r} != {typ!r}")
        return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[alg or jwk["alg"]],
                          audience=audience, issuer=issuer), ""
    except Exception as e:  # any refusal: PyJWT raises, a missing kid is StopIteration
        return None, f"{type(e).__name__}: {e}"
