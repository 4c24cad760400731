#!/usr/bin/env python3
"""Turns the measurements of bench/http/run.sh into one Markdown report and bench/out/http.json.

Input: --results, JSON lines written by run.sh, one per measurement
  {"id", "run", "ok_rps", "p50_ms", "p99_ms", "non2xx", "err_*", ...}   (wrk, or argon2_ceiling)
or one per workload that could not be measured
  {"id", "missing": "not available yet: ..." | "missing: ..."};
and --meta, the run's settings and environment (JSON).

Output: the Markdown report on stdout; with --json-out, a JSON list of objects
  {"name", "value", "unit", "limit", "limit_value", "peer", "peer_value",
   "status", "ratio_limit", "ratio_peer", "runs"}
where value/limit_value/peer_value are medians over runs, or null when missing (with the reason
in "status", "limit_status" or "peer_status"). Nothing is filled in that was not measured.

  python3 bench/http/report.py --results bench/out/http.jsonl --meta meta.json
"""
import argparse
import json
import os
import statistics
import sys

# The rows of a refresh_space line are built as bench/run's table builds the SQLite one.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from summary import refresh_space_rows  # noqa: E402

# What each measurement id is, in words.
LABELS = {
    "tessera.healthz": "Tessera GET /healthz",
    "tessera.jwks": "Tessera GET /.well-known/jwks.json",
    "tessera.verify_cookie": "Tessera GET /auth/verify (session cookie)",
    "tessera.me_cookie": "Tessera GET /auth/me (session cookie)",
    "tessera.verify_bearer": "Tessera GET /auth/verify (Bearer ES256 access token)",
    "tessera.verify_bearer_hs256": "Tessera (HS256 tokens) GET /auth/verify (Bearer HS256 access token)",
    "tessera.refresh": "Tessera POST /auth/refresh (one rotation chain per connection)",
    "tessera.login": "Tessera POST /auth/login (Argon2id)",
    "tessera.token": "Tessera POST /auth/token (Argon2id)",
    "tessera.verify_cookie_storm": "Tessera GET /auth/verify (session cookie) during a login storm",
    "tessera.storm_logins": "Tessera POST /auth/login during the storm (1 wrk thread)",
    "ceiling.root": "minimal Beast server GET / (ceiling)",
    "argon2.raw": "raw Argon2id verify (libsodium), one thread per core",
    "peer.node_ping": "node:http GET /ping",
    "peer.oidc_jwks": "oidc-provider GET /jwks",
    "peer.session_me": "express-session GET /me (connect-redis)",
    "peer.node_mejwt": "node:http GET /me-jwt (fast-jwt HS256)",
    "peer.session_login": "express-session POST /login (no password hash)",
    "tessera_so.verify_cookie": "Tessera on PostgreSQL + Redis GET /auth/verify (session cookie)",
    "tessera_so.refresh": "Tessera on PostgreSQL + Redis POST /auth/refresh (one chain per connection)",
    "redis.get": "redis-benchmark GET (same Redis, same connections, no pipelining)",
    "pg.rotate_tx": "pgbench: one durable UPDATE ... RETURNING joined to a read (same PostgreSQL, 16 clients)",
    "propagation.session": "logout on node A enforced on node B (session cookie)",
    "propagation.token": "logout-all on node A enforced on node B (Bearer access token)",
    "pg.refresh_space": "refresh_space.sh: RefreshStore::rotate on PostgreSQL (rotations/s)",
    "tessera.oauth_client_credentials": "Tessera POST /oauth2/token client_credentials (ES256 JWT, client_secret_basic)",
    "tessera.oauth_introspect": "Tessera POST /oauth2/introspect (live ES256 access token, client_secret_basic)",
    "tessera.oauth_code_round_trip": "Tessera GET /oauth2/authorize (session, first-party) + POST /oauth2/token (code, PKCE): round trips/s",
    "peer.oidc_client_credentials": "oidc-provider POST /token client_credentials (ES256 JWT, client_secret_basic)",
    "peer.oidc_introspect": "oidc-provider POST /token/introspection (opaque token in its memory adapter)",
    "peer.oidc_code_round_trip": "oidc-provider GET /auth (session, consent pre-approved) + POST /token (code, PKCE): round trips/s",
    "es256.sign": "raw ES256 signatures/s, one jose_bench process per server core at once (BM_Raw_Sign/ES256/EVP_kept)",
    "ceiling.sign": "minimal Beast server making one raw ES256 signature per request (ceiling_server --sign-es256), the client_credentials request",
}

