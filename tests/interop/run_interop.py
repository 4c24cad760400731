#!/usr/bin/python3
"""run_interop.py - cross-implementation JWS/JWT interop suite for Tessera.

Usage: /usr/bin/python3 run_interop.py --tessera PATH_TO_TESSERA [--algs A,B] [--peers P,Q]
                                       [--jobs N] [--keep] [--verbose]

For every algorithm (HS256..HS512, RS*, PS*, ES256/384/512, EdDSA) and every peer
(node-jose = panva/jose via node_peer.mjs, pyjwt and jwcrypto via py_peer.py):

  tessera -> peer   Tessera generates a key, derives its public JWK (`keys public`) and signs a
                    ~300-byte claims payload (`jws sign`); the peer verifies it with the public JWK
                    pinned to the algorithm and must return exactly the signed bytes.
  peer -> tessera   the peer generates a key and signs the claims; `tessera jws verify` must print
                    exactly the payload (with the peer's JWK as is, and with "alg" removed plus
                    --alg), and `tessera token verify` must accept it and print the same claims.
  attacks           each must be tried and seen to fail: a flipped signature byte (jws verify and
                    token verify), a key of another algorithm, the same key material relabelled with
                    another algorithm, alg "none", an expired token and a wrong audience (Tessera
                    side); a Tessera token checked with a different key of the same algorithm
                    (peer side). An attack counts as passed only if its positive control (same
                    token or key, honestly used) passed too: rejecting everything proves nothing.

Prints one line per case, `ok  ALG peer case` or `FAIL ALG peer case: details`, then exactly
`N passed, M failed`; exits 1 when any case failed. Peers run as subprocesses; everything is
written under a temporary directory that is removed at the end (kept with --keep).
"""

import argparse
import base64
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's python: it has python3-jwt and python3-jwcrypto
NODE = shutil.which("node") or "/usr/bin/node"

ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "EdDSA"]
PEERS = {
    "node-jose": [NODE, os.path.join(HERE, "node_peer.mjs")],
    "pyjwt": [PY, os.path.join(HERE, "py_peer.py"), "--lib", "pyjwt"],
    "jwcrypto": [PY, os.path.join(HERE, "py_peer.py"), "--lib", "jwcrypto"],
}

