"""Drives examples/revocation-feed/follower.py against a live Tessera for
revocation_feed_followers.py; prints one JSON object of what it saw.
  python3 feed_follower_py.py FOLLOWER_DIR ISSUER AUDIENCE CLIENT_ID CLIENT_SECRET PASSWORD
Users user@example.com and admin@example.com (role admin) must exist with PASSWORD."""
import json
import sys
import threading
import time
import urllib.request

follower_dir, issuer, audience, client_id, client_secret, password = sys.argv[1:7]
sys.path.insert(0, follower_dir)

calls = []  # URLs the follower fetched from the calling (request) thread
_urlopen = urllib.request.urlopen


def counting_urlopen(req, *args, **kwargs):
    if threading.current_thread() is threading.main_thread():
        calls.append(req.full_url if hasattr(req, "full_url") else str(req))
    return _urlopen(req, *args, **kwargs)


urllib.request.urlopen = counting_urlopen
import follower  # noqa: E402  (after the counter is in place)


def call(path, token=None, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(issuer + path, method="POST", headers=headers,
                                 data=json.dumps(body).encode() if body is not None else b"")
    with _urlopen(req, timeout=30) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)


def login(email):
    return call("/auth/token", body={"email": email, "password": password})[1]["access_token"]


def accepted(service, token):
    try:
        service.verify(token)
        return True
    except Exception:
        return False


def refused_after(service, token, t0):
    while time.monotonic() - t0 < 5:
        if not accepted(service, token):
            return round((time.monotonic() - t0) * 1000)
        time.sleep(0.005)
    return None


out = {}
service = follower.Follower(issuer, audience, client_id, client_secret)
for _ in range(200):
    if service.ready():
        break
    time.sleep(0.05)
out["ready"] = service.ready()
a, b, c = login("user@example.com"), login("user@example.com"), login("user@example.com")
out["valid_accepted"] = all(accepted(service, t) for t in (a, b, c))
warm = len(calls)
t0 = time.monotonic()
call("/auth/logout", a)
out["logout_refused_ms"] = refused_after(service, a, t0)
out["others_still_accepted"] = accepted(service, b) and accepted(service, c)
t0 = time.monotonic()
call("/auth/logout-all", b)
out["logout_all_refused_ms"] = refused_after(service, c, t0)
out["fetches_on_request_path"] = len(calls) - warm
admin = login("admin@example.com")
old = login("user@example.com")
out["before_rotation_accepted"] = accepted(service, old)
t0 = time.monotonic()
out["rotation_status"] = call("/admin/keys/rotate?emergency=true", admin)[0]
out["rotation_refused_ms"] = refused_after(service, old, t0)
out["after_rotation_accepted"] = accepted(service, login("user@example.com"))
service.stop()
print(json.dumps(out))
