#!/usr/bin/env bash
# bench/http/refresh_ab.sh - before/after of POST /auth/refresh on SQLite: two `tessera`
# binaries measured in alternation (A, B, A, B, ...), each round on a fresh data dir, so both
# see the same machine minute. Per round: rotations/s and p99 from wrk (wrk_refresh.lua, one
# chain per connection), and the server's own CPU time per rotation (utime + stime from
# /proc/PID/stat over the wrk run), which machine load and steal time disturb far less than
# throughput does.
#
#   bench/http/refresh_ab.sh OLD_TESSERA NEW_TESSERA [ROUNDS]
#   e.g. git worktree add /tmp/old HEAD~1 && (cd /tmp/old && scripts/build.sh release)
#        bench/http/refresh_ab.sh /tmp/old/build/release/tessera build/release/tessera 3
#
# Settings (environment): DURATION (6 s of wrk per round), CONNS (64), THREADS (2 server I/O
# threads and 2 wrk threads), BACKEND (sqlite, or postgres: the nodes' scale-out setting, on a
# durable PostgreSQL + Redis that this script starts with scripts/local-services.sh, a fresh
# database per round, a CHECKPOINT before each). Everything listens on 127.0.0.1 and is
# stopped by PID.
set -euo pipefail

[[ $# -ge 2 ]] || { sed -n '2,17p' "$0"; exit 2; }
A=$1 B=$2 ROUNDS=${3:-3}
DURATION=${DURATION:-6} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for bin in "$A" "$B"; do [[ -x $bin ]] || { echo "refresh_ab: $bin is not executable" >&2; exit 2; }; done
command -v wrk >/dev/null || { echo "refresh_ab: wrk is missing (scripts/install-deps.sh)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/tessera-refresh-ab.XXXXXX)
PID=
BACKEND=${BACKEND:-sqlite}
TOP="$(cd "$HERE/../.." && pwd)"
cleanup() {
  [[ -n $PID ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [[ $BACKEND == postgres ]] && "$TOP/scripts/local-services.sh" stop "$TMP/services" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
PASSWORD="ab-$(openssl rand -hex 12)"
USERS=8
ENV=()
case $BACKEND in
  sqlite) ;;
  postgres)
    "$TOP/scripts/local-services.sh" start "$TMP/services" postgres redis >"$TMP/services.env"
    while IFS= read -r line; do eval "SVC_${line%%=*}=${line#*=}"; done <"$TMP/services.env"
    PG_PORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$SVC_TESSERA_TEST_POSTGRES_DSN")
    ENV=(TESSERA_CACHE__BACKEND=redis "TESSERA_CACHE__REDIS_URL=$SVC_TESSERA_TEST_REDIS_URL"
         "TESSERA_KEYS__ENCRYPTION_KEY=$(openssl rand 32 | base64 -w0 | tr '+/' '-_' | tr -d '=')"
         TESSERA_TOKENS__ISSUER=https://tessera.bench)
    ;;
  *) echo "refresh_ab: BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac
DB_SERIAL=0
# store_env: the environment of one round's binaries; on PostgreSQL a database of its own (the
# two binaries may know different schema versions), after a CHECKPOINT (the last round's writes).
store_env() {
  [[ $BACKEND == postgres ]] || return 0
  local db="ab_$((++DB_SERIAL))"
  psql -h 127.0.0.1 -p "$PG_PORT" -U tessera -q -c CHECKPOINT postgres >/dev/null
  createdb -h 127.0.0.1 -p "$PG_PORT" -U tessera "$db"
  ROUND_ENV=(TESSERA_STORE__BACKEND=postgres
             "TESSERA_STORE__POSTGRES_DSN=${SVC_TESSERA_TEST_POSTGRES_DSN/dbname=tessera/dbname=$db}")
  sleep 2
}

# round BIN LABEL: one measured round; prints one Markdown row.
round() {
  local bin=$1 label=$2 dir url i c0 c1 out
  dir=$(mktemp -d "$TMP/round.XXXXXX")
  ROUND_ENV=()
  store_env
  for ((i = 0; i < USERS; i++)); do
    printf '%s\n' "$PASSWORD" | env "${ENV[@]}" "${ROUND_ENV[@]}" "$bin" user add \
      --data-dir "$dir/data" "ab-$i@example.com" >/dev/null 2>&1 ||
      { echo "refresh_ab: user add failed with $bin" >&2; exit 1; }
  done
  env "${ENV[@]}" "${ROUND_ENV[@]}" "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --threads "$THREADS" \
    >"$dir/serve.log" 2>&1 &
  PID=$!
  for ((i = 0; i < 100; i++)); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/serve.log" | head -n 1 || true)
    [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { echo "refresh_ab: $bin serve did not start" >&2; exit 1; }
  # CONNS + 1 fresh refresh tokens (wrk_refresh.lua: one chain per connection, and a spare).
  python3 - "$url" "$PASSWORD" "$USERS" $((CONNS + 1)) "$dir/tokens" <<'EOF'
import concurrent.futures, json, sys, urllib.request
url, password, users, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def one(i):
    body = json.dumps({"email": f"ab-{i % users}@example.com", "password": password}).encode()
    req = urllib.request.Request(url + "/auth/token", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["refresh_token"]
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    tokens = list(pool.map(one, range(n)))
open(out, "w").write("\n".join(tokens) + "\n")
EOF
  c0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
  out=$(WRK_REFRESH_TOKENS="$dir/tokens" WRK_REFRESH_THREADS=2 wrk -t2 -c"$CONNS" \
    -d"${DURATION}s" --latency -s "$HERE/wrk_refresh.lua" -H 'Content-Type: application/json' \
    "$url/auth/refresh" | sed -n 's/^WRKJSON //p')
  c1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
  kill -TERM "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
  python3 - "$out" $((c1 - c0)) "$(getconf CLK_TCK)" "$label" <<'EOF'
import json, sys
d, ticks, hz, label = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ok = d["ok_rps"] * d["secs"]
cpu_us = ticks / hz / ok * 1e6 if ok else float("nan")
bad = d["non2xx"] + d["err_connect"] + d["err_read"] + d["err_write"] + d["err_timeout"]
print(f"| {label} | {d['ok_rps']:,.0f} | {d['p99_ms']:.1f} | {cpu_us:.0f} | {bad} |")
EOF
  rm -rf "$dir"
}

echo "A = $A"
echo "B = $B"
echo
echo "| round | rotations/s | p99 ms | server CPU µs per rotation | errors |"
echo "|---|---:|---:|---:|---:|"
for ((r = 1; r <= ROUNDS; r++)); do
  round "$A" "$r A"
  round "$B" "$r B"
done