# The table: one row per workload, Tessera beside its ceiling and its peers (best one shown).
ROWS = [
    {"workload": "GET /healthz", "tessera": "tessera.healthz", "limit": "ceiling.root",
     "peers": ["peer.node_ping"], "unit": "req/s"},
    {"workload": "GET /.well-known/jwks.json", "tessera": "tessera.jwks", "limit": "ceiling.root",
     "peers": ["peer.oidc_jwks"], "unit": "req/s"},
    {"workload": "GET /auth/verify (session cookie)", "tessera": "tessera.verify_cookie",
     "limit": "ceiling.root", "peers": ["peer.session_me"], "unit": "req/s"},
    {"workload": "GET /auth/me (session cookie)", "tessera": "tessera.me_cookie",
     "limit": "ceiling.root", "peers": ["peer.session_me"], "unit": "req/s"},
    {"workload": "GET /auth/verify (Bearer ES256 access token)", "tessera": "tessera.verify_bearer",
     "limit": "ceiling.root", "peers": ["peer.node_mejwt"], "unit": "req/s"},
    {"workload": "GET /auth/verify (Bearer HS256 access token)",
     "tessera": "tessera.verify_bearer_hs256", "limit": "ceiling.root",
     "peers": ["peer.node_mejwt"], "unit": "req/s"},
    # No HTTP limit for rotations: their limit (SQLite write transaction + ES256 signature) is
    # measured in process by bench/tokens_bench.cc (BM_Pair_Refresh).
    {"workload": "POST /auth/refresh (rotations/s, SQLite)", "tessera": "tessera.refresh",
     "limit": None, "peers": [], "unit": "rotations/s"},
    {"workload": "POST /auth/login (logins/s, Argon2id)", "tessera": "tessera.login",
     "limit": "argon2.raw", "peers": ["peer.session_login"], "unit": "logins/s"},
    {"workload": "POST /auth/token (logins/s, Argon2id)", "tessera": "tessera.token",
     "limit": "argon2.raw", "peers": [], "unit": "logins/s"},
    # Scale-out: two nodes on PostgreSQL + Redis. The session row's limit is Redis's own GET
    # (what one session lookup costs Redis), its peer the express-session + connect-redis app.
    {"workload": "GET /auth/verify (session cookie, PostgreSQL + Redis)",
     "tessera": "tessera_so.verify_cookie", "limit": "redis.get", "peers": ["peer.session_me"],
     "unit": "req/s"},
    # Its limit: PostgreSQL's rate for a durable transaction of a rotation's shape, measured with
    # pgbench on the same server (run.sh pg_rotate_tx).
    {"workload": "POST /auth/refresh (rotations/s, PostgreSQL)", "tessera": "tessera_so.refresh",
     "limit": "pg.rotate_tx", "peers": [], "unit": "rotations/s"},
]
# Revocation propagation across nodes (propagation.py): delays in ms, no limit, no peer.
PROPAGATION = [("revocation propagation p99, node A -> node B (session logout)", "propagation.session"),
               ("revocation propagation p99, node A -> node B (access token, logout-all)",
                "propagation.token")]
STORM = {"workload": "GET /auth/verify (session cookie) p99 during a login storm",
         "tessera": "tessera.verify_cookie_storm", "baseline": "tessera.verify_cookie"}
# Refresh families on disk on the scale-out PostgreSQL (refresh_space.sh; not wrk, one run).
SPACE = "pg.refresh_space"
# OAuth 2.0 / OpenID Connect (issue 16): each beside oidc-provider and two limits measured in
# the same round, scaled to one operation: the minimal-server ceiling divided by the HTTP
# requests an operation takes, and the raw ES256 signatures/s on the server's cores divided by
# the signatures it makes (client_credentials: the access token; a code exchange: the access
# token and the ID token; introspection signs nothing). A row with any answer that was not the
# expected one (wrk non2xx; in a code round trip, anything but 303 with a code or 200 with an
# access token) fails: its figure is not a benchmark of the workload.
OAUTH = [
    {"workload": "POST /oauth2/token client_credentials (ES256 access token)",
     "tessera": "tessera.oauth_client_credentials", "peer": "peer.oidc_client_credentials",
     "unit": "req/s", "requests": 1, "signatures": 1,
     # the same request on the minimal server that signs once per request (run.sh)
     "sign_ceiling": "ceiling.sign"},
    {"workload": "POST /oauth2/introspect (live access token)", "tessera": "tessera.oauth_introspect",
     "peer": "peer.oidc_introspect", "unit": "req/s", "requests": 1, "signatures": 0},
    {"workload": "authorization code round trip (GET /oauth2/authorize with a session + POST "
     "/oauth2/token, PKCE)", "tessera": "tessera.oauth_code_round_trip",
     "peer": "peer.oidc_code_round_trip", "unit": "round trips/s", "requests": 2, "signatures": 2},
]


