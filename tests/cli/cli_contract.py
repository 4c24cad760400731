#!/usr/bin/python3
"""The CLI contract of the foundation issue, checked against the real binary.

Exit codes: 0 valid / done, 1 token judged invalid (one-line reason on stderr), 2 unusable
input (flags, files, malformed keys) with a clear message. Never a crash (signal) or a hang
(every call has a timeout), whatever the input.

Usage: cli_contract.py --tessera PATH
"""
import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile

results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
        print(f"ok    {name}")
    else:
        results["failed"] += 1
        print(f"FAIL  {name} {detail}")


def run(tessera, args, stdin=b"", timeout=20):
    p = subprocess.run([tessera] + args, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    t = ap.parse_args().tessera
    tmp = tempfile.mkdtemp(prefix="tessera-cli-")
    path = lambda name: os.path.join(tmp, name)

    def write(name, data):
        with open(path(name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path(name)

    # keys generate / public
    rc, out, err = run(t, ["keys", "generate", "--alg", "ES256", "--kid", "k1"])
    priv = json.loads(out)
    check("keys generate prints a private JWK", rc == 0 and priv["kid"] == "k1" and "d" in priv, err)
    rc, out, err = run(t, ["keys", "public"], json.dumps(priv).encode())
    pub = json.loads(out) if rc == 0 else {}
    check("keys public drops d", rc == 0 and "d" not in pub and pub.get("x") == priv["x"], err)
    rc, out, err = run(t, ["keys", "generate"])
    check("keys generate without --alg: exit 2", rc == 2 and err.startswith(b"tessera:"), err)
    rc, out, err = run(t, ["keys", "generate", "--alg", "none"])
    check("keys generate --alg none: exit 2", rc == 2 and b"unknown algorithm" in err, err)
    rc, out, err = run(t, ["keys", "public"], b"{not json")
    check("keys public malformed JWK: exit 2", rc == 2 and b"invalid JSON" in err, err)
    rc, _, err = run(t, ["keys", "generate", "--alg", "HS256"])
    hs = json.loads(_) if rc == 0 else {}
    rc, out, err = run(t, ["keys", "public"], json.dumps(hs).encode())
    check("keys public of an oct key: exit 2", rc == 2, err)

    priv_f = write("priv.json", json.dumps(priv))
    pub_f = write("pub.json", json.dumps(pub))
    payload = b'{"iss":"https://id.example","sub":"u","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j"}'

    # jws sign / verify
    rc, out, err = run(t, ["jws", "sign", "--jwk", priv_f, "--typ", "at+jwt"], payload)
    token = out.strip()
    check("jws sign prints a compact JWS", rc == 0 and token.count(b".") == 2, err)
    header = json.loads(base64.urlsafe_b64decode(token.split(b".")[0] + b"=="))
    check("jws sign header is alg, kid, typ", header == {"alg": "ES256", "kid": "k1", "typ": "at+jwt"}, header)
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f], token + b"\n")
    check("jws verify prints exactly the payload", rc == 0 and out == payload, (rc, out, err))
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f, "--alg", "EdDSA"], token)
    check("jws verify --alg outside the key: exit 1", rc == 1 and err.count(b"\n") == 1, err)
    rc, out, err = run(t, ["jws", "sign", "--jwk", priv_f, "--alg", "ES384"], payload)
    check("jws sign --alg other than the key's: exit 2", rc == 2 and b"ES256" in err, err)
    rc, out, err = run(t, ["jws", "sign", "--jwk", pub_f], payload)
    check("jws sign with a public key: exit 2", rc == 2 and b"private key" in err, err)
    tampered = token[:-3] + (b"AAA" if token[-3:] != b"AAA" else b"BBB")
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f], tampered)
    check("jws verify tampered: exit 1, nothing on stdout", rc == 1 and out == b"", (rc, out, err))
    none = (b64(b'{"alg":"none"}') + "." + b64(payload) + ".").encode()
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f], none)
    check("jws verify alg none: exit 1", rc == 1 and b"none" in err and out == b"", err)
    rc, out, err = run(t, ["jws", "verify"], token)
    check("jws verify without keys: exit 2", rc == 2, err)
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f, "--jwks", pub_f], token)
    check("jws verify --jwk with --jwks: exit 2", rc == 2, err)
    rc, out, err = run(t, ["jws", "verify", "--jwk", path("missing.json")], token)
    check("jws verify unreadable file: exit 2", rc == 2 and b"cannot read" in err, err)
    rc, out, err = run(t, ["jws", "verify", "--jwk", write("bad.json", "{\"kty\":\"EC\"}")], token)
    check("jws verify malformed JWK: exit 2", rc == 2 and b"invalid JWK" in err, err)
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f, "--bogus"], token)
    check("unknown flag: exit 2", rc == 2, err)
    rc, out, err = run(t, ["jws", "verify", "--jwk", pub_f], b"A" * (1 << 20))
    check("1 MiB on stdin: exit 1 (too large), no hang", rc == 1, err)
    rc, out, err = run(t, [], b"")
    check("no subcommand: exit 2", rc == 2, err)

    # token verify / decode
    jwks_f = write("jwks.json", json.dumps({"keys": [pub]}))
    base = ["token", "verify", "--jwks", jwks_f, "--iss", "https://id.example", "--aud", "api"]
    rc, out, err = run(t, base + ["--now", "1700000100"], token)
    check("token verify prints the claims", rc == 0 and json.loads(out) == json.loads(payload), (rc, out, err))
    rc, out, err = run(t, base + ["--now", "1700000930"], token)
    check("token verify expired (leeway 30): exit 1", rc == 1 and b"expired" in err, err)
    rc, out, err = run(t, base + ["--now", "1700000929"], token)
    check("token verify inside leeway: exit 0", rc == 0, err)
    rc, out, err = run(t, base + ["--now", "1700000901", "--leeway", "0"], token)
    check("token verify --leeway 0: exit 1", rc == 1, err)
    rc, out, err = run(t, ["token", "verify", "--jwks", jwks_f, "--iss", "https://id.example", "--aud", "other",
                           "--now", "1700000100"], token)
    check("token verify wrong audience: exit 1", rc == 1 and b"audience" in err, err)
    rc, out, err = run(t, base + ["--now", "soon"], token)
    check("token verify --now not a number: exit 2", rc == 2, err)
    rc, out, err = run(t, ["token", "verify", "--jwks", jwks_f], token)
    check("token verify without --iss/--aud: exit 2", rc == 2, err)
    rc, out, err = run(t, ["token", "decode"], token)
    d = json.loads(out) if rc == 0 else {}
    check("token decode labels the output unverified",
          rc == 0 and d.get("verified") is False and "UNVERIFIED" in d.get("warning", "") and
          d.get("claims", {}).get("sub") == "u", (rc, out, err))
    rc, out, err = run(t, ["token", "decode"], b"garbage")
    check("token decode garbage: exit 2", rc == 2, err)

    # migrate: the shared configuration flags (SPEC.md "Running": every subcommand takes the
    # same --data-dir/--config, and TESSERA_* environment, and works on the same store).
    rc, out, err = run(t, ["migrate", "--data-dir", path("m-flag")])
    check("migrate --data-dir: exit 0, schema version",
          rc == 0 and out.startswith(b"schema version ") and os.path.exists(path("m-flag/tessera.db")),
          (rc, out, err))
    version = out
    conf = write("m.toml", '[store]\ndata_dir = "%s"\n' % path("m-file"))
    rc, out, err = run(t, ["migrate", "--config", conf])
    check("migrate --config: the file's data_dir",
          rc == 0 and out == version and os.path.exists(path("m-file/tessera.db")), (rc, out, err))
    rc, out, err = run(t, ["migrate", "--config", conf, "--data-dir", path("m-over")])
    check("migrate --data-dir overrides the file",
          rc == 0 and os.path.exists(path("m-over/tessera.db")), (rc, out, err))
    env = dict(os.environ, TESSERA_STORE__DATA_DIR=path("m-env"))
    p = subprocess.run([t, "migrate", "--config", conf], capture_output=True, timeout=20, env=env)
    check("migrate: TESSERA_STORE__DATA_DIR overrides the file",
          p.returncode == 0 and os.path.exists(path("m-env/tessera.db")), (p.returncode, p.stderr))
    rc, out, err = run(t, ["migrate", "--config", write("m-bad.toml", "[store]\ndata_dri = 1\n")])
    check("migrate unknown config key: exit 2 naming file and key",
          rc == 2 and b"m-bad.toml:2: unknown key store.data_dri" in err, err)
    rc, out, err = run(t, ["migrate", "--config", path("m-missing.toml")])
    check("migrate missing config file: exit 2", rc == 2 and b"m-missing.toml" in err, err)
    rc, out, err = run(t, ["migrate", "--bogus"])
    check("migrate unknown flag: exit 2", rc == 2 and err.startswith(b"tessera:"), err)

    # client add|list|show|remove|rotate-secret (issue 16, exact form): OAuth clients on the
    # store of --data-dir.
    cd = ["--data-dir", path("clients")]
    rc, out, err = run(t, ["client", "add", "--name", "Partner", "--type", "confidential",
                           "--redirect-uri", "https://partner.example/cb",
                           "--redirect-uri", "http://127.0.0.1/cb", "--scope", "openid",
                           "--scope", "email"] + cd)
    added = json.loads(out) if rc == 0 else {}
    secret = added.get("client_secret", "")
    check("client add confidential: JSON with a UUID client_id and a 256-bit secret",
          rc == 0 and len(added.get("client_id", "")) == 36 and len(secret) == 43
          and added["token_endpoint_auth_method"] == "client_secret_basic"
          and added["grant_types"] == ["authorization_code", "refresh_token"]
          and added["scopes"] == ["openid", "email"], (rc, out, err))
    cid = added.get("client_id", "none")
    rc, out, err = run(t, ["client", "show", cid] + cd)
    shown = json.loads(out) if rc == 0 else {}
    check("client show: the client, never its secret",
          rc == 0 and shown.get("has_secret") is True and secret.encode() not in out
          and shown["redirect_uris"] == ["https://partner.example/cb", "http://127.0.0.1/cb"],
          (rc, out, err))
    rc, out, err = run(t, ["client", "add", "--name", "Mobile", "--type", "public",
                           "--redirect-uri", "com.example.mobile:/cb"] + cd)
    mobile = json.loads(out) if rc == 0 else {}
    check("client add public: no secret, auth method none",
          rc == 0 and "client_secret" not in mobile
          and mobile["token_endpoint_auth_method"] == "none", (rc, out, err))
    rc, out, err = run(t, ["client", "list", "--json"] + cd)
    ids = [json.loads(line)["client_id"] for line in out.splitlines()] if rc == 0 else []
    check("client list --json: one object per client",
          rc == 0 and sorted(ids) == sorted([cid, mobile.get("client_id")]), (rc, out, err))
    rc, out, err = run(t, ["client", "list"] + cd)
    check("client list: a table", rc == 0 and b"CLIENT_ID" in out and cid.encode() in out, err)
    rc, out, err = run(t, ["client", "rotate-secret", cid] + cd)
    rotated = json.loads(out) if rc == 0 else {}
    check("client rotate-secret: a new secret",
          rc == 0 and rotated.get("client_id") == cid and len(rotated.get("client_secret", "")) == 43
          and rotated["client_secret"] != secret, (rc, out, err))
    rc, out, err = run(t, ["client", "rotate-secret", mobile.get("client_id", "x")] + cd)
    check("client rotate-secret of a public client: exit 2", rc == 2 and b"without a secret" in err, err)
    for args, expect in [
        (["--name", "X", "--type", "confidential", "--redirect-uri", "http://evil.example/cb"], b"https"),
        (["--name", "X", "--type", "confidential", "--redirect-uri", "https://a.example/cb#f"], b"fragment"),
        (["--name", "X", "--type", "public", "--auth-method", "client_secret_basic",
          "--redirect-uri", "com.example.x:/cb"], b"auth_method"),
        (["--name", "X", "--type", "public", "--grant", "client_credentials"], b"grant_types"),
        (["--name", "X", "--type", "confidential", "--grant", "password"], b"grant_types"),
        (["--name", "X", "--type", "secret"], b"--type"),
        (["--name", "X", "--type", "confidential", "--auth-method", "magic"], b"--auth-method"),
        (["--name", "X", "--type", "confidential", "--auth-method", "private_key_jwt",
          "--jwks", path("no-such-jwks.json")], b"--jwks"),
        (["--name", "X", "--type", "confidential", "--auth-method", "private_key_jwt",
          "--jwks", priv_f], b"jwks"),
        (["--type", "public"], b"--name"),
    ]:
        rc, out, err = run(t, ["client", "add"] + args + cd)
        check(f"client add {' '.join(args[2:5])}...: exit 2 naming the problem",
              rc == 2 and expect in err and out == b"", (rc, out, err))
    rc, out, err = run(t, ["client", "remove", cid] + cd)
    check("client remove", rc == 0, err)
    rc, out, err = run(t, ["client", "show", cid] + cd)
    check("client show after remove: exit 2", rc == 2 and out == b"", (rc, err))
    rc, out, err = run(t, ["client", "remove", cid] + cd)
    check("client remove twice: exit 2", rc == 2, err)

    # Random garbage never crashes or hangs any reader.
    rng = random.Random(7)
    crashes = []
    for i in range(150):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
        if i % 3 == 0:
            parts = token.split(b".")
            parts[rng.randrange(3)] = blob.replace(b".", b"")
            blob = b".".join(parts)
        for args in (["jws", "verify", "--jwk", pub_f], base, ["token", "decode"], ["keys", "public"]):
            rc, out, err = run(t, args, blob)
            if rc < 0 or rc not in (0, 1, 2):
                crashes.append((args, blob, rc))
    check("600 garbage inputs: only exit codes 0/1/2, no signal", not crashes, crashes[:3])

    print(f"{results['passed']} passed, {results['failed']} failed")
    return 0 if results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
