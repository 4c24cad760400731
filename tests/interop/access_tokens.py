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
import sys
import tempfile
import time
import urllib.request

import jwt  # PyJWT (Debian python3-jwt)

from tessera_server import PASSWORD, Checks, Server, jose_verify, pyjwt_verify

ALGS = ["ES256", "EdDSA", "RS256", "PS256"]


class Suite:
    def __init__(self, tessera, work):
        self.tessera, self.work = tessera, work
        self.checks = Checks()

    def check(self, alg, case, ok, detail=""):
        self.checks.check(f"{alg} {case}", ok, detail)

    def node_verify(self, token, jwks, issuer):
        return jose_verify(self.work, token, jwks, issuer, "tessera")

    @staticmethod
    def pyjwt_verify(token, jwks, issuer):
        return pyjwt_verify(token, jwks, issuer, "tessera")

    def run_alg(self, alg):
        try:
            server = Server(self.tessera, os.path.join(self.work, alg),
                            env={"TESSERA_TOKENS__ALGORITHM": alg})
        except RuntimeError as e:
            self.check(alg, "server starts", False, str(e))
            return
        with server:
            base = server.base
            user = server.add_user(f"{alg.lower()}@example.com")

            def pair():
                req = urllib.request.Request(
                    base + "/auth/token", method="POST",
                    data=json.dumps({"email": f"{alg.lower()}@example.com", "password": PASSWORD}).encode(),
                    headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=30) as r:
                    return json.load(r)["access_token"]

            def jwks():
                return server.get_json("/.well-known/jwks.json")

            token, keys = pair(), jwks()
            for name, verify in (("node-jose", self.node_verify), ("pyjwt", self.pyjwt_verify)):
                claims, why = verify(token, keys, base)
                self.check(alg, f"{name} accepts", claims is not None and claims.get("sub") == user
                           and claims.get("iss") == base and claims.get("aud") == "tessera", why)
                head, body, sig = token.split(".")
                flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
                bad, _ = verify(f"{head}.{body}.{flipped}", keys, base)
                self.check(alg, f"{name} rejects a changed signature", claims is not None and bad is None)

            server.cli(["keys", "rotate", "--emergency"])
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
    return suite.checks.finish()


if __name__ == "__main__":
    sys.exit(main())