KTY = {"HS": "oct", "RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "EdDSA": "Ed25519"}
PUBLIC_MEMBERS = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x"), "oct": ("k",)}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
HS_SIZE = {"HS256": 32, "HS384": 48, "HS512": 64}

# A key of another algorithm that Tessera must refuse for a token of ALG (the peer's own key).
CROSS_ALG = {
    "HS256": "RS256", "HS384": "ES384", "HS512": "EdDSA",
    "RS256": "PS256", "RS384": "PS384", "RS512": "PS512",
    "PS256": "RS256", "PS384": "RS384", "PS512": "RS512",
    "ES256": "ES384", "ES384": "ES512", "ES512": "ES256", "EdDSA": "HS256",
}
# The SAME key material labelled with another algorithm of the same family: a verifier that took
# the algorithm from the token instead of the key would accept these. (EC/OKP keys fix their
# algorithm through the curve, so there is nothing to relabel.)
RELABEL = {
    "HS256": "HS512", "HS384": "HS256", "HS512": "HS384",
    "RS256": "RS384", "RS384": "RS512", "RS512": "RS256",
    "PS256": "PS384", "PS384": "PS512", "PS512": "PS256",
}
NONE_CASINGS = ["none", "None", "NONE", "nOnE"]

ISS = "https://auth.interop.tessera.test"
AUD = "https://api.interop.tessera.test"
TYP = "at+jwt"
TIMEOUT = 60  # seconds per subprocess


# ------------------------------------------------------------------ helpers
def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kty_of(alg: str) -> str:
    return KTY[alg[:2]]


def public_jwk(jwk: dict) -> dict:
    """The public half of a JWK, built from an allow-list (for oct: the key itself)."""
    members = ("kty",) + PUBLIC_MEMBERS[jwk["kty"]] + ("alg", "kid", "use")
    return {m: jwk[m] for m in members if m in jwk}


def clip(data, limit=400) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    data = data.strip()
    return data if len(data) <= limit else data[:limit] + f"...(+{len(data) - limit} chars)"


def diff_hint(expected: bytes, got: bytes) -> str:
    """Where output that should be exactly `expected` differs from it (empty when equal)."""
    if got == expected:
        return ""
    n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    return (f"(output differs from the expected {len(expected)} bytes: got {len(got)} bytes, "
            f"first difference at byte {n}: expected {expected[n:n + 16]!r}, got {got[n:n + 16]!r}) ")


class Proc:
    def __init__(self, argv, stdin: bytes, rc: int, out: bytes, err: bytes):
        self.argv, self.stdin, self.rc, self.out, self.err = argv, stdin, rc, out, err

    def describe(self) -> str:
        cmd = " ".join(self.argv)
        return (f"[$ {cmd} <stdin {clip(self.stdin, 120)!r}> -> exit {self.rc}; "
                f"stdout {clip(self.out)!r}; stderr {clip(self.err)!r}]")


def run(argv, stdin: bytes = b"", cwd=None) -> Proc:
    try:
        cp = subprocess.run(argv, input=stdin, capture_output=True, timeout=TIMEOUT, cwd=cwd)
        return Proc(argv, stdin, cp.returncode, cp.stdout, cp.stderr)
    except subprocess.TimeoutExpired as e:
        return Proc(argv, stdin, -999, e.stdout or b"", (e.stderr or b"") + b" <TIMEOUT>")
    except OSError as e:
        return Proc(argv, stdin, -998, b"", str(e).encode())


class Blocked(Exception):
    """A prerequisite step failed; the cases that need it are reported as failed."""


class Results:
    def __init__(self, alg: str):
        self.alg = alg
        self.lines = []  # (ok, peer, case, detail)

    def check(self, peer: str, case: str, ok: bool, detail: str = "") -> bool:
        self.lines.append((bool(ok), peer, case, detail))
        return bool(ok)

    def rejected(self, peer: str, case: str, control: bool, p: "Proc", who: str) -> bool:
        """An attack passes only if it was refused (exit 1, nothing printed) AND its positive
        control passed: a verifier that rejects everything proves nothing."""
        if not control:
            return self.check(peer, case, False,
                              f"not meaningful: its positive control failed {p.describe()}")
        return self.check(peer, case, p.rc == 1 and p.out == b"",
                          f"{who} must exit 1 and print nothing {p.describe()}")

    def blocked(self, peer: str, cases, why: str):
        for case in cases:
            self.lines.append((False, peer, case, f"not run: {why}"))


# ------------------------------------------------------------------ the suite
class Suite:
    def __init__(self, tessera: str, workdir: str, algs, peers, verbose=False):
        self.verbose = verbose
        self.tessera_bin = tessera
        self.workdir = workdir
        self.algs = algs
        self.peers = peers
        self.now = int(time.time())

    # -- processes
    def tessera(self, args, stdin: bytes = b"") -> Proc:
        # cwd is the scratch dir so nothing Tessera might create lands in the source tree.
        return run([self.tessera_bin] + args, stdin, cwd=self.workdir)

    def peer(self, name: str, args, stdin: bytes = b"") -> Proc:
        return run(PEERS[name] + args, stdin, cwd=self.workdir)

    def write_json(self, name: str, obj) -> str:
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        return path

    # -- data
    def claims(self, alg: str, peer: str, audience_list: bool) -> dict:
        return {
            "iss": ISS,
            "sub": str(uuid.uuid4()),
            "aud": [AUD, "https://billing.interop.tessera.test"] if audience_list else AUD,
            "iat": self.now - 5,
            "exp": self.now + 900,
            "auth_time": self.now - 60,
            "jti": b64u_encode(os.urandom(16)),
            "sid": b64u_encode(os.urandom(12)),
            "roles": ["user", "billing:read"],
            "scope": "openid profile email",
            "client_id": f"interop-{peer}-{alg.lower()}",
            "name": "Zoë Łukasiewicz 東京",  # non-ASCII UTF-8: payload bytes must survive as is
        }

    @staticmethod
    def encode_claims(claims: dict) -> bytes:
        return json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    # -- checks shared by steps
    @staticmethod
    def check_header(token: str, alg: str, kid: str):
        """None when token is a compact JWS whose protected header is exactly {alg, typ, kid}."""
        parts = token.split(".")
        if len(parts) != 3 or not all(parts[:1] + parts[2:]):
            return f"not a compact JWS with 3 non-empty parts: {token[:80]!r}"
        try:
            header = json.loads(b64u_decode(parts[0]))
        except ValueError as e:
            return f"header does not decode: {e}"
        want = {"alg": alg, "typ": TYP, "kid": kid}
        if header != want:
            return f"header {header} != {want}"
        return None

    @staticmethod
    def check_private_jwk(jwk, alg: str, kid: str):
        if not isinstance(jwk, dict):
            return "not a JSON object"
        want_kty = kty_of(alg)
        if jwk.get("kty") != want_kty:
            return f"kty {jwk.get('kty')!r} != {want_kty!r}"
        if jwk.get("alg") != alg or jwk.get("kid") != kid:
            return f"alg/kid {jwk.get('alg')!r}/{jwk.get('kid')!r} != {alg!r}/{kid!r}"
        if alg in CRV and jwk.get("crv") != CRV[alg]:
            return f"crv {jwk.get('crv')!r} != {CRV[alg]!r}"
        missing = [m for m in PUBLIC_MEMBERS[want_kty] if m not in jwk]
        if want_kty != "oct" and "d" not in jwk:
            missing.append("d")
        if missing:
            return f"missing members {missing}"
        if want_kty == "oct" and len(b64u_decode(jwk["k"])) < HS_SIZE[alg]:
            return f"oct key shorter than {HS_SIZE[alg]} bytes"
        if want_kty == "RSA" and len(b64u_decode(jwk["n"]).lstrip(b"\0")) * 8 < 2048:
            return "RSA modulus shorter than 2048 bits"
        return None

    # ---------------------------------------------------------- phase 1: keys and Tessera tokens
    def tessera_setup(self, alg: str, res: Results) -> dict:
        """Tessera key, public key and a Tessera-signed token for alg; raises Blocked on failure."""
        kid = f"tessera-{alg.lower()}"
        p = self.tessera(["keys", "generate", "--alg", alg, "--kid", kid])
        try:
            priv = json.loads(p.out) if p.rc == 0 else None
        except ValueError:
            priv = None
        problem = "exit status" if p.rc != 0 else (
            "stdout is not a JSON object" if priv is None else self.check_private_jwk(priv, alg, kid))
        if not res.check("tessera", "keys generate", problem is None, f"{problem} {p.describe()}"):
            raise Blocked("tessera keys generate failed")
        priv_path = self.write_json(f"tessera-{alg}-priv.json", priv)

        if kty_of(alg) == "oct":
            pub, pub_path = priv, priv_path  # HMAC: the verifier holds the same secret
        else:
            p = self.tessera(["keys", "public"], json.dumps(priv).encode())
            try:
                pub = json.loads(p.out) if p.rc == 0 else None
            except ValueError:
                pub = None
            problem = None
            if p.rc != 0:
                problem = "exit status"
            elif not isinstance(pub, dict):
                problem = "stdout is not a JSON object"
            else:
                leaked = [m for m in PRIVATE_MEMBERS if m in pub]
                want = public_jwk(priv)
                differs = {m: pub.get(m) for m in want if pub.get(m) != want[m]}
                if leaked:
                    problem = f"public JWK carries private members {leaked}"
                elif differs:
                    problem = f"public JWK differs from the private key's public part: {differs}"
            if not res.check("tessera", "keys public", problem is None, f"{problem} {p.describe()}"):
                raise Blocked("tessera keys public failed")
            pub_path = self.write_json(f"tessera-{alg}-pub.json", pub)

        payload = self.encode_claims(self.claims(alg, "tessera", audience_list=False))
        p = self.tessera(["jws", "sign", "--jwk", priv_path, "--alg", alg, "--kid", kid,
                          "--typ", TYP], payload)
        token = p.out.decode("ascii", errors="replace").strip()
        problem = "exit status" if p.rc != 0 else self.check_header(token, alg, kid)
        if problem is None and b64u_decode(token.split(".")[1]) != payload:
            problem = "payload segment is not the bytes given on stdin"
        if problem is None and any(c in token for c in "+/= \n"):
            problem = "token is not compact base64url"
        if not res.check("tessera", "jws sign", problem is None, f"{problem} {p.describe()}"):
            raise Blocked("tessera jws sign failed")
        return {"kid": kid, "priv": priv, "pub": pub, "pub_path": pub_path,
                "payload": payload, "token": token}

    def peer_genkey(self, peer: str, alg: str, res: Results) -> dict:
        kid = f"{peer}-{alg.lower()}"
        p = self.peer(peer, ["genkey", "--alg", alg, "--kid", kid])
        try:
            priv = json.loads(p.out) if p.rc == 0 else None
        except ValueError:
            priv = None
        problem = "exit status" if p.rc != 0 else (
            "stdout is not a JSON object" if priv is None else self.check_private_jwk(priv, alg, kid))
        if not res.check(peer, "peer genkey", problem is None, f"{problem} {p.describe()}"):
            raise Blocked(f"{peer} genkey failed")
        pub = public_jwk(priv)
        return {"kid": kid, "priv": priv, "pub": pub,
                "priv_path": self.write_json(f"{peer}-{alg}-priv.json", priv),
                "pub_path": self.write_json(f"{peer}-{alg}-pub.json", pub)}

    # ---------------------------------------------------------- phase 2: the cases
    def tessera_to_peer(self, alg, peer, t, own, res: Results):
        # a. the peer verifies Tessera's token with Tessera's public JWK, pinned to alg.
        p = self.peer(peer, ["verify", "--jwk", t["pub_path"], "--alg", alg],
                      (t["token"] + "\n").encode())
        control = res.check(peer, "tessera->peer verify", p.rc == 0 and p.out == t["payload"],
                  f"peer must exit 0 and print exactly the signed payload "
                  f"{diff_hint(t['payload'], p.out) if p.rc == 0 else ''}{p.describe()}")
        # c. ...and rejects it with a different key of the same algorithm (its own key).
        if own is None:
            res.blocked(peer, ["attack: tessera token + other key of same alg, peer rejects"],
                        "no peer key")
            return
        p = self.peer(peer, ["verify", "--jwk", own["pub_path"], "--alg", alg],
                      (t["token"] + "\n").encode())
        res.rejected(peer, "attack: tessera token + other key of same alg, peer rejects", control, p,
                     "the peer")

    def peer_to_tessera(self, alg, peer, own, keys_of_peer, res: Results):
        names = ["peer sign", "peer->tessera jws verify", "peer->tessera jws verify --alg (jwk without alg)",
                 "peer->tessera token verify", "attack: flipped signature byte, tessera jws verify rejects",
                 "attack: flipped signature byte, tessera token verify rejects",
                 f"attack: key of another alg ({CROSS_ALG[alg]}), tessera rejects",
                 "attack: alg none, tessera rejects", "attack: expired token, tessera token verify rejects",
                 "attack: wrong audience, tessera token verify rejects"]
        if alg in RELABEL:
            names.append(f"attack: same key relabelled {RELABEL[alg]}, tessera rejects")
        claims = self.claims(alg, peer, audience_list=(peer == "pyjwt"))
        payload = self.encode_claims(claims)
        p = self.peer(peer, ["sign", "--jwk", own["priv_path"], "--alg", alg, "--kid", own["kid"]],
                      payload)
        token = p.out.decode("ascii", errors="replace").strip()
        problem = "exit status" if p.rc != 0 else self.check_header(token, alg, own["kid"])
        if not res.check(peer, names[0], problem is None, f"{problem} {p.describe()}"):
            res.blocked(peer, names[1:], "peer sign failed")
            return
        stdin = (token + "\n").encode()

        # b. Tessera verifies the peer's token with the peer's public JWK...
        p = self.tessera(["jws", "verify", "--jwk", own["pub_path"]], stdin)
        ctl_jws = res.check(peer, names[1], p.rc == 0 and p.out == payload,
                  f"tessera must exit 0 and print exactly the payload "
                  f"{diff_hint(payload, p.out) if p.rc == 0 else ''}{p.describe()}")
        # ...also when the JWK does not name its algorithm and --alg does.
        bare = {k: v for k, v in own["pub"].items() if k != "alg"}
        bare_path = self.write_json(f"{peer}-{alg}-pub-noalg.json", bare)
        p = self.tessera(["jws", "verify", "--jwk", bare_path, "--alg", alg], stdin)
        res.check(peer, names[2], p.rc == 0 and p.out == payload,
                  f"tessera must exit 0 and print exactly the payload "
                  f"{diff_hint(payload, p.out) if p.rc == 0 else ''}{p.describe()}")
        # ...and as an RFC 9068 access token against a JWKS.
        jwks_path = self.write_json(f"{peer}-{alg}-jwks.json", {"keys": [own["pub"]]})
        token_args = ["token", "verify", "--jwks", jwks_path, "--iss", ISS, "--aud", AUD]
        p = self.tessera(token_args + ["--now", str(self.now)], stdin)
        try:
            got = json.loads(p.out) if p.rc == 0 else None
        except ValueError:
            got = "<not JSON>"
        ctl_token = res.check(peer, names[3], p.rc == 0 and got == claims,
                  f"tessera must exit 0 and print the claims {json.dumps(claims, ensure_ascii=False)} "
                  f"{p.describe()}")

        # c. attacks, each tried against Tessera and seen to fail.
        head, body, sig = token.split(".")
        raw_sig = bytearray(b64u_decode(sig))
        raw_sig[len(raw_sig) // 2] ^= 0x01
        flipped = f"{head}.{body}.{b64u_encode(bytes(raw_sig))}\n".encode()
        p = self.tessera(["jws", "verify", "--jwk", own["pub_path"]], flipped)
        res.rejected(peer, names[4], ctl_jws, p, "tessera")
        p = self.tessera(token_args + ["--now", str(self.now)], flipped)
        res.rejected(peer, names[5], ctl_token, p, "tessera")

        other = keys_of_peer.get(CROSS_ALG[alg])
        if other is None:
            res.blocked(peer, [names[6]], f"no {peer} key for {CROSS_ALG[alg]}")
        else:
            # Same kid as the token, so only the algorithm (or key type) can tell them apart.
            impostor = dict(other["pub"], kid=own["kid"])
            impostor_path = self.write_json(f"{peer}-{alg}-as-{CROSS_ALG[alg]}-key.json", impostor)
            p = self.tessera(["jws", "verify", "--jwk", impostor_path], stdin)
            res.rejected(peer, names[6], ctl_jws, p, "tessera")

        none_alg = NONE_CASINGS[ALGS.index(alg) % len(NONE_CASINGS)]
        none_head = b64u_encode(json.dumps({"alg": none_alg, "typ": TYP, "kid": own["kid"]},
                                           separators=(",", ":")).encode())
        p = self.tessera(["jws", "verify", "--jwk", own["pub_path"]], f"{none_head}.{body}.\n".encode())
        res.rejected(peer, names[7] + f" ({none_alg!r})", ctl_jws, p, "tessera")

        late = claims["exp"] + 3600  # far beyond any sane leeway
        p = self.tessera(token_args + ["--now", str(late)], stdin)
        res.rejected(peer, names[8], ctl_token, p, "tessera")
        p = self.tessera(["token", "verify", "--jwks", jwks_path, "--iss", ISS,
                          "--aud", "https://elsewhere.interop.tessera.test", "--now", str(self.now)], stdin)
        res.rejected(peer, names[9], ctl_token, p, "tessera")

        if alg in RELABEL:
            self.relabel_attack(alg, peer, own, payload, stdin, ctl_jws, res, names[10])

    def relabel_attack(self, alg, peer, own, payload, token_stdin: bytes, ctl_jws: bool,
                       res: Results, name):
        """Same key material, other alg on the JWK: only pinning the alg to the key rejects it."""
        other = RELABEL[alg]
        if kty_of(alg) == "oct":
            # The secret must be long enough for both algorithms: use a fresh 64-byte one.
            secret = b64u_encode(os.urandom(64))
            key = {"kty": "oct", "k": secret, "alg": alg, "kid": f"{peer}-{alg.lower()}-long"}
            key_path = self.write_json(f"{peer}-{alg}-long.json", key)
            p = self.peer(peer, ["sign", "--jwk", key_path, "--alg", alg, "--kid", key["kid"]], payload)
            if p.rc != 0:
                res.check(peer, name, False, f"peer could not sign with a 64-byte secret {p.describe()}")
                return
            stdin = p.out.strip() + b"\n"
            # Control: with the right label the token verifies, so a rejection below is the label's.
            ctl = self.tessera(["jws", "verify", "--jwk", key_path], stdin)
            if ctl.rc != 0 or ctl.out != payload:
                res.check(peer, name, False, f"not meaningful: the control (same token, key with "
                          f"the right alg) failed {ctl.describe()}")
                return
            control = True
            relabelled = dict(key, alg=other)
        else:
            # The control is the "peer->tessera jws verify" case: same token, same key, right label.
            stdin = token_stdin
            control = ctl_jws
            relabelled = dict(own["pub"], alg=other)
        rel_path = self.write_json(f"{peer}-{alg}-as-{other}.json", relabelled)
        p = self.tessera(["jws", "verify", "--jwk", rel_path], stdin)
        res.rejected(peer, name, control, p, "tessera")

    # ---------------------------------------------------------- orchestration
    def run_alg(self, alg: str, tessera_setup, peer_keys) -> Results:
        res = Results(alg)
        try:
            self.run_alg_cases(alg, tessera_setup, peer_keys, res)
        except Exception as e:  # a driver bug must show up as a failure, never as a pass
            res.check("driver", "run_alg", False, f"{type(e).__name__}: {e}")
        return res

    def run_alg_cases(self, alg: str, tessera_setup, peer_keys, res: Results):
        res.lines.extend(tessera_setup[1].lines)
        t = tessera_setup[0]
        for peer in self.peers:
            own, own_res = peer_keys[(peer, alg)]
            res.lines.extend(own_res.lines)
            if t is None:
                res.blocked(peer, ["tessera->peer verify",
                                   "attack: tessera token + other key of same alg, peer rejects"],
                            "tessera setup failed")
            else:
                self.tessera_to_peer(alg, peer, t, own, res)
            if own is None:
                res.blocked(peer, ["peer->tessera (all cases)"], "peer genkey failed")
            else:
                keys_of_peer = {a: k for (p_, a), (k, _) in peer_keys.items() if p_ == peer and k}
                self.peer_to_tessera(alg, peer, own, keys_of_peer, res)

    def run(self, jobs: int):
        def guarded(fn, *args):
            res = Results(args[-1])
            try:
                return fn(*args, res), res
            except Blocked:
                return None, res
            except Exception as e:  # a driver bug must show up as a failure, never as a pass
                res.check("driver", fn.__name__, False, f"{type(e).__name__}: {e}")
                return None, res

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            # Phase 1: every key (peer RSA generation is the slow part) and every Tessera token.
            t_futs = {alg: pool.submit(guarded, self.tessera_setup, alg) for alg in self.algs}
            k_futs = {(peer, alg): pool.submit(guarded, self.peer_genkey, peer, alg)
                      for alg in self.algs for peer in self.peers}
            t_setup = {alg: f.result() for alg, f in t_futs.items()}
            peer_keys = {k: f.result() for k, f in k_futs.items()}
            # The cross-alg attack needs the peer's key of another algorithm, even when --algs
            # narrowed the run: make those keys too.
            for alg in self.algs:
                for peer in self.peers:
                    if (peer, CROSS_ALG[alg]) not in peer_keys:
                        peer_keys[(peer, CROSS_ALG[alg])] = guarded(self.peer_genkey, peer,
                                                                    CROSS_ALG[alg])
                        peer_keys[(peer, CROSS_ALG[alg])][1].lines.clear()  # not a case here
            # Phase 2: the cases, per algorithm, printed in a fixed order.
            futs = [pool.submit(self.run_alg, alg, t_setup[alg], peer_keys) for alg in self.algs]
            passed = failed = 0
            for fut in futs:
                res = fut.result()
                for ok, peer, case, detail in res.lines:
                    if ok:
                        passed += 1
                        print(f"ok  {res.alg} {peer} {case}" + (f" -- {detail}" if self.verbose else ""),
                              flush=True)
                    else:
                        failed += 1
                        print(f"FAIL {res.alg} {peer} {case}: {detail}", flush=True)
        return passed, failed


def preflight(args):
    """Problems that make the whole run meaningless; each is one failure."""
    problems = []
    if not (os.path.isfile(args.tessera) and os.access(args.tessera, os.X_OK)):
        problems.append(f"tessera binary {args.tessera!r} is not an executable file")
    if "node-jose" in args.peers:
        if not os.path.isfile(os.path.join(HERE, "node_modules", "jose", "package.json")):
            problems.append(f"{HERE}/node_modules/jose missing: run `npm ci` in tests/interop "
                            "(scripts/install-deps.sh does)")
        elif not os.access(NODE, os.X_OK):
            problems.append("node not found")
    if {"pyjwt", "jwcrypto"} & set(args.peers):
        p = run([PY, "-c", "import jwt, jwcrypto, cryptography"])
        if p.rc != 0:
            problems.append(f"{PY} lacks python3-jwt/python3-jwcrypto: {clip(p.err)}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description="Tessera JWS/JWT interop suite")
    ap.add_argument("--tessera", required=True, help="path to the tessera binary")
    ap.add_argument("--algs", default=",".join(ALGS), help="comma-separated subset of algorithms")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of peers")
    ap.add_argument("--jobs", type=int, default=(os.cpu_count() or 2) + 1)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--verbose", action="store_true",
                    help="show the command and output behind passing cases too")
    args = ap.parse_args()
    args.tessera = os.path.abspath(args.tessera)
    args.algs = [a for a in args.algs.split(",") if a]
    args.peers = [p for p in args.peers.split(",") if p]
    bad = [a for a in args.algs if a not in ALGS] + [p for p in args.peers if p not in PEERS]
    if bad or not args.algs or not args.peers:
        ap.error(f"unknown or empty --algs/--peers: {bad}")

    started = time.monotonic()
    problems = preflight(args)
    if problems:
        for problem in problems:
            print(f"FAIL setup: {problem}")
        print(f"0 passed, {len(problems)} failed")
        return 1

    workdir = tempfile.mkdtemp(prefix="tessera-interop-")
    try:
        passed, failed = Suite(args.tessera, workdir, args.algs, args.peers, args.verbose).run(max(1, args.jobs))
    finally:
        if args.keep:
            print(f"# scratch directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"# {len(args.algs)} algorithms x {len(args.peers)} peers in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    if failed and not args.keep:
        print("# rerun with --keep to keep the files named in the failures", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
