#!/usr/bin/python3
"""access_tokens.py - Tessera's access tokens verified by other libraries from the published JWKS.

Usage: /usr/bin/python3 access_tokens.py --tessera PATH_TO_TESSERA

For each signing algorithm a deployment can configure with a public key (ES256, EdDSA, RS256,
PS256): starts `tessera serve` (tokens.algorithm set through TESSERA_TOKENS__ALGORITHM) on an
ephemeral loopback port with a fresh data dir, adds a user with the CLI, gets a pair from
POST /auth/token, fetches /.well-known/jwks.json and checks that
  - node `jose` (jwtVerify + createLocalJWKSet) and PyJWT (PyJWKSet) accept the token, with
    issuer, audience and the claims Tessera put in it;
  - both reject the token with one signature byte changed;
  - after `tessera keys rotate --emergency`, both reject it against the JWKS the server then
    publishes (the old key is gone), while a token issued after the rotation verifies.
Prints `ok ALG case` / `FAIL ALG case: details`, then `N passed, M failed`; exits 1 on failure.
Stops every server it started, by PID.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import jwt  # PyJWT (Debian python3-jwt)

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "interop password 1"
ALGS = ["ES256", "EdDSA", "RS256", "PS256"]


class Suite:
    def __init__(self, tessera, work):
        self.tessera, self.work = tessera, work
        self.passed = self.failed = 0

    def check(self, alg, case, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {alg} {case}")
        else:
            self.failed += 1
            print(f"FAIL {alg} {case}: {detail}")

    def cli(self, args, data, stdin=""):
        r = subprocess.run([self.tessera, *args, "--data-dir", data], input=stdin.encode(),
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"tessera {' '.join(args)}: {r.stderr.decode()}")
        return r.stdout.decode()

    def node_verify(self, token, jwks, issuer):
        path = os.path.join(self.work, "jwks.json")
        with open(path, "w") as f:
            json.dump(jwks, f)
        r = subprocess.run(["node", os.path.join(HERE, "jwks_verify.mjs"), path, issuer, "tessera"],
                           input=token.encode(), capture_output=True, timeout=60)
        return (json.loads(r.stdout) if r.returncode == 0 else None), r.stderr.decode()

    @staticmethod
    def pyjwt_verify(token, jwks, issuer):
        try:
            kid = jwt.get_unverified_header(token)["kid"]
            jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
            # The algorithm comes from the published key, never from the token's header.
            return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]],
                              audience="tessera", issuer=issuer), ""
        except Exception as e:  # any refusal: PyJWT raises, a missing kid is StopIteration
            return None, f"{type(e).__name__}: {e}"

    def run_alg(self, alg):
        data = os.path.join(self.work, alg)
        env = dict(os.environ, TESSERA_TOKENS__ALGORITHM=alg)
        server = subprocess.Popen([self.tessera, "serve", "--listen", "127.0.0.1:0", "--data-dir", data],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            line = server.stdout.readline().decode().strip()
            if not line.startswith("listening on "):
                self.check(alg, "server starts", False, line)
                return
            base = line[len("listening on "):]
            user = self.cli(["user", "add", f"{alg.lower()}@example.com"], data, PASSWORD + "\n").strip()

            def pair():
                req = urllib.request.Request(
                    base + "/auth/token", method="POST",
                    data=json.dumps({"email": f"{alg.lower()}@example.com", "password": PASSWORD}).encode(),
                    headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=30) as r:
                    return json.load(r)["access_token"]

            def jwks():
                with urllib.request.urlopen(base + "/.well-known/jwks.json", timeout=30) as r:
                    return json.load(r)

            token, keys = pair(), jwks()
            for name, verify in (("node-jose", self.node_verify), ("pyjwt", self.pyjwt_verify)):
                claims, why = verify(token, keys, base)
                self.check(alg, f"{name} accepts", claims is not None and claims.get("sub") == user
                           and claims.get("iss") == base and claims.get("aud") == "tessera", why)
                head, body, sig = token.split(".")
                flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
                bad, _ = verify(f"{head}.{body}.{flipped}", keys, base)
                self.check(alg, f"{name} rejects a changed signature", claims is not None and bad is None)

            self.cli(["keys", "rotate", "--emergency"], data)
            deadline = time.monotonic() + 5
            fresh = jwks()
            old_kid = jwt.get_unverified_header(token)["kid"]
            while any(k["kid"] == old_kid for k in fresh["keys"]) and time.monotonic() < deadline:
                time.sleep(0.05)
                fresh = jwks()
            new_token = pair()
            for name, verify in (("node-jose", self.node_verify), ("pyjwt", self.pyjwt_verify)):
                old, _ = verify(token, fresh, base)
                new, why = verify(new_token, fresh, base)
                self.check(alg, f"{name} after emergency rotation: old rejected, new accepted",
                           old is None and new is not None, why)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tessera", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tessera-access-interop-")
    suite = Suite(os.path.abspath(args.tessera), work)
    try:
        for alg in ALGS:
            try:
                suite.run_alg(alg)
            except Exception as e:  # a broken step is a failure, never a skip
                suite.check(alg, "run", False, f"{type(e).__name__}: {e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{suite.passed} passed, {suite.failed} failed")
    return 1 if suite.failed or suite.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
