#!/usr/bin/python3
"""oauth_clients.py - OAuth 2.0 / OpenID Connect client libraries against a running Tessera.

Usage: /usr/bin/python3 oauth_clients.py --tessera PATH_TO_TESSERA [--alg ES256]

Starts `tessera serve` on an ephemeral loopback port with a fresh data dir (tokens.algorithm
--alg), registers with the CLI two confidential clients (client_credentials; one with
client_secret_basic, one with client_secret_post) and, for each library, a user and a public
client (authorization_code + refresh_token, openid email, redirect URI http://127.0.0.1/cb).
Then:
  - openid-client 6 and oauth4webapi 3, each on its own (oauth_clients.mjs): discovery, the
    authorization code flow with PKCE S256, state and nonce (the library validates the callback's
    iss and state and the ID token, its signature from the JWKS included), refresh, userinfo,
    client credentials with both secret methods, introspection (RFC 7662) and revocation
    (RFC 7009); and the library must refuse a callback with another iss, without iss, with
    another state, and an ID token with another nonce or a changed signature;
  - node jose and PyJWT verify the access tokens (typ at+jwt, aud tessera) and the ID token
    (typ JWT, aud the client) from /.well-known/jwks.json with the algorithm pinned to --alg,
    checking iss, aud and the subject; the ID token's at_hash, recomputed here, must match.
Prints `ok   LIB case` / `FAIL LIB case: details`, then `N passed, M failed`; exits 1 on
failure. Stops the server by PID and removes the temporary directory.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tessera_server import HERE, PASSWORD, Checks, Server, jose_verify, pyjwt_verify

LIBS = ["openid-client", "oauth4webapi"]
REDIRECT_URI = "http://127.0.0.1/cb"
CC_SCOPE = "interop.read"
AUDIENCE = "tessera"  # tokens.audience, the default


def at_hash(access_token, alg):
    """OpenID Connect Core 3.1.3.6: the left half of the access token's hash, base64url."""
    digest = (hashlib.sha512 if alg == "EdDSA" else getattr(hashlib, f"sha{alg[-3:]}"))(
        access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:len(digest) // 2]).rstrip(b"=").decode("ascii")


class Suite:
    def __init__(self, server, work, alg):
        self.server, self.work, self.alg = server, work, alg
        self.checks = Checks()
        self.confidential = {
            "basic": self.client_add("--name", "Interop service (basic)", "--type", "confidential",
                                     "--grant", "client_credentials", "--scope", CC_SCOPE),
            "post": self.client_add("--name", "Interop service (post)", "--type", "confidential",
                                    "--auth-method", "client_secret_post",
                                    "--grant", "client_credentials", "--scope", CC_SCOPE),
        }

    def client_add(self, *args):
        return json.loads(self.server.cli(["client", "add", *args]))

    def run_lib(self, lib):
        email = f"{lib}@example.com"
        user_id = self.server.add_user(email)
        public = self.client_add("--name", f"Interop {lib}", "--type", "public",
                                 "--redirect-uri", REDIRECT_URI, "--scope", "openid", "--scope", "email",
                                 "--grant", "authorization_code", "--grant", "refresh_token")
        cfg = {"issuer": self.server.base, "alg": self.alg, "email": email, "password": PASSWORD,
               "user_id": user_id, "redirect_uri": REDIRECT_URI,
               "public_client_id": public["client_id"], "cc_scope": CC_SCOPE,
               **{kind: {k: c[k] for k in ("client_id", "client_secret")}
                  for kind, c in self.confidential.items()}}
        path = os.path.join(self.work, f"{lib}.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        r = subprocess.run(["node", os.path.join(HERE, "oauth_clients.mjs"), path, lib],
                           capture_output=True, timeout=120)
        tokens = None
        for line in r.stdout.decode().splitlines():
            report = json.loads(line)
            if "case" in report:
                self.checks.check(f"{lib} {report['case']}", report["ok"], report["detail"])
            else:
                tokens = report["tokens"]
        if r.returncode != 0 or tokens is None:
            self.checks.check(f"{lib} driver", False, f"exit {r.returncode}: {r.stderr.decode()[-2000:]}")
            return
        self.verify_tokens(lib, cfg, tokens)

    def verify_tokens(self, lib, cfg, tokens):
        jwks = self.server.get_json("/.well-known/jwks.json")
        issuer, public_id = cfg["issuer"], cfg["public_client_id"]
        verifiers = {
            "jose": lambda token, aud, typ: jose_verify(self.work, token, jwks, issuer, aud, typ, self.alg),
            "pyjwt": lambda token, aud, typ: pyjwt_verify(token, jwks, issuer, aud, self.alg, typ),
        }
        # (case, token, audience, typ, the claims it must have)
        user_claims = {"sub": cfg["user_id"], "client_id": public_id}
        cases = [
            ("access token", tokens.get("access_token"), AUDIENCE, "at+jwt", user_claims),
            ("refreshed access token", tokens.get("refreshed_access_token"), AUDIENCE, "at+jwt", user_claims),
            ("ID token", tokens.get("id_token"), public_id, "JWT",
             {"sub": cfg["user_id"], "nonce": tokens.get("nonce")}),
        ] + [(f"client_secret_{kind} token", tokens.get(f"cc_{kind}"), AUDIENCE, "at+jwt",
              {"sub": c["client_id"], "client_id": c["client_id"], "scope": CC_SCOPE})
             for kind, c in self.confidential.items()]
        id_claims = None
        for name, verify in verifiers.items():
            for case, token, aud, typ, want in cases:
                if not token:
                    self.checks.check(f"{lib} {name}: {case}", False, "the library run produced none")
                    continue
                claims, why = verify(token, aud, typ)
                wrong = {k: (claims or {}).get(k) for k, v in want.items() if (claims or {}).get(k) != v}
                self.checks.check(f"{lib} {name}: {case} ({self.alg}, iss, aud, typ {typ})",
                                  claims is not None and claims.get("iss") == issuer and not wrong,
                                  why or f"claims {wrong} differ from {want}")
                if case == "ID token" and claims is not None:
                    id_claims = claims
                    # The same ID token presented as an access token: typ and aud must stop it.
                    bad, _ = verify(token, aud, "at+jwt")
                    self.checks.check(f"{lib} {name}: refuses the ID token as an access token (typ)",
                                      bad is None, f"accepted: {bad}")
        if id_claims is not None and tokens.get("access_token"):
            want = at_hash(tokens["access_token"], self.alg)
            self.checks.check(f"{lib} ID token at_hash matches the access token",
                              id_claims.get("at_hash") == want,
                              f"at_hash {id_claims.get('at_hash')!r}, computed {want!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--alg", default="ES256", help="tokens.algorithm (a public-key one)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tessera-oauth-interop-")
    checks = Checks()
    try:
        with Server(os.path.abspath(args.tessera), os.path.join(work, "data"),
                    env={"TESSERA_TOKENS__ALGORITHM": args.alg}) as server:
            suite = Suite(server, work, args.alg)
            checks = suite.checks
            for lib in LIBS:
                try:
                    suite.run_lib(lib)
                except Exception as e:  # a broken step is a failure, never a skip
                    checks.check(f"{lib} run", False, f"{type(e).__name__}: {e}")
    except Exception as e:
        checks.check("setup", False, f"{type(e).__name__}: {e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