def load(path):
    runs, missing, errors = {}, {}, {}
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        d = json.loads(line)
        if "missing" in d:
            missing[d["id"]] = d["missing"]
        elif "error" in d:
            errors.setdefault(d["id"], []).append(d["error"])
            if d.get("drop_run"):  # a check after the load failed: that run does not count
                kept = [r for r in runs.get(d["id"], []) if r["run"] != d["run"]]
                runs.pop(d["id"], None)
                if kept:
                    runs[d["id"]] = kept
        else:
            runs.setdefault(d["id"], []).append(d)
    return runs, missing, errors


class Figures:
    def __init__(self, runs, missing, errors):
        self.runs, self.missing, self.errors = runs, missing, errors

    def values(self, mid, key="ok_rps"):
        return [d[key] for d in self.runs.get(mid, []) if key in d]

    def by_run(self, mid, key="ok_rps"):
        """run -> value; several measurements in one run (argon2 before/after) are averaged."""
        acc = {}
        for d in self.runs.get(mid, []):
            if key in d:
                acc.setdefault(d["run"], []).append(d[key])
        return {r: statistics.mean(v) for r, v in acc.items()}

    def ratio(self, a, b, key="ok_rps"):
        """a / b, paired by run (both measured in the same round, so under the same machine
        load) and the median taken over runs; None unless both were measured."""
        ra, rb = self.by_run(a, key), self.by_run(b, key)
        pairs = [ra[r] / rb[r] for r in ra if r in rb and rb[r]]
        return statistics.median(pairs) if pairs else None

    def median(self, mid, key="ok_rps"):
        v = list(self.by_run(mid, key).values())
        return statistics.median(v) if v else None

    def bad(self, mid):
        return sum(d.get("non2xx", 0) + d.get("err_connect", 0) + d.get("err_read", 0) +
                   d.get("err_write", 0) + d.get("err_timeout", 0) for d in self.runs.get(mid, []))

    def status(self, mid):
        if mid in self.runs:
            return "ok"
        if mid in self.missing:
            return self.missing[mid]
        if mid in self.errors:
            return "missing: " + self.errors[mid][0]
        return "missing: not measured"


def fmt_rate(v):
    return "—" if v is None else f"{v:,.0f}"


def fmt_ms(v):
    return "—" if v is None else f"{v:.2f} ms"


def short(status):
    """A table cell for a status that is not "ok"."""
    if status.startswith("not available yet"):
        return "not available yet"
    return "missing"


def signing_ceiling(f, mid, t, row, tv, sign, notes, after):
    """The minimal server that signs once per request (measurement `mid`) beside Tessera's row
    `row` (measurement `t`, median `tv`): how much of the ES256 sign limit an endpoint reaches on
    these cores when its only work besides HTTP is one signature, and Tessera's share of that.
    Adds them to `row` and the sentence to print below the table to `after`; returns
    {"sign_ceiling_of_sign", "ratio_sign_ceiling"} (None where not measured)."""
    st = f.status(mid)
    sc = f.median(mid) if st == "ok" else None
    of_sign = f.ratio(mid, "es256.sign") if sc and sign else None
    r = f.ratio(t, mid) if sc and tv is not None else None
    row.update({"sign_ceiling": LABELS[mid], "sign_ceiling_value": sc,
                "sign_ceiling_of_sign": of_sign, "ratio_sign_ceiling": r,
                "sign_ceiling_runs": f.values(mid) if st == "ok" else None})
    if sc is None:
        notes.append(f"{LABELS[mid]}: {st}")
    else:
        after.append("Signing ceiling: the minimal server making one raw ES256 signature per "
                     "request (`ceiling_server --sign-es256`, the client_credentials request, "
                     f"same rounds) answers {fmt_rate(sc)} req/s"
                     + ("" if of_sign is None else f", {of_sign:.0%} of the ES256 sign limit")
                     + ("" if r is None else f"; client_credentials is {r:.0%} of it")
                     + ". The sign limit leaves out the HTTP work and the load generator, which "
                     "share these cores with the signatures.")
    return {"sign_ceiling_of_sign": of_sign, "ratio_sign_ceiling": r}


