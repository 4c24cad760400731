#!/usr/bin/python3
"""`tessera backup` and `tessera restore` against the real binary and a serving server.

A server on data dir A signs users in without pause (each sign-in writes a session and audit
rows) while `tessera backup` copies A's database; the backup is restored into a fresh data dir B
that holds A's master key, and a server on B knows every user, lets each sign in with the same
password, and signs with the keyring of A (a token of A verifies against B's JWKS and back).
Then the refusals, each exit 2 with a message: an existing FILE (unless --force), a missing
argument, a FILE that is not a Tessera database, a restore while a server runs, PostgreSQL and
memory stores.

Usage: backup_restore.py --tessera PATH
"""
import argparse
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from tessera_server import PASSWORD, Checks, Server, post_json  # noqa: E402

ISSUER = "https://id.backup.test"  # one issuer for both servers: A's tokens are B's
ENV = {"TESSERA_TOKENS__ISSUER": ISSUER}
USERS = [f"user{i}@example.com" for i in range(4)]


def run(tessera, args, env=None):
    p = subprocess.run([tessera] + args, capture_output=True, timeout=120,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def token_kid(token):
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


class SignIns(threading.Thread):
    """Signs the users in, one after another, until stopped; counts the answers by status."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.stop, self.statuses = base, threading.Event(), {}

    def run(self):
        i = 0
        while not self.stop.is_set():
            status, _ = post_json(self.base + "/auth/login",
                                  {"email": USERS[i % len(USERS)], "password": PASSWORD})
            self.statuses[status] = self.statuses.get(status, 0) + 1
            i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    t = ap.parse_args().tessera
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="tessera-backup-")
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    backup = os.path.join(tmp, "a.backup")
    try:
        with Server(t, a, env=ENV) as server:
            ids = {email: server.add_user(email) for email in USERS}
            status, before = post_json(server.base + "/auth/token",
                                       {"email": USERS[0], "password": PASSWORD})
            c.check("a token from A", status == 200 and "access_token" in before, before)
            writer = SignIns(server.base)
            writer.start()
            while not writer.statuses and writer.is_alive():  # the writes have begun
                writer.stop.wait(0.01)
            rc, out, err = run(t, ["backup", backup, "--data-dir", a])
            first_backup = (rc, out, err)
            rc2, out2, err2 = run(t, ["backup", backup, "--data-dir", a])
            rc3, out3, err3 = run(t, ["backup", backup, "--force", "--data-dir", a])
            rc4, out4, err4 = run(t, ["restore", backup, "--data-dir", a])
            writer.stop.set()
            writer.join()
        rc, out, err = first_backup
        c.check("backup while serving and signing in: exit 0, names the file and the schema",
                rc == 0 and backup in out and "schema version" in out, first_backup)
        c.check("backup says the master key is not in it, and where the key is",
                "master key is not in it" in out and os.path.join(a, "master.key") in out, out)
        c.check("every sign-in during the backup succeeded", set(writer.statuses) == {200},
                writer.statuses)
        c.check("backup to an existing FILE: exit 2, --force named",
                rc2 == 2 and "exists" in err2 and "--force" in err2 and out2 == "", (rc2, out2, err2))
        c.check("backup --force replaces it", rc3 == 0, (rc3, out3, err3))
        c.check("restore while a server runs on the data dir: exit 2, says so",
                rc4 == 2 and "running server" in err4 and out4 == "", (rc4, out4, err4))
        c.check("the backup is one file, mode 0600, no -wal or partial file beside it",
                os.stat(backup).st_mode & 0o777 == 0o600
                and sorted(os.listdir(tmp)) == ["a", "a.backup"], sorted(os.listdir(tmp)))
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as db:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            emails = sorted(r[0] for r in db.execute("SELECT email FROM users"))
        c.check("the backup is in rollback-journal mode and holds the users",
                mode == "delete" and emails == sorted(USERS), (mode, emails))

        # A fresh data dir with A's master key, and the backup restored into it.
        os.makedirs(b, mode=0o700)
        shutil.copy2(os.path.join(a, "master.key"), os.path.join(b, "master.key"))
        rc, out, err = run(t, ["restore", backup, "--data-dir", b])
        c.check("restore into a fresh data dir: exit 0, nothing set aside",
                rc == 0 and "restored" in out and "kept as" not in out, (rc, out, err))
        c.check("restore says the master key must be the one it was sealed under",
                "master key" in out and os.path.join(b, "master.key") in out
                and "does not exist" not in out, out)
        nokey = os.path.join(tmp, "nokey")
        rc, out, err = run(t, ["restore", backup, "--data-dir", nokey])
        c.check("restore into a data dir without the key: exit 0, says to copy the key there",
                rc == 0 and os.path.join(nokey, "master.key") + " does not exist" in out, (rc, out, err))
        shutil.rmtree(nokey)
        with Server(t, b, env=ENV) as server:
            listed = {u["email"]: u["id"] for u in map(json.loads, server.cli(["user", "list", "--json"]).splitlines())}
            c.check("every user is there, with the same id", listed == ids, (listed, ids))
            answers = [post_json(server.base + "/auth/login", {"email": e, "password": PASSWORD})[0]
                       for e in USERS]
            c.check("every user signs in with the same password", answers == [200] * len(USERS), answers)
            status, after = post_json(server.base + "/auth/token", {"email": USERS[1], "password": PASSWORD})
            jwks = os.path.join(tmp, "jwks.json")
            with open(jwks, "w") as f:
                json.dump(server.get_json("/.well-known/jwks.json"), f)
        c.check("B signs with A's key (the keyring opened under the same master key)",
                status == 200 and token_kid(after["access_token"]) == token_kid(before["access_token"]),
                (status, after))
        p = subprocess.run([t, "token", "verify", "--jwks", jwks, "--iss", ISSUER, "--aud", "tessera"],
                           input=before["access_token"].encode(), capture_output=True, timeout=60)
        c.check("A's token verifies against B's JWKS", p.returncode == 0, p.stderr)
        os.unlink(jwks)

        # Restoring over a database keeps the one it replaces.
        rc, out, err = run(t, ["restore", backup, "--data-dir", b])
        aside = [n for n in os.listdir(b) if n.startswith("tessera.db.before-restore-")]
        c.check("restore over a database: exit 0, the old one renamed and named",
                rc == 0 and len(aside) == 1 and os.path.join(b, aside[0]) in out, (rc, out, err, aside))
        if aside:
            with sqlite3.connect(f"file:{os.path.join(b, aside[0])}?mode=ro", uri=True) as db:
                kept = db.execute("SELECT count(*) FROM users").fetchone()[0]
            c.check("the database set aside is whole", kept == len(USERS), kept)

        # Refusals.
        garbage = os.path.join(tmp, "garbage.db")
        with open(garbage, "wb") as f:
            f.write(os.urandom(8192))
        other = os.path.join(tmp, "other.db")
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE notes (x)")
        before_files = sorted(os.listdir(b))
        for name, args, expect in [
            ("restore of a garbage FILE", ["restore", garbage, "--data-dir", b], "not a Tessera database"),
            ("restore of another SQLite database", ["restore", other, "--data-dir", b], "not Tessera's"),
            ("restore of a missing FILE", ["restore", os.path.join(tmp, "nope"), "--data-dir", b], "does not exist"),
            ("restore without FILE", ["restore", "--data-dir", b], "FILE"),
            ("backup without FILE", ["backup", "--data-dir", b], "FILE"),
            ("backup of a data dir without a database", ["backup", os.path.join(tmp, "x"), "--data-dir", os.path.join(tmp, "empty")], "no database"),
            ("backup onto the live database", ["backup", os.path.join(b, "tessera.db"), "--force", "--data-dir", b], "live database"),
        ]:
            rc, out, err = run(t, args)
            c.check(f"{name}: exit 2, one line saying why", rc == 2 and expect in err and out == ""
                    and err.count("\n") == 1, (rc, out, err))
        c.check("refused restores leave the data dir as it was", sorted(os.listdir(b)) == before_files,
                (before_files, sorted(os.listdir(b))))
        pg = {"TESSERA_STORE__BACKEND": "postgres", "TESSERA_STORE__POSTGRES_DSN": "host=db dbname=t",
              "TESSERA_TOKENS__ISSUER": ISSUER,
              "TESSERA_KEYS__ENCRYPTION_KEY": open(os.path.join(a, "master.key")).read().strip()}
        for command in ("backup", "restore"):
            rc, out, err = run(t, [command, backup, "--force", "--data-dir", b] if command == "backup"
                               else [command, backup, "--data-dir", b], env=pg)
            c.check(f"{command} with PostgreSQL: exit 2, use pg_dump / pg_restore",
                    rc == 2 and "pg_dump" in err and "pg_restore" in err, (rc, out, err))
            rc, out, err = run(t, [command, backup, "--data-dir", b], env={"TESSERA_STORE__BACKEND": "memory"})
            c.check(f"{command} with the memory store: exit 2", rc == 2 and "memory" in err, (rc, out, err))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
