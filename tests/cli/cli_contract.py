#!/usr/bin/python3
"""The CLI contract, checked against the real binary (the foundation issue's, and the
administration commands added since: client, user, outbox, audit).

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
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from tessera_server import Server, post_json  # noqa: E402 (`tessera serve` on port 0, stopped by PID)

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


def json_lines(out):
    return [json.loads(line) for line in out.splitlines()]


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
    # The id is a column of its own (a 36-character UUID once ran into the name).
    rows = [line.split() for line in out.decode().splitlines()] if rc == 0 else []
    check("client list: a table, the id a column of its own",
          rc == 0 and rows and rows[0][0] == "CLIENT_ID"
          and any(r and r[0] == cid and r[1] == "Partner" for r in rows[1:]), (out, err))
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

    # user list: every user in order of creation, and --search (issue 18: the admin's search, the
    # same rule as GET /admin/users?q=).
    list_conf = write("list.toml", '[store]\ndata_dir = "%s"\n' % path("list"))
    uc = ["--config", list_conf]
    ids = {}
    for email in ("Ann@example.com", "bea_x@example.com", "beaxx@example.com", "cy@example.org"):
        rc, out, err = run(t, ["user", "add", email] + uc, b"a good password 1\n")
        ids[email.lower()] = out.strip().decode()
        check(f"user add {email} (for user list)", rc == 0 and len(ids[email.lower()]) == 36, (rc, err))
    rc, out, err = run(t, ["user", "list", "--json"] + uc)
    rows = json_lines(out) if rc == 0 else []
    check("user list --json: every user, one object per line, as GET /admin/users rows",
          sorted(r["email"] for r in rows) == sorted(ids)
          and all(list(r) == ["id", "email", "roles", "disabled", "created_at"]
                  and r["id"] == ids[r["email"]] for r in rows)
          and [(r["created_at"], r["id"]) for r in rows] == sorted((r["created_at"], r["id"]) for r in rows),
          (rc, out, err))
    for search, expect in (("ANN", ["ann@example.com"]), ("bea", ["bea_x@example.com", "beaxx@example.com"]),
                           ("a_x", ["bea_x@example.com"]), ("%", []), ("nobody", []),
                           (".ORG", ["cy@example.org"])):
        rc, out, err = run(t, ["user", "list", "--search", search, "--json"] + uc)
        check(f"user list --search {search}: the matching users",
              rc == 0 and sorted(r["email"] for r in json_lines(out)) == expect, (rc, out, err))
    rc, out, err = run(t, ["user", "list", "--search", "bea"] + uc)
    lines = out.decode().splitlines() if rc == 0 else []
    check("user list --search (table): the header and the matches",
          len(lines) == 3 and lines[0].startswith("ID ") and "bea_x@example.com" in out.decode()
          and "ann@example.com" not in out.decode(), (rc, out, err))
    rc, out, err = run(t, ["user", "list", "--search", "a" * 255] + uc)
    check("user list --search longer than an email: exit 2 naming --search",
          rc == 2 and b"--search" in err and out == b"", (rc, out, err))

    # The account lifecycle's administration (issue 18): user show|set-roles|reset-password,
    # outbox list|show|purge, audit. One store with mail kept in the outbox (outbox_only) and a
    # public URL; one with mail off and the default URL.
    life_conf = write("life.toml", '[store]\ndata_dir = "%s"\n\n[server]\npublic_url = '
                      '"https://id.example.com"\n\n[email]\noutbox_only = true\nfrom = '
                      '"no-reply@example.com"\n' % path("life"))
    lc = ["--config", life_conf]
    token_re = r"[A-Za-z0-9_-]{43}"

    rc, out, err = run(t, ["outbox", "list"] + lc)
    check("outbox list, empty: the header alone",
          rc == 0 and out.splitlines() == [out.splitlines()[0]] and out.startswith(b"ID ")
          and b"RECIPIENT" in out and b"LAST_ERROR" in out, (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--json"] + lc)
    check("outbox list --json, empty: nothing", rc == 0 and out == b"", (rc, out, err))

    rc, out, err = run(t, ["user", "add", "ada@example.com", "--role", "user"] + lc, b"ada's password 1\n")
    ada = out.strip().decode()
    check("user add (for the lifecycle commands)", rc == 0 and len(ada) == 36, (rc, out, err))
    rc, out, err = run(t, ["user", "show", "ada@example.com"] + lc)
    rows = dict(line.split(None, 1) for line in out.decode().splitlines()) if rc == 0 else {}
    check("user show: name  value lines",
          rows.get("id") == ada and rows.get("email") == "ada@example.com"
          and rows.get("email_verified") == "no" and rows.get("roles") == "user"
          and rows.get("disabled") == "no" and rows.get("totp") == "off"
          and rows.get("recovery_codes") == "0" and rows.get("passkeys") == "0"
          and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows.get("created_at", ""))
          and rows.get("password_changed_at") == rows.get("created_at"), (rc, out, err))
    rc, out, err = run(t, ["user", "show", ada, "--json"] + lc)
    shown = json.loads(out) if rc == 0 else {}
    check("user show ID --json: one object, times in Unix seconds",
          list(shown) == ["id", "email", "email_verified", "roles", "disabled", "created_at",
                          "password_changed_at", "second_factors"]
          and shown["email"] == "ada@example.com" and shown["roles"] == ["user"]
          and abs(shown["created_at"] - time.time()) < 600
          and shown["second_factors"] == {"totp": "off", "recovery_codes": 0, "passkeys": 0},
          (rc, out, err))
    for who in ("nobody@example.com", "00000000-0000-4000-8000-000000000000"):
        rc, out, err = run(t, ["user", "show", who] + lc)
        check(f"user show {who}: exit 2, no such user",
              rc == 2 and out == b"" and b"no such user" in err and err.count(b"\n") == 1, (rc, err))

    rc, out, err = run(t, ["user", "set-roles", "ada@example.com", "user", "admin", "admin"] + lc)
    check("user set-roles: replaced, sorted, without duplicates",
          rc == 0 and out == b"roles of ada@example.com: admin,user\n", (rc, out, err))
    rc, out, err = run(t, ["user", "show", ada, "--json"] + lc)
    check("user set-roles: stored", rc == 0 and json.loads(out)["roles"] == ["admin", "user"], (rc, out))
    for roles, expect in ([["Admin"], b"role names"], [["ok", "bad role"], b"role names"],
                          [[], b"--clear"], [["admin", "--clear"], b"--clear"]):
        rc, out, err = run(t, ["user", "set-roles", ada] + roles + lc)
        check(f"user set-roles {roles}: exit 2 naming the problem",
              rc == 2 and expect in err and out == b"", (rc, out, err))
    rc, out, err = run(t, ["user", "show", ada, "--json"] + lc)
    check("user set-roles refused: roles unchanged",
          rc == 0 and json.loads(out)["roles"] == ["admin", "user"], (rc, out))
    rc, out, err = run(t, ["user", "set-roles", "nobody@example.com", "admin"] + lc)
    check("user set-roles of an unknown user: exit 2", rc == 2 and b"no such user" in err, err)
    rc, out, err = run(t, ["user", "set-roles", ada, "--clear"] + lc)
    check("user set-roles --clear", rc == 0 and out == b"roles of ada@example.com: -\n", (rc, out, err))

    # reset-password, mailed: the mail waits in the outbox, readable with outbox show.
    for n in (1, 2):
        rc, out, err = run(t, ["user", "reset-password", "ada@example.com"] + lc)
        check(f"user reset-password (mail {n}): queued in the outbox",
              rc == 0 and out == b"reset link for ada@example.com queued in the outbox\n", (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--json"] + lc)
    mails = json_lines(out) if rc == 0 else []
    check("outbox list --json: the two mails, newest first",
          len(mails) == 2 and mails[0]["id"] > mails[1]["id"]
          and all(list(m) == ["id", "kind", "recipient", "status", "created_at", "attempts", "last_error"]
                  and m["kind"] == "reset_password" and m["recipient"] == "ada@example.com"
                  and m["status"] == "pending" and m["attempts"] == 0 and m["last_error"] == ""
                  and abs(m["created_at"] - time.time()) < 600 for m in mails), (rc, out, err))
    newest, oldest = (mails[0]["id"], mails[1]["id"]) if len(mails) == 2 else (0, 0)
    rc, out, err = run(t, ["outbox", "list"] + lc)
    lines = out.decode().splitlines()
    check("outbox list: a table, ISO times",
          rc == 0 and len(lines) == 3 and lines[1].split()[:4] == [str(newest), "reset_password", "ada@example.com", "pending"]
          and re.search(r" \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", lines[1]), (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--limit", "1", "--json"] + lc)
    check("outbox list --limit 1", rc == 0 and [m["id"] for m in json_lines(out)] == [newest], (rc, out))
    rc, out, err = run(t, ["outbox", "list", "--status", "sent", "--json"] + lc)
    check("outbox list --status sent: none yet", rc == 0 and out == b"", (rc, out, err))
    rc, out, err = run(t, ["outbox", "show", str(newest)] + lc)
    text = out.decode()
    links = re.findall(r"https://id\.example\.com/reset-password\?token=" + token_re + r"(?=\s)", text)
    check("outbox show: the metadata, the headers and the body with the link whole",
          rc == 0 and text.startswith("id          %d\n" % newest) and "\nstatus      pending\n" in text
          and "\nTo: ada@example.com\n" in text and "\nFrom: " in text and len(links) == 1
          and "\r" not in text and "=3D" not in text, (rc, out, err))
    rc, out, err = run(t, ["outbox", "show", str(newest), "--raw"] + lc)
    check("outbox show --raw: the exact RFC 5322 message",
          rc == 0 and out.startswith(b"Date: ") and b"\r\nTo: ada@example.com\r\n" in out
          and b"\r\nContent-Type: multipart/alternative;" in out and b"\nid " not in out, (rc, out[:200], err))
    for bad, expect in (("999", b"no such mail: 999"), ("abc", b"not a mail id: abc"), ("0", b"not a mail id"),
                        ("1.5", b"not a mail id"), ("", b"not a mail id")):
        rc, out, err = run(t, ["outbox", "show", bad] + lc)
        check(f"outbox show {bad!r}: exit 2 with a clear message",
              rc == 2 and expect in err and out == b"" and err.count(b"\n") == 1, (rc, out, err))
    for args in (["--status", "queued"], ["--limit", "0"], ["--limit", "x"]):
        rc, out, err = run(t, ["outbox", "list"] + args + lc)
        check(f"outbox list {' '.join(args)}: exit 2", rc == 2 and err.startswith(b"tessera:"), (rc, err))

    # A mail that failed for good keeps no message; the older one, marked so by hand as a sender
    # would, 40 days ago.
    db = sqlite3.connect(path("life/tessera.db"))
    db.execute("UPDATE outbox SET status = 'failed', sealed_message = x'', attempts = 12, "
               "finished_at = ?, last_error = '550 5.1.1 no such mailbox' WHERE id = ?",
               (int(time.time()) - 40 * 86400, oldest))
    db.commit()
    db.close()
    rc, out, err = run(t, ["outbox", "show", str(oldest)] + lc)
    check("outbox show of a failed mail: the metadata, the message erased",
          rc == 0 and b"\nstatus      failed\n" in out and b"\nattempts    12\n" in out
          and b"\nlast_error  550 5.1.1 no such mailbox\n" in out and b"\nfinished_at " in out
          and out.endswith(b"\nmessage     erased once it failed\n"), (rc, out, err))
    rc, out, err = run(t, ["outbox", "show", str(oldest), "--raw"] + lc)
    check("outbox show --raw of a failed mail: exit 2", rc == 2 and b"erased" in err and out == b"", (rc, err))
    rc, out, err = run(t, ["outbox", "list", "--status", "failed", "--json"] + lc)
    check("outbox list --status failed", rc == 0 and [m["id"] for m in json_lines(out)] == [oldest], (rc, out))
    rc, out, err = run(t, ["outbox", "purge", "--older-than", "soon"] + lc)
    check("outbox purge --older-than soon: exit 2", rc == 2 and b"--older-than" in err, err)
    rc, out, err = run(t, ["outbox", "purge", "--older-than", "41d"] + lc)
    check("outbox purge --older-than 41d: nothing that old", rc == 0 and out.startswith(b"purged 0 "), (rc, out, err))
    rc, out, err = run(t, ["outbox", "purge"] + lc)
    check("outbox purge (30d): the failed mail", rc == 0 and out.startswith(b"purged 1 "), (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--json"] + lc)
    check("outbox purge: pending mails stay", rc == 0 and [m["id"] for m in json_lines(out)] == [newest], (rc, out))

    rc, out, err = run(t, ["user", "reset-password", ada, "--print-link"] + lc)
    check("user reset-password --print-link: the link alone, from server.public_url",
          rc == 0 and re.fullmatch(r"https://id\.example\.com/reset-password\?token=" + token_re + r"\n",
                                   out.decode()), (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--json"] + lc)
    check("user reset-password --print-link: no mail", rc == 0 and len(json_lines(out)) == 1, (rc, out))
    rc, out, err = run(t, ["user", "reset-password", "nobody@example.com"] + lc)
    check("user reset-password of an unknown user: exit 2", rc == 2 and b"no such user" in err, err)
    rc, out, err = run(t, ["user", "disable", ada] + lc)
    rc, out, err = run(t, ["user", "reset-password", ada, "--print-link"] + lc)
    check("user reset-password of a disabled user: exit 2", rc == 2 and b"disabled" in err and out == b"", (rc, err))
    run(t, ["user", "enable", ada] + lc)

    # audit: the events above, filtered.
    rc, out, err = run(t, ["audit", "--json"] + lc)
    events = json_lines(out) if rc == 0 else []
    check("audit --json: every event, newest first, as GET /admin/audit shows them",
          len(events) >= 8 and [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
          and list(events[0]) == ["id", "at", "type", "user_id", "ip", "user_agent", "detail"]
          and events[-1]["type"] == "user.created" and events[-1]["detail"]["email"] == "ada@example.com",
          (rc, out, err))
    rc, out, err = run(t, ["audit", "--type", "user.roles_changed", "--json"] + lc)
    changed = json_lines(out) if rc == 0 else []
    check("audit --type user.roles_changed: the two changes, newest first; refusals left none",
          [(e["detail"]["roles"], e["detail"]["previous"]) for e in changed]
          == [([], ["admin", "user"]), (["admin", "user"], ["user"])]
          and all(e["detail"]["user"] == ada and e["detail"]["by"] == "cli"
                  and e["user_agent"] == "tessera-cli" for e in changed), (rc, out, err))
    rc, out, err = run(t, ["audit", "--type", "password.reset_requested", "--json"] + lc)
    check("audit: each reset link, with its delivery",
          rc == 0 and [e["detail"]["delivery"] for e in json_lines(out)] == ["printed", "mail", "mail"],
          (rc, out, err))
    rc, out, err = run(t, ["audit", "--type", "outbox.read", "--json"] + lc)
    check("audit: opening a pending message is recorded",
          rc == 0 and [e["detail"]["mail"] for e in json_lines(out)] == [newest, newest], (rc, out, err))
    rc, out, err = run(t, ["audit", "--type", "outbox.purged", "--limit", "1", "--json"] + lc)
    check("audit --limit 1: the newest purge", rc == 0 and [e["detail"]["purged"] for e in json_lines(out)] == [1],
          (rc, out, err))
    rc, out, err = run(t, ["audit", "--since", "1h", "--json"] + lc)
    check("audit --since 1h: all of them", rc == 0 and len(json_lines(out)) == len(events), (rc, err))
    rc, out, err = run(t, ["audit", "--since", "2020-01-01T00:00:00Z", "--json"] + lc)
    check("audit --since a past time: all of them", rc == 0 and len(json_lines(out)) == len(events), (rc, err))
    rc, out, err = run(t, ["audit", "--since", "2999-01-01", "--json"] + lc)
    check("audit --since a future date: none", rc == 0 and out == b"", (rc, out, err))
    now = time.gmtime(events[0]["at"] + 60) if events else time.gmtime()
    rc, out, err = run(t, ["audit", "--since", time.strftime("%Y-%m-%dT%H:%MZ", now), "--json"] + lc)
    check("audit --since a minute after the newest event: none", rc == 0 and out == b"", (rc, out, err))
    rc, out, err = run(t, ["audit", "--user", "ada@example.com"] + lc)
    check("audit --user: a table; the CLI's own events name their user in the detail only",
          rc == 0 and out.startswith(b"ID ") and b"DETAIL" in out and len(out.splitlines()) == 1, (rc, out, err))
    rc, out, err = run(t, ["audit", "--type", "user.created"] + lc)
    line = out.decode().splitlines()[1] if rc == 0 and len(out.splitlines()) == 2 else ""
    check("audit table: id, ISO time, type, user, ip, detail",
          re.match(r"\d+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +user\.created +- +- +\{", line), (rc, out, err))
    for args, expect in ((["--since", "yesterday"], b"--since"), (["--since", "2026-02-30"], b"--since"),
                         (["--since", "2026-01-01T10:00:00+01:00"], b"--since"),
                         (["--type", "Login Failure"], b"--type"), (["--user", "nobody@example.com"], b"no such user"),
                         (["--limit", "0"], b"--limit"), (["--limit", "1001"], b"--limit")):
        rc, out, err = run(t, ["audit"] + args + lc)
        check(f"audit {' '.join(args)}: exit 2", rc == 2 and expect in err and out == b"", (rc, out, err))

    # Mail off: reset-password says so; --print-link still works, and its link against a server.
    md = ["--data-dir", path("nomail")]
    rc, out, err = run(t, ["user", "add", "bob@example.com"] + md, b"bob's password 1\n")
    bob = out.strip().decode()
    rc, out, err = run(t, ["user", "reset-password", "bob@example.com"] + md)
    check("user reset-password with mail off: exit 2, use --print-link",
          rc == 2 and out == b"" and b"email is not set up" in err and b"--print-link" in err
          and err.count(b"\n") == 1, (rc, out, err))
    rc, out, err = run(t, ["user", "reset-password", "bob@example.com", "--print-link"] + md)
    link = out.decode().strip()
    check("user reset-password --print-link with mail off: the default URL",
          rc == 0 and re.fullmatch(r"http://127\.0\.0\.1:8080/reset-password\?token=" + token_re, link),
          (rc, out, err))
    rc, out, err = run(t, ["outbox", "list", "--json"] + md)
    check("mail off: the outbox stays empty", rc == 0 and out == b"", (rc, out, err))
    reset_token = link.rsplit("=", 1)[-1]
    # audit.retention (90 days by default): the server's maintenance deletes older events at
    # start and then every 10 minutes; younger ones stay.
    day = 86400
    with sqlite3.connect(path("nomail/tessera.db")) as db:
        for age_days, kind in ((100, "test.too_old"), (80, "test.kept")):
            db.execute("INSERT INTO audit_events (at, type, user_id, ip, user_agent, detail) "
                       "VALUES (?, ?, NULL, '', '', '{}')", (int(time.time()) - age_days * day, kind))
    db.close()
    for value in ("1h", "90"):
        env = dict(os.environ, TESSERA_AUDIT__RETENTION=value)
        p = subprocess.run([t, "config", "print"] + md, capture_output=True, timeout=20, env=env)
        check(f"audit.retention = {value}: refused, exit 2",
              p.returncode == 2 and b"audit.retention" in p.stderr, (p.returncode, p.stderr))
    with Server(t, path("nomail")) as server:  # raises if `tessera serve` does not start
        for _ in range(100):  # the first round runs once the server is up: wait for it
            rc, out, err = run(t, ["audit", "--json"] + md)
            kinds = [e["type"] for e in json_lines(out)] if rc == 0 else []
            if "test.too_old" not in kinds:
                break
            time.sleep(0.1)
        check("audit.retention: an event past it is purged by the server, a younger one stays",
              "test.too_old" not in kinds and "test.kept" in kinds, kinds)
        status, body = post_json(server.base + "/auth/password/reset",
                                 {"token": reset_token, "new_password": "bob's new password"})
        check("the printed link's token resets the password",
              status == 200 and body.get("status") == "password_changed", (status, body))
        status, body = post_json(server.base + "/auth/password/reset",
                                 {"token": reset_token, "new_password": "another password 2"})
        check("the printed link works once", status == 400, (status, body))
        status, _ = post_json(server.base + "/auth/login",
                              {"email": "bob@example.com", "password": "bob's new password"})
        check("the new password logs in", status == 200, status)
    rc, out, err = run(t, ["audit", "--user", "bob@example.com", "--json"] + md)
    types = [e["type"] for e in json_lines(out)] if rc == 0 else []
    check("audit --user EMAIL: the user's own events only",
          rc == 0 and "password.reset" in types and "login.success" in types
          and "password.reset_requested" not in types and "user.created" not in types, (rc, out, err))
    rc, out, err = run(t, ["audit", "--user", bob, "--type", "password.reset", "--json"] + md)
    check("audit --user ID --type", rc == 0 and [e["user_id"] for e in json_lines(out)] == [bob], (rc, out, err))

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