def oauth_table(f, meta, out, notes):
    """Prints the OAuth table (issue 16), appends its rows to `out` and their problems to
    `notes`; returns {tessera id: {"ratio_peer", "ratio_sign"}} for the targets."""
    p = print
    cores = meta["server_threads"]
    sign_ok = f.status("es256.sign") == "ok"
    sign = f.median("es256.sign") if sign_ok else None
    ceil = f.median("ceiling.root") if f.status("ceiling.root") == "ok" else None
    p()
    p("OAuth 2.0 / OpenID Connect (issue 16). Limits, measured in the same rounds and scaled to "
      "one operation: the minimal-server ceiling ÷ the HTTP requests it takes; raw ES256 "
      f"signatures/s on {cores} cores ({cores} `jose_bench BM_Raw_Sign/ES256/EVP_kept` processes at "
      "once, summed) ÷ the signatures it makes (an access token; a code exchange also signs the "
      "ID token).")
    p()
    p("| workload | Tessera | p99 per request | ceiling per op | ratio | ES256 sign limit per op "
      "| ratio | oidc-provider | ratio |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    res = {}
    after = []  # sentences printed below the table

    def row_status(mid):
        st = f.status(mid)
        if st == "ok" and f.runs[mid] and sum(d.get("non2xx", 0) for d in f.runs[mid]):
            bad = sum(d.get("non2xx", 0) for d in f.runs[mid])
            seen = {}
            for d in f.runs[mid]:
                for k, v in (d.get("bad_statuses") or {}).items():
                    seen[k] = seen.get(k, 0) + v
            return (f"failed: {bad} answers were not the expected one"
                    + (f" (statuses {seen})" if seen else "") + ": not a benchmark figure")
        return st

    for row in OAUTH:
        t, pid, n_req, n_sig = row["tessera"], row["peer"], row["requests"], row["signatures"]
        ts, ps = row_status(t), row_status(pid)
        tv = f.median(t) if ts == "ok" else None
        pv = f.median(pid) if ps == "ok" else None
        t99 = f.median(t, "p99_ms") if ts == "ok" else None
        r_c = f.ratio(t, "ceiling.root") * n_req if tv is not None and ceil else None
        r_s = f.ratio(t, "es256.sign") * n_sig if tv is not None and sign and n_sig else None
        r_p = f.ratio(t, pid) if tv is not None and pv else None
        lim_c = ceil / n_req if ceil else None
        lim_s = sign / n_sig if sign and n_sig else None
        cell = lambda v, st: fmt_rate(v) if st == "ok" else ("failed" if st.startswith("failed") else short(st))
        p(f"| {row['workload']} | {cell(tv, ts)} | {fmt_ms(t99)} | {fmt_rate(lim_c)} | "
          f"{'—' if r_c is None else f'{r_c:.0%}'} | "
          f"{fmt_rate(lim_s) if n_sig else '— (signs nothing)'} | "
          f"{'—' if r_s is None else f'{r_s:.0%}'} | {cell(pv, ps)} | "
          f"{'—' if r_p is None else f'{r_p:.2f}×'} |")
        for mid, st in ((t, ts), (pid, ps)):
            if st != "ok":
                notes.append(f"{LABELS[mid]}: {st}")
            else:
                sock = sum(d.get(k, 0) for d in f.runs[mid]
                           for k in ("err_connect", "err_read", "err_write", "err_timeout"))
                if sock:
                    notes.append(f"{LABELS[mid]}: {sock} socket errors or timeouts (not counted)")
            for e in f.errors.get(mid, []):
                notes.append(f"{LABELS[mid]}: a run was dropped: {e}")
        sign_label = (f"raw ES256 signatures/s on {cores} cores ÷ {n_sig} signature"
                      f"{'s' if n_sig > 1 else ''} per operation (jose_bench BM_Raw_Sign/ES256/EVP_kept)")
        ceil_label = f"minimal Beast server GET / (ceiling) ÷ {n_req} request{'s' if n_req > 1 else ''}"
        out.append({"name": row["workload"], "value": tv, "unit": row["unit"],
                    "limit": sign_label if n_sig else ceil_label,
                    "limit_value": lim_s if n_sig else lim_c,
                    "ratio_limit": r_s if n_sig else r_c,
                    "limit_status": ("ok" if sign_ok else f.status("es256.sign")) if n_sig else f.status("ceiling.root"),
                    "ceiling": ceil_label, "ceiling_value": lim_c, "ratio_ceiling": r_c,
                    "sign_limit_value": lim_s, "ratio_sign": r_s,
                    "peer": LABELS[pid], "peer_value": pv, "ratio_peer": r_p, "status": ts,
                    "peer_status": ps, "runs": f.values(t), "peer_runs": f.values(pid),
                    "p99_ms": t99, "peer_p99_ms": f.median(pid, "p99_ms") if ps == "ok" else None,
                    "non2xx_or_errors": f.bad(t) if t in f.runs else None})
        res[t] = {"ratio_peer": r_p, "ratio_sign": r_s}
        if row.get("sign_ceiling"):
            res[t].update(signing_ceiling(f, row["sign_ceiling"], t, out[-1], tv, sign, notes, after))
    for line in after:
        p()
        p(line)
    if sign is not None:
        per = [d.get("per_process") for d in f.runs["es256.sign"]]
        p()
        p(f"ES256 sign limit: {fmt_rate(sign)} signatures/s on {cores} cores (median over runs; "
          "per run and process: " + "; ".join(" + ".join(f"{x:,.0f}" for x in pp) for pp in per if pp)
          + ").")
    elif "es256.sign" in f.missing:
        notes.append(f"{LABELS['es256.sign']}: {f.missing['es256.sign']}")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--json-out")
    args = ap.parse_args()
    meta = json.load(open(args.meta))
    f = Figures(*load(args.results))
    out, notes, table = [], [], []

    p = print
    p(f"## HTTP benchmark ({meta['mode']}), {meta['date']}")
    p()
    p(f"- machine: {meta['machine']}; load average at start {' '.join(meta['load_at_start'])}, "
      f"at end {' '.join(meta.get('load_at_end', ['?']))}")
    p(f"- tree: {meta['tree']}; build: `{meta['build']}`")
    p(f"- {meta['wrk']}: `wrk -t{meta['wrk_threads']} -c{meta['wrk_conns']} "
      f"-d{meta['duration_s']}s --latency` (keep-alive) after {meta['warmup_s']} s of unrecorded "
      f"warm-up; login rows -c{meta['login_conns']}; {meta['runs']} run(s) interleaved, medians "
      f"shown; wrk shares the cores with the servers (nothing pinned)")
    p(f"- servers: tessera serve and the ceiling with {meta['server_threads']} I/O threads; "
      f"node peers {meta['peer_workers']} process(es) each (node {meta['node'] or '?'}); "
      f"Argon2id m={meta['argon2']['memory_kib']} KiB t={meta['argon2']['iterations']} p=1 on "
      f"{meta['argon2']['threads']} threads")
    p()
    p("| workload | Tessera req/s | p99 | ceiling req/s | ratio | best peer | peer req/s | ratio |")
    p("|---|---:|---:|---:|---:|---|---:|---:|")
    for row in ROWS:
        t, lim, unit = row["tessera"], row["limit"], row["unit"]
        ts = f.status(t)
        ls = f.status(lim) if lim else "no limit measured over HTTP"
        tv, tp99 = f.median(t), f.median(t, "p99_ms")
        lv = f.median(lim) if lim else None
        peers = [(f.median(pid), pid) for pid in row["peers"] if f.status(pid) == "ok"]
        best = max(peers, key=lambda x: x[0] or 0) if peers else None
        pv, pid = (best if best else (None, row["peers"][0] if row["peers"] else None))
        ps = f.status(pid) if pid else "missing: no peer does this"
        cell_t = fmt_rate(tv) if ts == "ok" else short(ts)
        cell_p99 = fmt_ms(tp99) if ts == "ok" and tp99 is not None else "—"
        cell_l = fmt_rate(lv) if ls == "ok" else (short(ls) if lim else "—")
        r_l = f.ratio(t, lim) if tv is not None and lv else None
        r_p = f.ratio(t, pid) if tv is not None and pv else None
        peer_name = LABELS.get(pid, "—") if pid else "— (no peer)"
        cell_p = fmt_rate(pv) if ps == "ok" else (short(ps) if pid else "—")
        p(f"| {row['workload']} | {cell_t} | {cell_p99} | {cell_l} | "
          f"{'—' if r_l is None else f'{r_l:.0%}'} | {peer_name} | {cell_p} | "
          f"{'—' if r_p is None else f'{r_p:.2f}×'} |")
        if ts != "ok":
            notes.append(f"{row['workload']}: {ts}")
        elif f.bad(t):
            notes.append(f"{row['workload']}: {f.bad(t)} non-2xx responses or socket errors "
                         f"(not counted in req/s)")
        if pid and ps != "ok":
            notes.append(f"{LABELS.get(pid, pid)}: {ps}")
        common = {"limit": LABELS[lim] if lim else None, "peer": LABELS.get(pid) if pid else None}
        out.append({"name": row["workload"], "value": tv, "unit": unit,
                    "limit_value": lv, "peer_value": pv, "status": ts,
                    "limit_status": ls, "peer_status": ps if pid else "no peer",
                    "ratio_limit": r_l, "ratio_peer": r_p,
                    "runs": f.values(t), "non2xx_or_errors": f.bad(t) if ts == "ok" else None,
                    **common})
        lp99 = f.median(lim, "p99_ms") if lim else None
        pp99 = f.median(pid, "p99_ms") if pid and ps == "ok" else None
        out.append({"name": row["workload"] + " p99", "value": tp99, "unit": "ms",
                    "limit_value": lp99, "peer_value": pp99, "status": ts,
                    "limit_status": ls if lim != "argon2.raw" else "no latency for the raw hash",
                    "peer_status": ps if pid else "no peer",
                    "runs": f.values(t, "p99_ms"), **common})
        if lim == "argon2.raw":
            out[-1]["limit"] = None

    # The storm row: p99 with and without concurrent logins.
    s, base = STORM["tessera"], STORM["baseline"]
    ss = f.status(s)
    sv, bv = f.median(s, "p99_ms"), f.median(base, "p99_ms")
    ratio = f.ratio(s, base, "p99_ms") if sv is not None and bv else None
    cell = fmt_ms(sv) if ss == "ok" else "—"
    p(f"| {STORM['workload']} | {fmt_rate(f.median(s)) if ss == 'ok' else short(ss)} | {cell} | "
      f"p99 without: {fmt_ms(bv) if bv is not None else '—'} | "
      f"{'—' if ratio is None else f'{ratio:.2f}× the p99'} | — (no peer) | — | — |")
    if ss != "ok":
        notes.append(f"{STORM['workload']}: {ss}")
    out.append({"name": STORM["workload"], "value": sv, "unit": "ms",
                "limit": "p99 of GET /auth/verify (session cookie) without a login storm",
                "limit_value": bv, "peer": None, "peer_value": None, "status": ss,
                "peer_status": "no peer", "ratio_limit": ratio, "runs": f.values(s, "p99_ms"),
                "verify_rps_during_storm": f.median(s),
                "logins_per_s_during_storm": f.median("tessera.storm_logins")})

    for name, mid in PROPAGATION:
        st = f.status(mid)
        v = f.median(mid, "p99_ms") if st == "ok" else None
        p50 = f.median(mid, "p50_ms") if st == "ok" else None
        p(f"| {name} | — | {fmt_ms(v)} | p50 {fmt_ms(p50)} | — | — (no peer) | — | — |")
        if st != "ok":
            notes.append(f"{name}: {st}")
        out.append({"name": name, "value": v, "unit": "ms", "limit": None, "limit_value": None,
                    "peer": None, "peer_value": None, "status": st, "peer_status": "no peer",
                    "p50_ms": p50, "max_ms": f.median(mid, "max_ms") if st == "ok" else None,
                    "rounds": f.median(mid, "n") if st == "ok" else None})

    # Refresh families on disk (issue 15): one measurement after the rounds, not wrk.
    space_status = f.status(SPACE)
    space = []
    if space_status == "ok":
        space = refresh_space_rows(f.runs[SPACE][0], "PostgreSQL")
        out += space
    else:
        notes.append(f"refresh families on PostgreSQL (refresh_space.sh): {space_status}")
        out.append({"name": "refresh families on PostgreSQL: bytes on disk per family "
                    "(refresh_space.sh)", "value": None, "unit": "bytes", "limit": None,
                    "limit_value": None, "peer": None, "peer_value": None,
                    "status": space_status, "part": "refresh_space"})
    if space and space[0]["status"] != "ok":
        notes.append(f"refresh families on PostgreSQL (refresh_space.sh): {space[0]['status']}")
    if space:
        p()
        p("| refresh families on PostgreSQL (`refresh_space.sh`) | value | before any rotation |")
        p("|---|---:|---:|")
        for r in space:
            unit = r["unit"]
            before = r.get("limit_value")
            p(f"| {r['name'].split(': ', 1)[1]} | {r['value']:,.0f} {unit} | "
              f"{'—' if before is None else f'{before:,.0f} {unit}'} |")
        d = f.runs[SPACE][0]
        p()
        p(f"After a plain VACUUM (not the figure judged): "
          f"{d.get('bytes_per_family_after_vacuum', 0):,.0f} bytes per family; HOT updates "
          f"{d.get('hot_update_pct') or 0:.2f}%, autovacuum runs during the loop: "
          f"{d.get('autovacuums_during')}, fsync {d.get('fsync')}, synchronous_commit "
          f"{d.get('synchronous_commit')}.")

    oauth = oauth_table(f, meta, out, notes)

    p()
    p("Ratios: Tessera ÷ ceiling (percent) and Tessera ÷ best peer (×), each taken within a run "
      "(both measured in the same round, minutes apart at most) and the median over runs. The "
      "login rows' ceiling is raw Argon2id hashes/s at the same parameters, measured just before "
      "and after them; their peer hashes no password at all. The HS256 Bearer row is a second "
      "`tessera serve` with `TESSERA_TOKENS__ALGORITHM=HS256`. The refresh row counts only "
      "answers that continued a chain (200 with a new refresh_token); each wrk connection "
      "rotates its own chain, and any other answer is an error below.")
    notes = list(dict.fromkeys(notes))  # a peer shared by two rows is named once
    if notes:
        p()
        p("Not measured, or measured with errors:")
        for n in notes:
            p(f"- {n}")

    # Targets from the issues (judged only on what was measured).
    def judge(ok):
        return "—" if ok is None else ("yes" if ok else "**no**")
    v = f.median("tessera.verify_cookie")
    v99 = f.median("tessera.verify_cookie", "p99_ms")
    r_login = f.ratio("tessera.login", "argon2.raw")
    r_ceiling = f.ratio("tessera.verify_cookie", "ceiling.root")
    r_sess = f.ratio("tessera.verify_cookie", "peer.session_me")
    hs = f.median("tessera.verify_bearer_hs256")
    r_hs_peer = f.ratio("tessera.verify_bearer_hs256", "peer.node_mejwt")
    rot = f.median("tessera.refresh")
    so_v = f.median("tessera_so.verify_cookie")
    so_rot = f.median("tessera_so.refresh")
    r_so_pg = f.ratio("tessera_so.refresh", "pg.rotate_tx")
    growth = next((r for r in space if "added per family by 10,000 rotations" in r["name"]), None)
    targets = [
        ("/auth/verify (cookie) >= 60,000 req/s on 2 cores", fmt_rate(v), None if v is None else v >= 60000),
        ("/auth/verify (cookie) p99 < 5 ms", fmt_ms(v99), None if v99 is None else v99 < 5),
        ("logins/s >= 90% of raw Argon2id", "—" if r_login is None else f"{r_login:.0%}",
         None if r_login is None else r_login >= 0.9),
        ("/auth/verify p99 during a login storm <= 2× without", "—" if ratio is None else f"{ratio:.2f}×",
         None if ratio is None else ratio <= 2),
        ("/auth/verify (cookie) >= 50% of the ceiling (issue 6)", "—" if r_ceiling is None else f"{r_ceiling:.0%}",
         None if r_ceiling is None else r_ceiling >= 0.5),
        ("/auth/verify (cookie) >= 10× express-session + connect-redis (issue 6)",
         "—" if r_sess is None else f"{r_sess:.1f}×", None if r_sess is None else r_sess >= 10),
        ("/auth/verify (Bearer HS256) >= 60,000 req/s (tokens issue)", fmt_rate(hs),
         None if hs is None else hs >= 60000),
        ("/auth/verify (Bearer HS256) >= 2× node:http + fast-jwt HS256 (tokens issue)",
         "—" if r_hs_peer is None else f"{r_hs_peer:.2f}×",
         None if r_hs_peer is None else r_hs_peer >= 2),
        # A broken chain is a failed rotation: the target holds only without errors.
        ("POST /auth/refresh >= 5,000 rotations/s, no errors (tokens issue)",
         fmt_rate(rot) + (f" ({f.bad('tessera.refresh')} errors)" if rot and f.bad("tessera.refresh") else ""),
         None if rot is None else rot >= 5000 and f.bad("tessera.refresh") == 0),
        ("/auth/verify (Redis-backed session) >= 35,000 req/s (scale-out issue)",
         fmt_rate(so_v), None if so_v is None else so_v >= 35000),
        ("POST /auth/refresh on PostgreSQL >= 3,000 rotations/s, no errors (scale-out issue)",
         fmt_rate(so_rot) + (f" ({f.bad('tessera_so.refresh')} errors)" if so_rot and f.bad("tessera_so.refresh") else ""),
         None if so_rot is None else so_rot >= 3000 and f.bad("tessera_so.refresh") == 0),
        ("POST /auth/refresh on PostgreSQL >= 40% of pgbench (issue 15)",
         "—" if r_so_pg is None else f"{r_so_pg:.0%}", None if r_so_pg is None else r_so_pg >= 0.4),
        # Judged on what the rotations add, not on the bytes per family in all (see
        # bench/summary.py: the tables' fixed pages divided by the few families measured).
        ("PostgreSQL: bytes a refresh family gains on disk over 10,000 rotations <= 1 KiB "
         "(issue 15)", "—" if growth is None else f"{growth['value']:,.0f} B",
         None if growth is None else growth["value"] <= 1024),
    ]
    cc, intro = oauth["tessera.oauth_client_credentials"], oauth["tessera.oauth_introspect"]
    targets += [
        ("POST /oauth2/token client_credentials >= 5× oidc-provider (issue 16)",
         "—" if cc["ratio_peer"] is None else f"{cc['ratio_peer']:.2f}×",
         None if cc["ratio_peer"] is None else cc["ratio_peer"] >= 5),
        ("POST /oauth2/token client_credentials >= 50% of the ES256 sign limit on the cores used "
         "(issue 16)", ("—" if cc["ratio_sign"] is None else f"{cc['ratio_sign']:.0%}")
         + ("" if cc.get("sign_ceiling_of_sign") is None else
            f" (the minimal server signing once per request: {cc['sign_ceiling_of_sign']:.0%})"),
         None if cc["ratio_sign"] is None else cc["ratio_sign"] >= 0.5),
        ("POST /oauth2/introspect >= 10× oidc-provider (issue 16)",
         "—" if intro["ratio_peer"] is None else f"{intro['ratio_peer']:.2f}×",
         None if intro["ratio_peer"] is None else intro["ratio_peer"] >= 10),
    ]
    # A ratio to a physical limit above 1 cannot be real: on a shared machine it means the two
    # were not measured under the same load. Say so rather than print a plain "yes".
    above = {"logins/s >= 90% of raw Argon2id": r_login,
             "/auth/verify (cookie) >= 50% of the ceiling (issue 6)": r_ceiling}
    p()
    p("| target | measured | met? |")
    p("|---|---:|---|")
    for name, measured, ok in targets:
        verdict = judge(ok) if ok is not None else "not measured"
        if (above.get(name) or 0) > 1.05:
            verdict += " (above the limit: machine noise, re-measure)"
        p(f"| {name} | {measured} | {verdict} |")

    # Every measurement, every run.
    p()
    p("<details><summary>every measurement</summary>")
    p()
    p("| measurement | req/s per run | p50 ms | p99 ms | non-2xx + socket errors |")
    p("|---|---|---|---|---|")
    for mid, ds in f.runs.items():
        rates = " / ".join(f"{d['ok_rps']:,.0f}" for d in ds if "ok_rps" in d) or "—"
        p50 = " / ".join(f"{d['p50_ms']:.2f}" for d in ds if "p50_ms" in d) or "—"
        p99 = " / ".join(f"{d['p99_ms']:.2f}" for d in ds if "p99_ms" in d) or "—"
        bad = " / ".join(str(d.get("non2xx", 0) + d.get("err_connect", 0) + d.get("err_read", 0) +
                             d.get("err_write", 0) + d.get("err_timeout", 0)) for d in ds)
        p(f"| {LABELS.get(mid, mid)} | {rates} | {p50} | {p99} | {bad} |")
    p()
    p("</details>")

    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(out, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    sys.exit(main())
