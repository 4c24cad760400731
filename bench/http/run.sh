#!/usr/bin/env bash
# bench/http/run.sh - Tessera's HTTP endpoints under wrk, side by side in one run with the
# minimal-server ceiling (bench/ceiling/) and the node peers of ../shared/peers.
#
#   bench/http/run.sh           # full: RUNS=3, wrk 7 s after 2 s warm-up (about 5-9 min, plus
#                               # pg.refresh_space's 640,000 durable rotations: minutes)
#   bench/http/run.sh --quick   # RUNS=1, wrk 3 s after 1 s warm-up (about 1-2 min + build)
#
# What it does (everything on 127.0.0.1, ports picked by the kernel):
#   1. builds Release (scripts/build.sh release), or uses BENCH_BUILD_DIR as it is (rebuilding
#      only the targets it needs there);
#   2. starts `tessera serve` on a fresh temporary data dir, the ceiling server (same stack,
#      same I/O thread count, fixed 200 and no work) and, when ../shared/peers is there and its
#      setup.sh works, the peers: node:http and express-session + connect-redis (peers' own
#      http/app.mjs, with a private redis-server) and oidc-provider (peers' oidc/provider.mjs);
#      a second oidc-provider of bench/http's own (oidc_code_provider.mjs: a first-party code-flow
#      client, the peer of the authorization-code round trip);
#      and two more nodes on a throwaway PostgreSQL + Redis (the scale-out rows, with
#      redis-benchmark GET and pgbench on the same servers as their limits);
#      after the last round, on that PostgreSQL, refresh_space.sh: bytes on disk per refresh
#      family after 10,000 rotations through the PostgreSQL RefreshStore (issue 15);
#   3. checks each endpoint answers what it should before loading it (a benchmark of 401s is
#      worthless); Tessera endpoints that answer 404 are "not available yet", peers that cannot
#      start are "missing": nothing is invented;
#   4. runs wrk with fixed threads, connections and duration over keep-alive, interleaving the
#      workloads so that Tessera, the ceiling and the peers see the same machine load;
#   5. prints one Markdown table and writes bench/out/http.json (+ http.md, raw jsonl);
#   6. stops everything it started, by PID, however it exits.
#
# Two rows need more than a fixed request (see bench/README.md "HTTP"):
#   tessera.refresh              POST /auth/refresh: every connection rotates its own refresh
#                                token chain (wrk_refresh.lua); the WRK_CONNS + 1 tokens come
#                                from POST /auth/token just before each wrk run (warm-up and
#                                measured), because wrk stops with requests in flight and the
#                                successors they were answered with are lost;
#   tessera.verify_bearer_hs256  the Bearer verify row on a second `tessera serve` with HS256
#                                access tokens (TESSERA_TOKENS__ALGORITHM=HS256, its own data
#                                dir), the algorithm of the fast-jwt peer.
#   tessera.oauth_*              OAuth 2.0 (issue 16): client_credentials at /oauth2/token,
#                                /oauth2/introspect of a live access token, and the authorization-
#                                code round trip (wrk_code.lua: authorize with a session -> code ->
#                                exchange), each beside oidc-provider (peer.oidc_*) and, for the
#                                rows that sign, es256.sign: raw ES256 signatures/s with one
#                                jose_bench process per server core at once (see "OAuth" below).
#   ceiling.sign                 a second ceiling_server, with --sign-es256: one raw ES256
#                                signature per request, then the fixed answer; loaded with the
#                                client_credentials request (same headers and body), right
#                                before that row: the limit of an endpoint whose only work
#                                is one signature, HTTP and load generator on the same cores.
#   pg.refresh_space             not wrk: refresh_space.sh on a database of its own on the
#                                scale-out PostgreSQL: REFRESH_SPACE_FAMILIES (64) families
#                                rotated REFRESH_SPACE_ROTATIONS times each (10,000; 1,000 with
#                                --quick) on REFRESH_SPACE_THREADS threads (16), one in
#                                REFRESH_SPACE_SPREAD (32) of the families stored.
#
# wrk runs on the same 2 cores as the servers (nothing is pinned): every server pays the same
# handicap. Latency is closed-loop (each connection sends its next request when the previous
# answer arrives), so p50 ~ connections / throughput.
#
# Settings (environment): RUNS, WRK_THREADS (2), WRK_CONNS (64), WRK_DURATION, WRK_WARMUP,
# LOGIN_CONNS (16: login rows; enough to keep the hashing pool busy), LOGIN_USERS (32 accounts
# the login rows cycle through), SERVER_THREADS (cores;
# given to tessera --threads and the ceiling), ARGON2_MEMORY_KIB (19456), ARGON2_ITERATIONS (2),
# ARGON2_SECONDS, PEERS=0 (skip peers), PEERS_DIR (../shared/peers), PEER_WORKERS (1: node
# processes per peer app; 2 = node:cluster on both cores), OUT_DIR (bench/out), BENCH_BUILD_DIR
# (an existing CMake build dir to use instead of build/release; BENCH_NO_BUILD=1: as it is),
# REFRESH_SPACE_FAMILIES, REFRESH_SPACE_ROTATIONS, REFRESH_SPACE_THREADS, REFRESH_SPACE_SPREAD
# (32; pg.refresh_space), SCALEOUT=0 (skip the PostgreSQL + Redis part).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOP="$(cd "$HERE/../.." && pwd)"

QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h | --help) sed -n '2,63p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (use --quick)" >&2; exit 2 ;;
  esac
done

if ((QUICK)); then
  RUNS=${RUNS:-1} WRK_DURATION=${WRK_DURATION:-3} WRK_WARMUP=${WRK_WARMUP:-1}
  ARGON2_SECONDS=${ARGON2_SECONDS:-3}
else
  RUNS=${RUNS:-3} WRK_DURATION=${WRK_DURATION:-7} WRK_WARMUP=${WRK_WARMUP:-2}
  ARGON2_SECONDS=${ARGON2_SECONDS:-5}
fi
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
LOGIN_CONNS=${LOGIN_CONNS:-16}
LOGIN_USERS=${LOGIN_USERS:-32}
SERVER_THREADS=${SERVER_THREADS:-$(nproc)}
ARGON2_MEMORY_KIB=${ARGON2_MEMORY_KIB:-19456}
ARGON2_ITERATIONS=${ARGON2_ITERATIONS:-2}
PEERS=${PEERS:-1}
PEERS_DIR=${PEERS_DIR:-$TOP/../shared/peers}
PEER_WORKERS=${PEER_WORKERS:-1}
OUT_DIR=${OUT_DIR:-$TOP/bench/out}
LUA="$HERE/wrk_json.lua"
PY=python3

log() { printf '[bench/http] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

for tool in wrk curl "$PY"; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done

# ---------------------------------------------------------------- build
if [[ -n "${BENCH_BUILD_DIR:-}" ]]; then
  BUILD="$BENCH_BUILD_DIR"
else
  log "scripts/build.sh release"
  BUILD="$("$TOP/scripts/build.sh" release | tail -n 1)"
fi
# The benchmark targets are EXCLUDE_FROM_ALL (bench/CMakeLists.txt): built here by name.
if [[ -z "${BENCH_BUILD_DIR:-}" || "${BENCH_NO_BUILD:-0}" != 1 ]]; then
  log "building tessera ceiling_server argon2_ceiling refresh_space jose_bench in $BUILD"
  cmake --build "$BUILD" --target tessera ceiling_server argon2_ceiling refresh_space \
    jose_bench >&2
fi
TESSERA="$BUILD/tessera"
CEILING="$BUILD/bench/ceiling_server"
ARGON2="$BUILD/bench/argon2_ceiling"
for b in "$TESSERA" "$CEILING" "$ARGON2"; do [[ -x "$b" ]] || die "not built: $b"; done

# ---------------------------------------------------------------- processes and cleanup
TMP=$(mktemp -d /tmp/tessera-bench-http.XXXXXX)
PIDS=()     # servers, stopped in reverse order
WRK_PIDS=() # wrk runs in flight (waited for in the background so traps act at once)
cleanup() {
  local pid i
  # Every background job of this shell is ours too (belt and braces for PIDS).
  for pid in $(jobs -p); do [[ " ${PIDS[*]} " == *" $pid "* ]] || PIDS+=("$pid"); done
  for pid in "${WRK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" "${WRK_PIDS[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [[ -d "$TMP/services" ]] && "$TOP/scripts/local-services.sh" stop "$TMP/services" || true
  if [[ -n "${KEEP_TMP:-}" ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# forget_pid PID: drop a process that has been waited for (its PID may be reused later).
forget_pid() {
  local keep=() pid
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}

RESULTS="$TMP/results.jsonl" # one line per measurement or per missing workload
: >"$RESULTS"

# record_missing ID REASON: the workload is reported as missing / not available, with why.
declare -A MISSING=() # ID -> 1 once recorded as missing
record_missing() {
  "$PY" -c 'import json,sys; print(json.dumps({"id": sys.argv[1], "missing": sys.argv[2]}))' \
    "$1" "$2" >>"$RESULTS"
  MISSING[$1]=1
  log "$1: $2"
}
declare -A AVAILABLE=() # ID -> 1 when the workload passed its checks

# start_announcing NAME CMD...: starts a server that prints "listening on URL"; sets URL.
start_announcing() {
  local name=$1 out="$TMP/$1.out" pid i
  shift
  : >"$out"
  "$@" >"$out" 2>"$TMP/$name.err" &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 400; i++)); do
    URL=$(sed -n 's/^listening on //p' "$out" | head -n 1)
    [[ -n "$URL" ]] && { log "$name pid $pid on $URL"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  log "$name did not start; its stderr:"
  cat "$TMP/$name.err" >&2
  return 1
}

# wait_for_port_file FILE PID: the peers' apps write their port to a file once listening.
wait_for_port_file() {
  local f=$1 pid=$2 i
  for ((i = 0; i < 600; i++)); do
    [[ -s "$f" ]] && { tr -d '\n' <"$f"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# http_code ARGS...: the status code curl gets (000 when nothing answers).
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }

# ---------------------------------------------------------------- wrk
# measure ID RUN URL [wrk args...]: warm-up, then the measured run; appends one JSON line.
# Env: WRK_METHOD, WRK_BODY (for the Lua script), CONNS (default WRK_CONNS), WRK_LUA (another
# wrk script that prints the same WRKJSON line; default wrk_json.lua), WRK_PREPARE (a command
# run with the connection count before each wrk run, warm-up included; if it fails, the run is
# recorded as failed with its reason).
measure() {
  local id=$1 run=$2 url=$3 conns=${CONNS:-$WRK_CONNS} rc=0 j lua=${WRK_LUA:-$LUA}
  shift 3
  local wlog="$TMP/wrk-$id-$run.log"
  if ((WRK_WARMUP > 0)); then
    if [[ -z "${WRK_PREPARE:-}" ]] || "$WRK_PREPARE" "$conns" 2>"$TMP/prepare-$id-$run.err"; then
      timeout $((WRK_WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$conns" -d"${WRK_WARMUP}s" --timeout 5s \
        -s "$lua" "$@" "$url" >/dev/null 2>&1 &
      WRK_PIDS=("$!")
      wait "${WRK_PIDS[0]}" || true
    fi
  fi
  if [[ -n "${WRK_PREPARE:-}" ]] && ! "$WRK_PREPARE" "$conns" 2>"$TMP/prepare-$id-$run.err"; then
    log "$id run $run: $WRK_PREPARE failed:"
    cat "$TMP/prepare-$id-$run.err" >&2
    "$PY" -c 'import json,sys; print(json.dumps({"id": sys.argv[1], "run": int(sys.argv[2]), "error": sys.argv[3]}))' \
      "$id" "$run" "$WRK_PREPARE failed: $(tail -n 1 "$TMP/prepare-$id-$run.err")" >>"$RESULTS"
    return 0
  fi
  timeout $((WRK_DURATION + 30)) wrk -t"$WRK_THREADS" -c"$conns" -d"${WRK_DURATION}s" \
    --timeout 5s --latency -s "$lua" "$@" "$url" >"$wlog" 2>&1 &
  WRK_PIDS=("$!")
  wait "${WRK_PIDS[0]}" || rc=$?
  WRK_PIDS=()
  j=$(sed -n 's/^WRKJSON //p' "$wlog")
  if ((rc != 0)) || [[ -z "$j" ]]; then
    log "$id run $run: wrk failed (exit $rc):"
    cat "$wlog" >&2
    "$PY" -c 'import json,sys; print(json.dumps({"id": sys.argv[1], "run": int(sys.argv[2]), "error": "wrk failed"}))' \
      "$id" "$run" >>"$RESULTS"
    return 0
  fi
  "$PY" - "$j" "$id" "$run" "$conns" >>"$RESULTS" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
d.update(id=sys.argv[2], run=int(sys.argv[3]), conns=int(sys.argv[4]))
print(json.dumps(d))
bad = d["non2xx"] + d["err_connect"] + d["err_read"] + d["err_write"] + d["err_timeout"]
print(f"[wrk] {d['id']:<28} run {d['run']}: {d['ok_rps']:>10,.0f} req/s  p50 {d['p50_ms']:7.2f} ms"
      f"  p99 {d['p99_ms']:7.2f} ms  non-2xx+errors {bad}", file=sys.stderr)
EOF
}

# measure_if ID RUN URL [args]: measure only workloads that passed their checks.
measure_if() {
  [[ -n "${AVAILABLE[$1]:-}" ]] || return 0
  measure "$@"
}

# measure_logins ID RUN URL [args]: measure_if, LOGIN_CONNS connections, each request a JSON
# login of the next of the LOGIN_USERS users (wrk_json.lua).
measure_logins() {
  local -x WRK_METHOD=POST WRK_LOGIN_USERS=$LOGIN_USERS WRK_LOGIN_EMAIL=$LOGIN_EMAIL_FORMAT \
    WRK_LOGIN_PASSWORD=$PASSWORD
  CONNS=$LOGIN_CONNS measure_if "$@"
}

# ---------------------------------------------------------------- Tessera and the ceiling
start_announcing tessera "$TESSERA" serve --listen 127.0.0.1:0 --data-dir "$TMP/tessera-data" \
  --threads "$SERVER_THREADS" || die "tessera serve did not start"
T_URL=$URL
start_announcing ceiling "$CEILING" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" ||
  die "ceiling_server did not start"
C_URL=$URL
start_announcing ceiling-sign "$CEILING" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" \
  --sign-es256 || die "ceiling_server --sign-es256 did not start"
C_SIGN_URL=$URL

[[ $(http_code "$C_URL/") == 200 ]] && AVAILABLE[ceiling.root]=1 ||
  record_missing ceiling.root "ceiling server did not answer 200"
[[ $(http_code "$C_SIGN_URL/") == 200 ]] && AVAILABLE[ceiling.sign]=1 ||
  record_missing ceiling.sign "ceiling server with --sign-es256 did not answer 200"
[[ $(http_code "$T_URL/healthz") == 200 ]] && AVAILABLE[tessera.healthz]=1 ||
  record_missing tessera.healthz "GET /healthz did not answer 200"
code=$(http_code "$T_URL/.well-known/jwks.json")
if [[ $code == 200 ]]; then AVAILABLE[tessera.jwks]=1; else
  record_missing tessera.jwks "GET /.well-known/jwks.json answered $code"; fi

# Identity workloads. They need POST /auth/login (cookie) and/or POST /auth/token, and users
# made with `tessera user add EMAIL` (password on stdin) on the server's data dir while it
# runs (SPEC.md "Running"). One user holds the session the verify rows present; the login rows
# cycle through LOGIN_USERS others (wrk_json.lua), so that neither max_sessions_per_user
# eviction ends the session being verified nor the per-email limit on logins in flight turns
# the load into 429s.
PASSWORD="bench-$(openssl rand -hex 12 2>/dev/null || echo "$RANDOM$RANDOM$RANDOM")"
VERIFY_EMAIL=bench-verify@example.com
LOGIN_EMAIL_FORMAT=bench-login-%d@example.com
STORM_EMAIL=bench-login-0@example.com
login_body() { printf '{"email":"%s","password":"%s"}' "$1" "$PASSWORD"; }

# not_yet ID...: mark every given workload "not available yet" with the same reason.
not_yet() {
  local reason=$1 id
  shift
  for id in "$@"; do record_missing "$id" "not available yet: $reason"; done
}

# add_user EMAIL [DATA_DIR BASE_URL]: `tessera user add`, with the data dir given as a flag,
# else as the cwd's default ./tessera-data; then POST /auth/signup as a last resort (open signup
# only). Default: the main server's data dir and URL.
add_user() {
  local email=$1 data=${2:-$TMP/tessera-data} base=${3:-$T_URL}
  printf '%s\n' "$PASSWORD" | "$TESSERA" user add --data-dir "$data" "$email" \
    >>"$TMP/user-add.log" 2>&1 && return 0
  if [[ $data == "$TMP/tessera-data" ]]; then
    printf '%s\n' "$PASSWORD" | (cd "$TMP" && "$TESSERA" user add "$email") \
      >>"$TMP/user-add.log" 2>&1 && return 0
  fi
  [[ $(http_code -H 'Content-Type: application/json' --data "$(login_body "$email")" \
    "$base/auth/signup") == 201 ]]
}

# post_login PATH EMAIL: POSTs the credentials as JSON; sets LOGIN_CODE, with the headers in
# $TMP/login.h and the body in $TMP/login.b. If the server wants an Origin on the login (CSRF on
# an unauthenticated POST), it is retried once with the server's own origin, and the wrk rows
# send it too. (Called in this shell, not in $(...), so LOGIN_HEADERS keeps the Origin.)
LOGIN_HEADERS=(-H 'Content-Type: application/json')
post_login() {
  local path=$1 email=$2
  LOGIN_CODE=$(curl -s --max-time 30 -D "$TMP/login.h" -o "$TMP/login.b" -w '%{http_code}' \
    "${LOGIN_HEADERS[@]}" --data "$(login_body "$email")" "$T_URL$path" || true)
  if [[ $LOGIN_CODE == 403 && ${#LOGIN_HEADERS[@]} == 2 ]]; then
    LOGIN_HEADERS+=(-H "Origin: $T_URL")
    LOGIN_CODE=$(curl -s --max-time 30 -D "$TMP/login.h" -o "$TMP/login.b" -w '%{http_code}' \
      "${LOGIN_HEADERS[@]}" --data "$(login_body "$email")" "$T_URL$path" || true)
  fi
}

COOKIE=""
TOKEN=""
probe_login=$(http_code -H 'Content-Type: application/json' --data '{}' "$T_URL/auth/login")
probe_token=$(http_code -H 'Content-Type: application/json' --data '{}' "$T_URL/auth/token")
probe_verify=$(http_code "$T_URL/auth/verify")
log "probes: POST /auth/login -> $probe_login, POST /auth/token -> $probe_token, GET /auth/verify -> $probe_verify"
USERS_OK=0
if [[ $probe_login != 404 || $probe_token != 404 ]]; then
  log "creating $((LOGIN_USERS + 1)) users with tessera user add"
  USERS_OK=1
  add_user "$VERIFY_EMAIL" || USERS_OK=0
  for ((u = 0; USERS_OK && u < LOGIN_USERS; u++)); do
    add_user "$(printf "$LOGIN_EMAIL_FORMAT" "$u")" || USERS_OK=0
  done
  if ((!USERS_OK)); then
    log "could not create the benchmark users; tessera user add said:"
    cat "$TMP/user-add.log" >&2
  fi
fi

# Session login -> cookie for the verify/me rows; login throughput row.
if [[ $probe_login == 404 ]]; then
  not_yet "POST /auth/login answers 404" tessera.verify_cookie tessera.me_cookie tessera.login \
    tessera.verify_cookie_storm
elif ((!USERS_OK)); then
  not_yet "no benchmark user (tessera user add failed)" tessera.verify_cookie tessera.me_cookie \
    tessera.login tessera.verify_cookie_storm
else
  post_login /auth/login "$VERIFY_EMAIL"
  code=$LOGIN_CODE
  COOKIE=$(tr -d '\r' <"$TMP/login.h" | sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-tessera_session=[^;]*\).*/\1/p' | head -n 1)
  if [[ $code != 200 || -z "$COOKIE" ]]; then
    not_yet "POST /auth/login answered $code without a session cookie: $(head -c 300 "$TMP/login.b")" \
      tessera.verify_cookie tessera.me_cookie tessera.login tessera.verify_cookie_storm
  else
    log "session cookie: ${#COOKIE} bytes"
    post_login /auth/login "$STORM_EMAIL"
    code=$LOGIN_CODE
    if [[ $code == 200 ]]; then AVAILABLE[tessera.login]=1; else
      not_yet "POST /auth/login for the second user answered $code" tessera.login; fi
    for id in verify_cookie me_cookie; do
      path=/auth/verify
      [[ $id == me_cookie ]] && path=/auth/me
      with=$(http_code -H "Cookie: $COOKIE" "$T_URL$path")
      without=$(http_code "$T_URL$path")
      if [[ $with == 200 && $without == 401 ]]; then
        AVAILABLE[tessera.$id]=1
      else
        not_yet "GET $path answered $with with the cookie and $without without" "tessera.$id"
      fi
    done
    if [[ -n "${AVAILABLE[tessera.verify_cookie]:-}" && -n "${AVAILABLE[tessera.login]:-}" ]]; then
      AVAILABLE[tessera.verify_cookie_storm]=1
    else
      not_yet "needs both /auth/verify (cookie) and /auth/login" tessera.verify_cookie_storm
    fi
  fi
fi

# Token login -> Bearer access token for the Bearer verify row; token login throughput row.
if [[ $probe_token == 404 ]]; then
  not_yet "POST /auth/token answers 404" tessera.token tessera.verify_bearer
elif ((!USERS_OK)); then
  not_yet "no benchmark user (tessera user add failed)" tessera.token tessera.verify_bearer
else
  post_login /auth/token "$STORM_EMAIL"
  code=$LOGIN_CODE
  TOKEN=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' \
    "$TMP/login.b" 2>/dev/null || true)
  if [[ $code != 200 || -z "$TOKEN" ]]; then
    not_yet "POST /auth/token answered $code without an access_token" tessera.token \
      tessera.verify_bearer
  else
    AVAILABLE[tessera.token]=1
    with=$(http_code -H "Authorization: Bearer $TOKEN" "$T_URL/auth/verify")
    without=$(http_code "$T_URL/auth/verify")
    if [[ $with == 200 && $without == 401 ]]; then AVAILABLE[tessera.verify_bearer]=1; else
      not_yet "GET /auth/verify answered $with with the Bearer token, $without without" \
        tessera.verify_bearer
    fi
  fi
fi

# Refresh rotation: POST /auth/refresh {"refresh_token"} (SPEC.md "Tokens": each use rotates;
# presenting a used token again is reuse and revokes the family). Checked before loading: a
# fresh token from POST /auth/token answers 200 with a different refresh_token, the same token
# presented again 401 (reuse), and a string that is no refresh token 401. Loaded through
# wrk_refresh.lua, one rotation chain per connection.
REFRESH_HEADERS=("${LOGIN_HEADERS[@]}")
refresh_body() { printf '{"refresh_token":"%s"}' "$1"; }
json_member() { # json_member FILE NAME: a top-level string member of a JSON file, or nothing
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" \
    2>/dev/null || true
}

# fetch_refresh_tokens N FILE [BASE_URL]: N fresh refresh tokens, one per line, from POST
# /auth/token (on BASE_URL, default the main server) as the login users in turn (4 logins in
# flight, each for another account, so the per-email limiter never refuses one). Fails, saying
# why, on any answer but 200 with a refresh_token.
fetch_refresh_tokens() {
  "$PY" - "${3:-$T_URL}/auth/token" "$1" "$2" "$LOGIN_EMAIL_FORMAT" "$LOGIN_USERS" "$PASSWORD" \
    "${LOGIN_HEADERS[@]}" <<'EOF'
import concurrent.futures, json, sys, urllib.error, urllib.request
url, n, out, fmt, users, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
headers = dict(h.split(": ", 1) for flag, h in zip(sys.argv[7::2], sys.argv[8::2]) if flag == "-H")
def one(i):
    body = json.dumps({"email": fmt % (i % users), "password": password}).encode()
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            token = json.load(r).get("refresh_token")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"POST /auth/token answered {e.code}: {e.read()[:200]!r}")
    if not token:
        raise SystemExit("POST /auth/token answered 200 without a refresh_token")
    return token
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    tokens = list(pool.map(one, range(n)))
with open(out, "w") as f:
    f.write("\n".join(tokens) + "\n")
EOF
}
# prepare_refresh CONNS: measure()'s WRK_PREPARE for the refresh row (CONNS + 1 tokens: see
# wrk_refresh.lua for the spare).
prepare_refresh() { fetch_refresh_tokens $(($1 + 1)) "$TMP/refresh.tokens"; }

if [[ -z "${AVAILABLE[tessera.token]:-}" ]]; then
  not_yet "needs POST /auth/token" tessera.refresh
elif ! fetch_refresh_tokens 1 "$TMP/refresh-check.tokens" 2>"$TMP/refresh-check.err"; then
  not_yet "no refresh token from POST /auth/token: $(tail -n 1 "$TMP/refresh-check.err")" \
    tessera.refresh
else
  rt=$(head -n 1 "$TMP/refresh-check.tokens")
  first=$(curl -s --max-time 10 -o "$TMP/refresh.b" -w '%{http_code}' "${REFRESH_HEADERS[@]}" \
    --data "$(refresh_body "$rt")" "$T_URL/auth/refresh" || true)
  successor=$(json_member "$TMP/refresh.b" refresh_token)
  again=$(http_code "${REFRESH_HEADERS[@]}" --data "$(refresh_body "$rt")" "$T_URL/auth/refresh")
  junk=$(http_code "${REFRESH_HEADERS[@]}" --data "$(refresh_body not-a-refresh-token)" \
    "$T_URL/auth/refresh")
  if [[ $first == 200 && -n "$successor" && "$successor" != "$rt" && $again == 401 &&
        $junk == 401 ]]; then
    AVAILABLE[tessera.refresh]=1
  elif [[ $first == 404 ]]; then
    not_yet "POST /auth/refresh answers 404" tessera.refresh
  else
    not_yet "POST /auth/refresh answered $first (with a successor: ${successor:+yes}${successor:-no}), $again for the same token again, $junk for an invalid one" \
      tessera.refresh
  fi
fi

# HS256 Bearer row: a second `tessera serve` whose access tokens are HS256
# (TESSERA_TOKENS__ALGORITHM=HS256, SPEC.md "Running"; the keyring makes its first keys with the
# configured algorithm), on its own data dir, with the same I/O threads. Checked before loading:
# POST /auth/token gives a token whose header says HS256, and GET /auth/verify answers 200 with
# it and 401 without.
HS_DATA="$TMP/tessera-hs256-data"
HS_TOKEN=""
if [[ -z "${AVAILABLE[tessera.token]:-}" ]]; then
  not_yet "needs POST /auth/token" tessera.verify_bearer_hs256
elif ! TESSERA_TOKENS__ALGORITHM=HS256 start_announcing tessera-hs256 "$TESSERA" serve \
    --listen 127.0.0.1:0 --data-dir "$HS_DATA" --threads "$SERVER_THREADS"; then
  record_missing tessera.verify_bearer_hs256 \
    "missing: tessera serve with TESSERA_TOKENS__ALGORITHM=HS256 did not start"
else
  H_URL=$URL
  if ! TESSERA_TOKENS__ALGORITHM=HS256 add_user "$VERIFY_EMAIL" "$HS_DATA" "$H_URL"; then
    not_yet "no benchmark user on the HS256 server: $(tail -n 1 "$TMP/user-add.log")" \
      tessera.verify_bearer_hs256
  else
    hs_headers=(-H 'Content-Type: application/json')
    [[ ${#LOGIN_HEADERS[@]} == 2 ]] || hs_headers+=(-H "Origin: $H_URL")
    code=$(curl -s --max-time 30 -o "$TMP/hs-login.b" -w '%{http_code}' "${hs_headers[@]}" \
      --data "$(login_body "$VERIFY_EMAIL")" "$H_URL/auth/token" || true)
    HS_TOKEN=$(json_member "$TMP/hs-login.b" access_token)
    alg=$("$PY" -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])' \
      "$HS_TOKEN" 2>/dev/null || true)
    with=$(http_code -H "Authorization: Bearer $HS_TOKEN" "$H_URL/auth/verify")
    without=$(http_code "$H_URL/auth/verify")
    if [[ $code == 200 && $alg == HS256 && $with == 200 && $without == 401 ]]; then
      AVAILABLE[tessera.verify_bearer_hs256]=1
      log "HS256 server: access token ${#HS_TOKEN} bytes"
    else
      not_yet "HS256 server: POST /auth/token answered $code, token alg ${alg:-none}; GET /auth/verify answered $with with it, $without without" \
        tessera.verify_bearer_hs256
    fi
  fi
fi

# ---------------------------------------------------------------- OAuth 2.0 (issue 16)
# Three rows, each checked before it is loaded:
#   tessera.oauth_client_credentials  POST /oauth2/token grant_type=client_credentials,
#       client_secret_basic, of a confidential client registered with `tessera client add
#       --grant client_credentials --scope bench:read` on the running server's data dir: 200
#       with an ES256 access token (header checked), 401 with a wrong secret;
#   tessera.oauth_introspect  POST /oauth2/introspect of one live access token of that client
#       (client_secret_basic): "active":true before each run and still after it (a fresh token
#       per round; a run whose token was no longer active after it is dropped, never counted);
#   tessera.oauth_code_round_trip  GET /oauth2/authorize (response_type=code, a FIRST-PARTY
#       public client: no consent; PKCE S256 with a fixed verifier; the session cookie of one
#       POST /auth/login of a user of its own) -> 303 with the code -> POST /oauth2/token
#       (authorization_code, client_id, redirect_uri, code_verifier) -> 200 with the access and
#       ID tokens; wrk_code.lua alternates the two and counts every other answer as an error
#       (the row fails on any). Checked: the round trip once by hand, the same code again
#       refused, and authorize without the cookie not answered with a code.
OAUTH_IDS=(tessera.oauth_client_credentials tessera.oauth_introspect tessera.oauth_code_round_trip)
OAUTH_EMAIL=bench-oauth@example.com
OAUTH_REDIRECT=http://127.0.0.1/cb
OAUTH_REDIRECT_FORM='http%3A%2F%2F127.0.0.1%2Fcb'
# RFC 7636 verifier (43-128 unreserved characters), fixed; its S256 challenge.
OAUTH_VERIFIER=tessera-bench-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
OAUTH_CHALLENGE=$(printf '%s' "$OAUTH_VERIFIER" | openssl dgst -sha256 -binary | base64 -w0 |
  tr '+/' '-_' | tr -d '=')
FORM_H=(-H 'Content-Type: application/x-www-form-urlencoded')

# form_post URL BODY_FILE HEADERS_OR_ARGS...: POSTs a form; prints the status code.
form_post() {
  local url=$1 out=$2
  shift 2
  curl -s --max-time 10 -o "$out" -w '%{http_code}' "${FORM_H[@]}" "$@" "$url" || true
}
# jwt_header_alg TOKEN: the "alg" and "typ" of a JWT's header ("ES256 at+jwt"), or nothing.
jwt_header_alg() {
  "$PY" -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; d=json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4))); print(d.get("alg"), d.get("typ"))' \
    "$1" 2>/dev/null || true
}
# code_from_location HEADERS_FILE: the code in the Location of a 303, or nothing.
code_from_location() {
  tr -d '\r' <"$1" | sed -n 's/^[Ll]ocation: .*[?&]code=\([^&]*\).*/\1/p' | head -n 1
}

# oauth_token URL BASIC BODY: an access token from a client_credentials POST, or fails.
oauth_token() {
  local code
  code=$(form_post "$1" "$TMP/oauth-token.b" -H "Authorization: Basic $2" --data "$3")
  [[ $code == 200 ]] || { echo "token endpoint answered $code: $(head -c 200 "$TMP/oauth-token.b")" >&2; return 1; }
  json_member "$TMP/oauth-token.b" access_token
}
# introspect_active URL BASIC TOKEN: succeeds when the answer is 200 with "active":true.
introspect_active() {
  local code
  code=$(form_post "$1" "$TMP/oauth-introspect.b" -H "Authorization: Basic $2" \
    --data "token=$3")
  [[ $code == 200 ]] && tr -d ' ' <"$TMP/oauth-introspect.b" | grep -q '"active":true'
}
# code_round_trip BASE AUTHORIZE_PATH TOKEN_PATH COOKIE CLIENT_ID: one authorize + exchange by
# hand, then the same code again (refused), then authorize again (still a code); sets CODE_CHECK
# to what happened ("ok: ..." when all is right).
code_round_trip() {
  local base=$1 az=$2 tp=$3 cookie=$4 client=$5 code st again
  st=$(curl -s --max-time 10 -D "$TMP/code.h" -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" \
    "$base$az" || true)
  code=$(code_from_location "$TMP/code.h")
  if [[ $st != 303 || -z "$code" ]]; then CODE_CHECK="authorize answered $st without a code"; return 1; fi
  local body="grant_type=authorization_code&client_id=$client&redirect_uri=$OAUTH_REDIRECT_FORM&code_verifier=$OAUTH_VERIFIER&code=$code"
  st=$(form_post "$base$tp" "$TMP/code.b" --data "$body")
  local at idt
  at=$(json_member "$TMP/code.b" access_token)
  idt=$(json_member "$TMP/code.b" id_token)
  again=$(form_post "$base$tp" "$TMP/code-again.b" --data "$body")
  if [[ $st != 200 || -z "$at" || -z "$idt" ]]; then
    CODE_CHECK="the exchange answered $st (access token: ${at:+yes}${at:-no}, ID token: ${idt:+yes}${idt:-no}): $(head -c 200 "$TMP/code.b")"
    return 1
  fi
  if [[ $again != 400 ]]; then CODE_CHECK="the same code again answered $again, not 400"; return 1; fi
  # The replay revokes what that code gave; the session must still get codes (the load needs it).
  st=$(curl -s --max-time 10 -D "$TMP/code.h" -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" \
    "$base$az" || true)
  if [[ $st != 303 || -z "$(code_from_location "$TMP/code.h")" ]]; then
    CODE_CHECK="after the replay, authorize answered $st without a code"
    return 1
  fi
  CODE_CHECK="ok: access token $(jwt_header_alg "$at"), ID token $(jwt_header_alg "$idt")"
}

# client_add ARGS...: `tessera client add` on the main server's data dir; prints the client's JSON.
client_add() { "$TESSERA" client add --data-dir "$TMP/tessera-data" "$@" 2>>"$TMP/client-add.log"; }

probe_oauth=$(http_code "${FORM_H[@]}" --data 'grant_type=client_credentials' "$T_URL/oauth2/token")
if [[ $probe_oauth == 404 ]]; then
  not_yet "POST /oauth2/token answers 404" "${OAUTH_IDS[@]}"
elif ! client_add --name bench-service --type confidential --grant client_credentials \
    --scope bench:read >"$TMP/client-cc.json" ||
    ! client_add --name bench-app --type public --first-party --redirect-uri "$OAUTH_REDIRECT" \
      --grant authorization_code --scope openid >"$TMP/client-app.json"; then
  not_yet "tessera client add failed: $(tail -n 1 "$TMP/client-add.log")" "${OAUTH_IDS[@]}"
else
  CC_ID=$(json_member "$TMP/client-cc.json" client_id)
  CC_BASIC=$(printf '%s:%s' "$CC_ID" "$(json_member "$TMP/client-cc.json" client_secret)" | base64 -w0)
  APP_ID=$(json_member "$TMP/client-app.json" client_id)
  CC_BODY='grant_type=client_credentials&scope=bench%3Aread'
  T_TOKEN_URL="$T_URL/oauth2/token"
  T_INTROSPECT_URL="$T_URL/oauth2/introspect"
  tessera_cc_token() { oauth_token "$T_TOKEN_URL" "$CC_BASIC" "$CC_BODY"; }

  # client_credentials
  at=$(tessera_cc_token 2>"$TMP/oauth-cc.err" || true)
  hdr=$(jwt_header_alg "$at")
  wrong=$(http_code "${FORM_H[@]}" -u "$CC_ID:wrong-secret" --data "$CC_BODY" "$T_TOKEN_URL")
  if [[ -n "$at" && $hdr == "ES256 at+jwt" && $wrong == 401 ]]; then
    AVAILABLE[tessera.oauth_client_credentials]=1
    log "OAuth: client_credentials access token ${#at} bytes ($hdr)"
  else
    not_yet "client_credentials: $(cat "$TMP/oauth-cc.err") token header '${hdr}', a wrong secret answered $wrong" \
      tessera.oauth_client_credentials
  fi
  # introspection of a live access token
  if [[ -n "$at" ]] && introspect_active "$T_INTROSPECT_URL" "$CC_BASIC" "$at"; then
    AVAILABLE[tessera.oauth_introspect]=1
  else
    not_yet "POST /oauth2/introspect did not answer 200 with \"active\":true: $(head -c 200 "$TMP/oauth-introspect.b" 2>/dev/null)" \
      tessera.oauth_introspect
  fi
  # authorization code: a user of its own, one sign-in, its session cookie.
  T_AUTHORIZE="/oauth2/authorize?response_type=code&client_id=$APP_ID&redirect_uri=$OAUTH_REDIRECT_FORM&scope=openid&state=bench&code_challenge=$OAUTH_CHALLENGE&code_challenge_method=S256"
  OAUTH_COOKIE=""
  if ((USERS_OK)) && add_user "$OAUTH_EMAIL"; then
    post_login /auth/login "$OAUTH_EMAIL"
    OAUTH_COOKIE=$(tr -d '\r' <"$TMP/login.h" | sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-tessera_session=[^;]*\).*/\1/p' | head -n 1)
  fi
  without=$(curl -s --max-time 10 -D "$TMP/code-nocookie.h" -o /dev/null -w '%{http_code}' \
    "$T_URL$T_AUTHORIZE" || true)
  if [[ -z "$OAUTH_COOKIE" ]]; then
    not_yet "no session for $OAUTH_EMAIL (POST /auth/login answered ${LOGIN_CODE:-nothing})" \
      tessera.oauth_code_round_trip
  elif ! code_round_trip "$T_URL" "$T_AUTHORIZE" /oauth2/token "$OAUTH_COOKIE" "$APP_ID"; then
    not_yet "code round trip: $CODE_CHECK" tessera.oauth_code_round_trip
  elif [[ -n "$(code_from_location "$TMP/code-nocookie.h")" ]]; then
    not_yet "authorize without the session cookie answered $without with a code" \
      tessera.oauth_code_round_trip
  else
    AVAILABLE[tessera.oauth_code_round_trip]=1
    log "OAuth: code round trip $CODE_CHECK; without the cookie authorize answers $without"
  fi
fi

# ---------------------------------------------------------------- peers
PEER_IDS=(peer.node_ping peer.oidc_jwks peer.session_me peer.node_mejwt peer.session_login
          peer.oidc_client_credentials peer.oidc_introspect peer.oidc_code_round_trip)
peers_missing() {
  local id
  for id in "${PEER_IDS[@]}"; do
    [[ -n "${AVAILABLE[$id]:-}${MISSING[$id]:-}" ]] || record_missing "$id" "missing: $1"
  done
}
# peer_app MODE: starts the peers' http/app.mjs in MODE; sets PEER_PORT once it listens.
# (Called in this shell, never in $(...): a PID recorded in a subshell would be lost.)
peer_app() {
  local mode=$1 pid
  MODE=$mode PORT_FILE="$TMP/peer-$mode.port" WORKERS=$PEER_WORKERS REDIS_PORT=${REDIS_PORT:-} \
    SESSION_SECRET=$SESSION_SECRET JWT_SECRET=$JWT_SECRET \
    node --no-warnings "$PEERS_DIR/http/app.mjs" >"$TMP/peer-$mode.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  PEER_PORT=$(wait_for_port_file "$TMP/peer-$mode.port" "$pid")
}
start_peers() {
  if ((!PEERS)); then peers_missing "PEERS=0"; return 0; fi
  if [[ ! -d "$PEERS_DIR" ]]; then peers_missing "no peer harness at $PEERS_DIR"; return 0; fi
  if ! "$PEERS_DIR/setup.sh" >"$TMP/peers-setup.log" 2>&1; then
    tail -n 20 "$TMP/peers-setup.log" >&2
    peers_missing "$PEERS_DIR/setup.sh failed"
    return 0
  fi
  SESSION_SECRET=$(openssl rand -hex 32)
  JWT_SECRET=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')
  local port user=7c1f5b0e-3d2a-4e8f-9b61-2a9d4c7e8f10 hdrs sid jwt

  # node:http, no framework: /ping (the node ceiling) and /me-jwt (fast-jwt HS256).
  if peer_app raw; then
    P_RAW="http://127.0.0.1:$PEER_PORT"
    [[ $(http_code "$P_RAW/ping") == 200 ]] && AVAILABLE[peer.node_ping]=1
    # An HS256 token the way app.mjs expects it (iss, aud, exp; key = the secret's bytes).
    jwt=$("$PY" - "$JWT_SECRET" "$user" <<'EOF'
import base64, hashlib, hmac, json, secrets, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
enc = lambda o: b64(json.dumps(o, separators=(",", ":")).encode())
now = int(time.time())
signing = enc({"alg": "HS256", "typ": "JWT"}) + "." + enc({
    "sub": sys.argv[2], "iss": "https://auth.example.com", "aud": "api", "iat": now,
    "exp": now + 3600, "jti": secrets.token_urlsafe(16), "roles": ["user", "admin"]})
print(signing + "." + b64(hmac.new(sys.argv[1].encode(), signing.encode(), hashlib.sha256).digest()))
EOF
)
    P_JWT=$jwt
    if [[ $(http_code -H "Authorization: Bearer $P_JWT" "$P_RAW/me-jwt") == 200 &&
          $(http_code "$P_RAW/me-jwt") == 401 ]]; then AVAILABLE[peer.node_mejwt]=1; fi
  fi

  # express-session + connect-redis, with a private redis-server (no persistence).
  local rpid try
  for try in 1 2 3; do
    REDIS_PORT=$(free_port)
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --save '' \
      --appendonly no --daemonize no --dir "$TMP" --logfile "$TMP/redis.log" --databases 1 &
    rpid=$!
    PIDS+=("$rpid")
    for ((i = 0; i < 100; i++)); do
      [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] && break 2
      kill -0 "$rpid" 2>/dev/null || break
      sleep 0.05
    done
    kill -TERM "$rpid" 2>/dev/null || true
    wait "$rpid" 2>/dev/null || true
    forget_pid "$rpid"
    REDIS_PORT=""
  done
  if [[ -n "$REDIS_PORT" ]] && peer_app session; then
    P_SESS="http://127.0.0.1:$PEER_PORT"
    hdrs=$(curl -s --max-time 5 -D - -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"userId\":\"$user\"}" "$P_SESS/login" | tr -d '\r' || true)
    sid=$(sed -n 's/^[Ss]et-[Cc]ookie: *\(sid=[^;]*\).*/\1/p' <<<"$hdrs" | head -n 1)
    P_COOKIE=$sid
    if [[ -n "$sid" ]]; then
      AVAILABLE[peer.session_login]=1
      if [[ $(http_code -H "Cookie: $sid" "$P_SESS/me") == 200 &&
            $(http_code "$P_SESS/me") == 401 ]]; then AVAILABLE[peer.session_me]=1; fi
    fi
  fi

  # oidc-provider (koa), the peers' provider.mjs: its JWKS endpoint (the peer for
  # /.well-known/jwks.json) and, with one confidential client (client_secret_basic), the
  # client_credentials grant for a JWT access token signed ES256 (resource urn:bench:jwt) and
  # the introspection of an opaque one (urn:bench:opaque; it refuses to introspect JWTs).
  local opid
  P_OIDC_ID=bench-client
  P_OIDC_SECRET=$(openssl rand -hex 24)
  P_OIDC_BASIC=$(printf '%s:%s' "$P_OIDC_ID" "$P_OIDC_SECRET" | base64 -w0)
  PORT_FILE="$TMP/peer-oidc.port" CLIENT_ID=$P_OIDC_ID CLIENT_SECRET=$P_OIDC_SECRET JWT_ALG=ES256 \
    node --no-warnings "$PEERS_DIR/oidc/provider.mjs" >"$TMP/peer-oidc.log" 2>&1 &
  opid=$!
  PIDS+=("$opid")
  if port=$(wait_for_port_file "$TMP/peer-oidc.port" "$opid"); then
    P_OIDC="http://127.0.0.1:$port"
    [[ $(http_code "$P_OIDC/jwks") == 200 ]] && AVAILABLE[peer.oidc_jwks]=1
    local at wrong
    at=$(peer_cc_token 2>/dev/null || true)
    wrong=$(http_code "${FORM_H[@]}" -u "$P_OIDC_ID:wrong-secret" --data "$P_OIDC_CC_BODY" "$P_OIDC/token")
    if [[ -n "$at" && $(jwt_header_alg "$at") == "ES256 at+jwt" && $wrong == 401 ]]; then
      AVAILABLE[peer.oidc_client_credentials]=1
    fi
    at=$(peer_opaque_token 2>/dev/null || true)
    if [[ -n "$at" && $at != *.* ]] && introspect_active "$P_OIDC/token/introspection" "$P_OIDC_BASIC" "$at"; then
      AVAILABLE[peer.oidc_introspect]=1
    fi
  fi
  start_oidc_code_peer
  peers_missing "did not start or failed its checks (logs: peer-*.log, redis.log)"
  log "peers: node:http ${P_RAW:-missing}, express-session ${P_SESS:-missing} (redis :${REDIS_PORT:-missing}), oidc-provider ${P_OIDC:-missing}, oidc-provider code flow ${P_CODE:-missing}"
}
P_OIDC_CC_BODY='grant_type=client_credentials&scope=api%3Aread&resource=urn%3Abench%3Ajwt'
peer_cc_token() { oauth_token "$P_OIDC/token" "$P_OIDC_BASIC" "$P_OIDC_CC_BODY"; }
peer_opaque_token() {
  oauth_token "$P_OIDC/token" "$P_OIDC_BASIC" \
    'grant_type=client_credentials&scope=api%3Aread&resource=urn%3Abench%3Aopaque'
}

# The authorization-code peer: oidc-provider with a first-party code-flow client whose consent
# is pre-approved (bench/http/oidc_code_provider.mjs). One sign-in through its interaction
# (followed here with curl and a cookie jar) gives the _session cookies; then GET /auth with
# them answers 303 with the code, as Tessera's /oauth2/authorize does for a first-party client.
start_oidc_code_peer() {
  local cpid port jar="$TMP/peer-code.jar" url i st loc
  PEERS_DIR=$PEERS_DIR PORT_FILE="$TMP/peer-code.port" CLIENT_ID=bench-app \
    REDIRECT_URI=$OAUTH_REDIRECT node --no-warnings "$HERE/oidc_code_provider.mjs" \
    >"$TMP/peer-code.log" 2>&1 &
  cpid=$!
  PIDS+=("$cpid")
  port=$(wait_for_port_file "$TMP/peer-code.port" "$cpid") || return 0
  P_CODE="http://127.0.0.1:$port"
  P_AUTHORIZE="/auth?response_type=code&client_id=bench-app&redirect_uri=$OAUTH_REDIRECT_FORM&scope=openid%20api%3Aread&state=bench&code_challenge=$OAUTH_CHALLENGE&code_challenge_method=S256"
  url=$P_CODE$P_AUTHORIZE
  for ((i = 0; i < 6; i++)); do # authorize -> interaction -> resume -> the client, with a code
    st=$(curl -s --max-time 10 -D "$TMP/peer-code.h" -o /dev/null -w '%{http_code}' -b "$jar" \
      -c "$jar" "$url" || true)
    loc=$(tr -d '\r' <"$TMP/peer-code.h" | sed -n 's/^[Ll]ocation: //p' | head -n 1)
    [[ $st == 30[23] && -n "$loc" && $loc != "$OAUTH_REDIRECT"* ]] || break
    [[ $loc == /* ]] && url=$P_CODE$loc || url=$loc
  done
  # curl writes HttpOnly cookies as "#HttpOnly_host ..." lines.
  P_CODE_COOKIE=$(awk '$6 == "_session" || $6 == "_session.sig" {printf "%s%s=%s", n++ ? "; " : "", $6, $7}' \
    "$jar" 2>/dev/null || true)
  if [[ -z "$P_CODE_COOKIE" || -z "$(code_from_location "$TMP/peer-code.h")" ]]; then
    record_missing peer.oidc_code_round_trip "missing: the one sign-in ended with $st ${loc:-without a Location}, session cookie ${P_CODE_COOKIE:-none} (peer-code.log)"
  elif code_round_trip "$P_CODE" "$P_AUTHORIZE" /token "$P_CODE_COOKIE" bench-app; then
    AVAILABLE[peer.oidc_code_round_trip]=1
    log "oidc-provider code flow: round trip $CODE_CHECK"
  else
    record_missing peer.oidc_code_round_trip "missing: code round trip: $CODE_CHECK"
  fi
}
start_peers

# ---------------------------------------------------------------- scale-out: PostgreSQL + Redis
# Two `tessera serve` nodes (A, B) on one PostgreSQL and one Redis started for this run by
# scripts/local-services.sh (durable settings: fsync and synchronous_commit on), with
# store.backend = "postgres", cache.backend = "redis" and a shared keys.encryption_key. Rows:
# /auth/verify with a Redis-backed session on A (its limit: redis-benchmark GET on the same
# Redis, same connection count), POST /auth/refresh rotating on PostgreSQL (on A), and how long
# a logout on A takes to be enforced on B (propagation.py). The refresh row's limit is pgbench
# on the same PostgreSQL (pg_rotate_tx). SCALEOUT=0 skips it.
SCALEOUT=${SCALEOUT:-1}
SO_IDS=(tessera_so.verify_cookie tessera_so.refresh redis.get pg.rotate_tx propagation.session
        propagation.token)
so_missing() {
  local id
  for id in "${SO_IDS[@]}"; do record_missing "$id" "missing: $1"; done
}
start_scaleout() {
  if ((!SCALEOUT)); then so_missing "SCALEOUT=0"; return 0; fi
  if ! "$TOP/scripts/local-services.sh" start "$TMP/services" >"$TMP/services.env" \
      2>"$TMP/services.err"; then
    so_missing "PostgreSQL/Redis did not start: $(tail -n 1 "$TMP/services.err")"
    return 0
  fi
  local line
  while IFS= read -r line; do eval "SO_${line%%=*}=${line#*=}"; done <"$TMP/services.env"
  SO_REDIS_PORT=${SO_TESSERA_TEST_REDIS_URL##*:}
  local key
  key=$(openssl rand 32 | base64 -w0 | tr '+/' '-_' | tr -d '=')
  SO_ENV=(TESSERA_STORE__BACKEND=postgres "TESSERA_STORE__POSTGRES_DSN=$SO_TESSERA_TEST_POSTGRES_DSN"
          TESSERA_CACHE__BACKEND=redis "TESSERA_CACHE__REDIS_URL=$SO_TESSERA_TEST_REDIS_URL"
          "TESSERA_KEYS__ENCRYPTION_KEY=$key" TESSERA_TOKENS__ISSUER=https://tessera.bench)
  local node
  for node in a b; do
    if ! start_announcing "tessera-so-$node" env "${SO_ENV[@]}" "$TESSERA" serve \
        --listen 127.0.0.1:0 --data-dir "$TMP/so-$node" --threads "$SERVER_THREADS"; then
      so_missing "tessera serve on PostgreSQL + Redis did not start (see tessera-so-$node.err)"
      return 0
    fi
    [[ $node == a ]] && SO_A=$URL || SO_B=$URL
  done
  local ok=1 u
  # The CLI on the same stores: the subshell exports the scale-out environment to it.
  (export "${SO_ENV[@]}"; add_user "$VERIFY_EMAIL" "$TMP/so-a" "$SO_A") || ok=0
  for ((u = 0; ok && u < LOGIN_USERS; u++)); do
    (export "${SO_ENV[@]}"; add_user "$(printf "$LOGIN_EMAIL_FORMAT" "$u")" "$TMP/so-a" "$SO_A") || ok=0
  done
  if ((!ok)); then so_missing "tessera user add failed on PostgreSQL: $(tail -n 1 "$TMP/user-add.log")"; return 0; fi
  local code
  code=$(curl -s --max-time 30 -D "$TMP/so-login.h" -o "$TMP/so-login.b" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H "Origin: $SO_A" --data "$(login_body "$VERIFY_EMAIL")" \
    "$SO_A/auth/login" || true)
  SO_COOKIE=$(tr -d '\r' <"$TMP/so-login.h" | sed -n 's/^[Ss]et-[Cc]ookie: *\(__Host-tessera_session=[^;]*\).*/\1/p' | head -n 1)
  if [[ $code == 200 && -n "$SO_COOKIE" && $(http_code -H "Cookie: $SO_COOKIE" "$SO_A/auth/verify") == 200 &&
        $(http_code -H "Cookie: $SO_COOKIE" "$SO_B/auth/verify") == 200 &&
        $(http_code "$SO_A/auth/verify") == 401 ]]; then
    AVAILABLE[tessera_so.verify_cookie]=1
  else
    record_missing tessera_so.verify_cookie "missing: login on A answered $code, or its session did not verify on A and B"
  fi
  if fetch_refresh_tokens 1 "$TMP/so-refresh-check.tokens" "$SO_A" 2>"$TMP/so-refresh.err"; then
    AVAILABLE[tessera_so.refresh]=1
  else
    record_missing tessera_so.refresh "missing: no refresh token from A: $(tail -n 1 "$TMP/so-refresh.err")"
  fi
  if redis-cli -p "$SO_REDIS_PORT" set bench:get "$(head -c 64 /dev/zero | tr '\0' x)" >/dev/null 2>&1; then
    AVAILABLE[redis.get]=1
  else
    record_missing redis.get "missing: redis-cli could not SET the benchmark key"
  fi
  # pgbench's own tables, in a database of their own on the same server.
  SO_PG_PORT=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$SO_TESSERA_TEST_POSTGRES_DSN")
  if createdb -h 127.0.0.1 -p "$SO_PG_PORT" -U tessera pgbench_limit 2>"$TMP/pgbench.err" &&
      pgbench -h 127.0.0.1 -p "$SO_PG_PORT" -U tessera -i -q -s 1 pgbench_limit \
        >>"$TMP/pgbench.err" 2>&1; then
    AVAILABLE[pg.rotate_tx]=1
  else
    record_missing pg.rotate_tx "missing: pgbench -i failed: $(tail -n 1 "$TMP/pgbench.err")"
  fi
  AVAILABLE[propagation]=1
  log "scale-out: node A $SO_A, node B $SO_B (PostgreSQL + Redis)"
}
start_scaleout
prepare_refresh_so() { fetch_refresh_tokens $(($1 + 1)) "$TMP/refresh.tokens" "$SO_A"; }

# redis_get RUN: redis-benchmark GET of one 64-byte value, WRK_CONNS clients, no pipelining (the
# Redis-side limit of a session lookup), for about WRK_DURATION seconds' worth of requests.
redis_get() {
  [[ -n "${AVAILABLE[redis.get]:-}" ]] || return 0
  local n=$((WRK_DURATION * 40000)) csv
  if csv=$(redis-benchmark -p "$SO_REDIS_PORT" -c "$WRK_CONNS" -n "$n" -P 1 --csv get bench:get 2>/dev/null); then
    "$PY" -c 'import csv,io,json,sys; rows=list(csv.reader(io.StringIO(sys.argv[1]))); v=float(rows[-1][1]); print(json.dumps({"id":"redis.get","run":int(sys.argv[2]),"ok_rps":v,"non2xx":0,"err_connect":0,"err_read":0,"err_write":0,"err_timeout":0}))' \
      "$csv" "$1" >>"$RESULTS"
    log "redis.get run $1: $(tail -n 1 <<<"$csv")"
  else
    record_missing redis.get "missing: redis-benchmark failed"
  fi
}

# pg_rotate_tx RUN: PostgreSQL's own rate for a transaction of a rotation's shape on the same
# server and settings (durable): one autocommit statement that updates one row found by its
# primary key and joins a row of another table to what it returns (pgbench's tables, prepared,
# as many clients as a node's connection pool, 16), for WRK_DURATION seconds. Tessera's rotation
# is the same shape (store/postgres/refresh_store.cc kRotate): an UPDATE ... RETURNING of the
# family's row by primary key (no indexed column changes: HOT) joined to the user; no row is
# inserted since issue 15. This is the commit-bound ceiling of the statement alone, without
# HTTP, JSON, the signature or the pool (issue 15's goal: the refresh row at >= 40% of it).
pg_rotate_tx() {
  [[ -n "${AVAILABLE[pg.rotate_tx]:-}" ]] || return 0
  local out
  if out=$(pgbench -h 127.0.0.1 -p "$SO_PG_PORT" -U tessera -n -M prepared -c 16 -j 2 \
      -T "$WRK_DURATION" -f "$HERE/pgbench_rotate.sql" pgbench_limit 2>&1); then
    "$PY" -c 'import json,re,sys; v=float(re.search(r"tps = ([0-9.]+)", sys.argv[1]).group(1)); print(json.dumps({"id":"pg.rotate_tx","run":int(sys.argv[2]),"ok_rps":v,"non2xx":0,"err_connect":0,"err_read":0,"err_write":0,"err_timeout":0}))' \
      "$out" "$1" >>"$RESULTS"
    log "pg.rotate_tx run $1: $(grep -o 'tps = [0-9.]*' <<<"$out")"
  else
    record_missing pg.rotate_tx "missing: pgbench failed: $(tail -n 1 <<<"$out")"
  fi
}

# pg_settle: after the PostgreSQL rows, VACUUM of the tables they churned and a CHECKPOINT (their
# writes and fsyncs now, not during the next row), then 2 s for the rest to drain.
pg_settle() {
  [[ -n "${SO_PG_PORT:-}" ]] || return 0
  local db
  for db in tessera pgbench_limit; do
    psql -h 127.0.0.1 -p "$SO_PG_PORT" -U tessera -q -c 'VACUUM' "$db" >/dev/null 2>&1 || true
  done
  psql -h 127.0.0.1 -p "$SO_PG_PORT" -U tessera -q -c 'CHECKPOINT' tessera >/dev/null 2>&1 || true
  sleep 2
}

# ---------------------------------------------------------------- the run
META="$TMP/meta.json"
"$PY" - "$META" <<EOF
import json, os, platform, subprocess, sys, time
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
src = next((l.split("=", 1)[1].strip() for l in open("$BUILD/CMakeCache.txt")
            if l.startswith("CMAKE_HOME_DIRECTORY:")), "$TOP")
head = out("git", "-C", src, "rev-parse", "--short", "HEAD")
dirty = out("git", "-C", src, "status", "--porcelain", "--untracked-files=no")
tree = (head + (" + uncommitted changes" if dirty else "")) if head else "not a git tree"
if os.path.realpath(src) != os.path.realpath("$TOP"):
    tree += f" (built from {src})"
json.dump({
    "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    "mode": "quick" if $QUICK else "full",
    "machine": f"{os.cpu_count()} cores ({cpu})",
    "load_at_start": open("/proc/loadavg").read().split()[:3],
    "tree": tree,
    "build": "$BUILD",
    "wrk": " ".join(out("wrk", "-v").split()[:2]),
    "wrk_threads": $WRK_THREADS, "wrk_conns": $WRK_CONNS, "login_conns": $LOGIN_CONNS,
    "duration_s": $WRK_DURATION, "warmup_s": $WRK_WARMUP, "runs": $RUNS,
    "server_threads": $SERVER_THREADS, "peer_workers": $PEER_WORKERS,
    "argon2": {"memory_kib": $ARGON2_MEMORY_KIB, "iterations": $ARGON2_ITERATIONS,
               "threads": $SERVER_THREADS, "seconds": $ARGON2_SECONDS},
    "node": out("node", "-v"), "redis": out("redis-server", "--version"),
}, open(sys.argv[1], "w"))
EOF

# argon2_raw RUN WHEN: one argon2_ceiling measurement, appended as id argon2.raw.
argon2_raw() {
  local a
  if a=$("$ARGON2" --threads "$SERVER_THREADS" --seconds "$ARGON2_SECONDS" \
      --memory-kib "$ARGON2_MEMORY_KIB" --iterations "$ARGON2_ITERATIONS"); then
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(id="argon2.raw", run=int(sys.argv[2]), when=sys.argv[3], ok_rps=d["hashes_per_s"]); print(json.dumps(d))' \
      "$a" "$1" "$2" >>"$RESULTS"
    log "argon2.raw run $1 ($2): $a"
  else
    record_missing argon2.raw "argon2_ceiling failed"
  fi
}

# es256_sign RUN: the ES256 signing limit on the cores the servers use: SERVER_THREADS
# jose_bench processes at once, each signing the same access-token bytes with the raw OpenSSL
# primitive (BM_Raw_Sign/ES256/EVP_kept: SHA-256 + EVP_PKEY_sign, ECDSA P-256, DER out, on a
# context initialised once: the fastest way OpenSSL signs) for WRK_DURATION s; the limit is
# the sum of their wall-clock rates (one signature per iteration). Appended as id es256.sign,
# with each process's rate.
JOSE_BENCH="$BUILD/bench/jose_bench"
es256_sign() {
  [[ -x "$JOSE_BENCH" ]] || { [[ -n "${MISSING[es256.sign]:-}" ]] || record_missing es256.sign "missing: not built: $JOSE_BENCH"; return 0; }
  local i pids=() ok=1
  for ((i = 1; i <= SERVER_THREADS; i++)); do
    "$JOSE_BENCH" --benchmark_filter='^BM_Raw_Sign/ES256/EVP_kept$' --benchmark_min_time="$WRK_DURATION" \
      --benchmark_format=json >"$TMP/es256-$1-$i.json" 2>"$TMP/es256-$1-$i.err" &
    pids+=("$!")
  done
  PIDS+=("${pids[@]}")
  for i in "${pids[@]}"; do wait "$i" || ok=0; forget_pid "$i"; done
  if ((ok)) && "$PY" - "$1" "$TMP"/es256-"$1"-*.json >>"$RESULTS" <<'PYEOF'
import json, sys
rates = []
for path in sys.argv[2:]:
    b = next(b for b in json.load(open(path))["benchmarks"] if b["name"] == "BM_Raw_Sign/ES256/EVP_kept")
    assert b["time_unit"] == "ns", b["time_unit"]
    rates.append(1e9 / b["real_time"])
print(json.dumps({"id": "es256.sign", "run": int(sys.argv[1]), "ok_rps": sum(rates),
                  "processes": len(rates), "per_process": rates, "non2xx": 0, "err_connect": 0,
                  "err_read": 0, "err_write": 0, "err_timeout": 0}))
print(f"[es256] run {sys.argv[1]}: {sum(rates):,.0f} signatures/s on {len(rates)} processes "
      f"({' + '.join(f'{r:,.0f}' for r in rates)})", file=sys.stderr)
PYEOF
  then :; else
    record_missing es256.sign "missing: jose_bench failed: $(tail -n 1 "$TMP/es256-$1-1.err")"
  fi
}

# run_error ID RUN REASON: the run of ID is not valid (its measurement, if any, is dropped by
# report.py): a check after the load failed.
run_error() {
  "$PY" -c 'import json,sys; print(json.dumps({"id": sys.argv[1], "run": int(sys.argv[2]), "error": sys.argv[3], "drop_run": True}))' \
    "$1" "$2" "$3" >>"$RESULTS"
  log "$1 run $2: $3"
}

# measure_introspect ID RUN INTROSPECT_URL BASIC TOKEN_FUNCTION: a fresh token from
# TOKEN_FUNCTION, checked active, loaded, and checked active again after the load (an
# introspection of a token no longer live answers 200 {"active":false}, which wrk would count).
measure_introspect() {
  local id=$1 run=$2 url=$3 basic=$4 tok
  [[ -n "${AVAILABLE[$id]:-}" ]] || return 0
  if ! tok=$("$5" 2>"$TMP/introspect-token.err") || [[ -z "$tok" ]] ||
      ! introspect_active "$url" "$basic" "$tok"; then
    run_error "$id" "$run" "no live token to introspect before the run: $(tail -n 1 "$TMP/introspect-token.err")"
    return 0
  fi
  WRK_METHOD=POST WRK_BODY="token=$tok" measure "$id" "$run" "$url" -H "Authorization: Basic $basic" \
    "${FORM_H[@]}"
  introspect_active "$url" "$basic" "$tok" ||
    run_error "$id" "$run" "the token was no longer active after the run: $(head -c 200 "$TMP/oauth-introspect.b")"
}

# measure_code ID RUN BASE AUTHORIZE TOKEN_PATH COOKIE CLIENT_ID: code round trips (wrk_code.lua).
measure_code() {
  local -x WRK_LUA="$HERE/wrk_code.lua" WRK_CODE_AUTHORIZE=$4 WRK_CODE_TOKEN=$5 \
    WRK_CODE_COOKIE=$6 WRK_CODE_CLIENT_ID=$7 WRK_CODE_REDIRECT_URI=$OAUTH_REDIRECT_FORM \
    WRK_CODE_VERIFIER=$OAUTH_VERIFIER
  measure_if "$1" "$2" "$3/"
}

JSON_H=(-H 'Content-Type: application/json')
for ((r = 1; r <= RUNS; r++)); do
  log "run $r of $RUNS"
  measure_if ceiling.root "$r" "$C_URL/"
  measure_if tessera.healthz "$r" "$T_URL/healthz"
  measure_if peer.node_ping "$r" "${P_RAW:-}/ping"
  measure_if tessera.jwks "$r" "$T_URL/.well-known/jwks.json"
  measure_if peer.oidc_jwks "$r" "${P_OIDC:-}/jwks"
  measure_if tessera.verify_cookie "$r" "$T_URL/auth/verify" -H "Cookie: $COOKIE"
  measure_if tessera.me_cookie "$r" "$T_URL/auth/me" -H "Cookie: $COOKIE"
  measure_if peer.session_me "$r" "${P_SESS:-}/me" -H "Cookie: ${P_COOKIE:-}"
  measure_if tessera.verify_bearer "$r" "$T_URL/auth/verify" -H "Authorization: Bearer $TOKEN"
  measure_if tessera.verify_bearer_hs256 "$r" "${H_URL:-}/auth/verify" \
    -H "Authorization: Bearer $HS_TOKEN"
  measure_if peer.node_mejwt "$r" "${P_RAW:-}/me-jwt" -H "Authorization: Bearer ${P_JWT:-}"
  # Refresh rotation, one chain per connection. Its tokens come from Argon2id logins just
  # before each wrk run, so it follows the verify rows rather than sitting between two of them.
  WRK_LUA="$HERE/wrk_refresh.lua" WRK_PREPARE=prepare_refresh \
    WRK_REFRESH_TOKENS="$TMP/refresh.tokens" WRK_REFRESH_THREADS=$WRK_THREADS \
    measure_if tessera.refresh "$r" "$T_URL/auth/refresh" "${REFRESH_HEADERS[@]}"

  # OAuth 2.0 (issue 16): the ES256 signing limit, then each row beside oidc-provider.
  if [[ -n "${AVAILABLE[tessera.oauth_client_credentials]:-}${AVAILABLE[tessera.oauth_code_round_trip]:-}" ]]; then
    es256_sign "$r"
  fi
  if [[ -n "${AVAILABLE[tessera.oauth_client_credentials]:-}" ]]; then
    WRK_METHOD=POST WRK_BODY=$CC_BODY measure_if ceiling.sign "$r" "$C_SIGN_URL/" \
      -H "Authorization: Basic $CC_BASIC" "${FORM_H[@]}"
  fi
  WRK_METHOD=POST WRK_BODY=${CC_BODY:-} measure_if tessera.oauth_client_credentials "$r" \
    "${T_TOKEN_URL:-}" -H "Authorization: Basic ${CC_BASIC:-}" "${FORM_H[@]}"
  WRK_METHOD=POST WRK_BODY=$P_OIDC_CC_BODY measure_if peer.oidc_client_credentials "$r" \
    "${P_OIDC:-}/token" -H "Authorization: Basic ${P_OIDC_BASIC:-}" "${FORM_H[@]}"
  measure_introspect tessera.oauth_introspect "$r" "${T_INTROSPECT_URL:-}" "${CC_BASIC:-}" tessera_cc_token
  measure_introspect peer.oidc_introspect "$r" "${P_OIDC:-}/token/introspection" "${P_OIDC_BASIC:-}" \
    peer_opaque_token
  measure_code tessera.oauth_code_round_trip "$r" "$T_URL" "${T_AUTHORIZE:-}" /oauth2/token \
    "${OAUTH_COOKIE:-}" "${APP_ID:-}"
  measure_code peer.oidc_code_round_trip "$r" "${P_CODE:-}" "${P_AUTHORIZE:-}" /token \
    "${P_CODE_COOKIE:-}" bench-app

  # Logins: Argon2id-bound on Tessera; the express-session peer hashes nothing. Their
  # ceiling, raw Argon2id on as many threads as the server has cores, is measured just before
  # and just after them (the mean is the run's ceiling), so that it sees the same machine load.
  if [[ -n "${AVAILABLE[tessera.login]:-}${AVAILABLE[tessera.token]:-}" ]]; then
    argon2_raw "$r" before
  fi
  measure_logins tessera.login "$r" "$T_URL/auth/login" "${LOGIN_HEADERS[@]}"
  measure_logins tessera.token "$r" "$T_URL/auth/token" "${LOGIN_HEADERS[@]}"
  CONNS=$LOGIN_CONNS WRK_METHOD=POST WRK_BODY='{"userId":"7c1f5b0e-3d2a-4e8f-9b61-2a9d4c7e8f10"}' \
    measure_if peer.session_login "$r" "${P_SESS:-}/login" "${JSON_H[@]}"
  argon2_raw "$r" after

  # /auth/verify while logins saturate the hashing pool: a login wrk (1 thread, LOGIN_CONNS)
  # starts first and outlasts the verify measurement (same flags as the verify row).
  if [[ -n "${AVAILABLE[tessera.verify_cookie_storm]:-}" ]]; then
    storm_secs=$((WRK_WARMUP + WRK_DURATION + 2))
    WRK_METHOD=POST WRK_LOGIN_USERS=$LOGIN_USERS WRK_LOGIN_EMAIL=$LOGIN_EMAIL_FORMAT \
      WRK_LOGIN_PASSWORD=$PASSWORD timeout $((storm_secs + 30)) wrk -t1 -c"$LOGIN_CONNS" -d"${storm_secs}s" --timeout 10s -s "$LUA" "${LOGIN_HEADERS[@]}" \
      "$T_URL/auth/login" >"$TMP/storm-$r.log" 2>&1 &
    storm_pid=$!
    PIDS+=("$storm_pid")
    sleep 1
    measure tessera.verify_cookie_storm "$r" "$T_URL/auth/verify" -H "Cookie: $COOKIE"
    wait "$storm_pid" || true
    forget_pid "$storm_pid"
    sj=$(sed -n 's/^WRKJSON //p' "$TMP/storm-$r.log")
    if [[ -n "$sj" ]]; then
      "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(id="tessera.storm_logins", run=int(sys.argv[2])); print(json.dumps(d))' \
        "$sj" "$r" >>"$RESULTS"
    fi
  fi
  # Scale-out rows (PostgreSQL + Redis), beside Redis's own GET and pgbench. Last in the run:
  # PostgreSQL keeps working after a write load (checkpoint, autovacuum, WAL writer), which
  # would take CPU from the rows after it, most of all from Argon2id's idle-priority workers
  # (auth/hash_pool.cc) and not from the raw Argon2id ceiling. pg_settle ends that work first.
  measure_if tessera_so.verify_cookie "$r" "${SO_A:-}/auth/verify" -H "Cookie: ${SO_COOKIE:-}"
  redis_get "$r"
  WRK_LUA="$HERE/wrk_refresh.lua" WRK_PREPARE=prepare_refresh_so \
    WRK_REFRESH_TOKENS="$TMP/refresh.tokens" WRK_REFRESH_THREADS=$WRK_THREADS \
    measure_if tessera_so.refresh "$r" "${SO_A:-}/auth/refresh" -H 'Content-Type: application/json'
  pg_rotate_tx "$r"
  pg_settle
done

# Propagation across nodes: logout on A, enforced on B (propagation.py), after the load.
if [[ -n "${AVAILABLE[propagation]:-}" ]]; then
  if pj=$("$PY" "$HERE/propagation.py" --a "$SO_A" --b "$SO_B" --email "$VERIFY_EMAIL" \
      --password "$PASSWORD" --rounds $((QUICK ? 15 : 40)) 2>"$TMP/propagation.err"); then
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); [print(json.dumps({"id": "propagation." + k, "run": 1, **v})) for k, v in d.items()]' \
      "$pj" >>"$RESULTS"
    log "propagation: $pj"
  else
    record_missing propagation.session "missing: propagation.py failed: $(tail -n 1 "$TMP/propagation.err")"
    record_missing propagation.token "missing: propagation.py failed"
  fi
fi

# Refresh families on disk (issue 15): bytes per family after 10,000 rotations of each through
# the PostgreSQL RefreshStore, on a database of its own on the same durable server
# (refresh_space.sh, bench/refresh_space.cc), and the rotations/s of that loop. After
# everything else: it is a long durable write load (640,000 commits; minutes on 2 cores).
# --quick keeps its shape (families, threads) with 1,000 rotations each: that row is labelled
# so and the 10,000-rotation goal is not judged on it.
REFRESH_SPACE_FAMILIES=${REFRESH_SPACE_FAMILIES:-64}
REFRESH_SPACE_ROTATIONS=${REFRESH_SPACE_ROTATIONS:-$((QUICK ? 1000 : 10000))}
REFRESH_SPACE_THREADS=${REFRESH_SPACE_THREADS:-16}
# One rotated family per 32 stored, each on a page of its own among idle ones: a deployment's
# density (refresh_space.cc "Why --spread"; the packed worst case is in bench/README.md).
REFRESH_SPACE_SPREAD=${REFRESH_SPACE_SPREAD:-32}
if [[ -z "${SO_TESSERA_TEST_POSTGRES_DSN:-}" ]]; then
  record_missing pg.refresh_space "missing: no PostgreSQL (the scale-out part did not start it)"
elif [[ ! -x "$BUILD/bench/refresh_space" ]]; then
  record_missing pg.refresh_space "missing: not built: $BUILD/bench/refresh_space"
else
  log "refresh families on disk: $REFRESH_SPACE_FAMILIES families x $REFRESH_SPACE_ROTATIONS rotations on PostgreSQL"
  if rs=$(REFRESH_SPACE_DSN="$SO_TESSERA_TEST_POSTGRES_DSN" BENCH_BUILD_DIR="$BUILD" \
      BENCH_NO_BUILD=1 FAMILIES="$REFRESH_SPACE_FAMILIES" ROTATIONS="$REFRESH_SPACE_ROTATIONS" \
      THREADS="$REFRESH_SPACE_THREADS" SPREAD="$REFRESH_SPACE_SPREAD" "$HERE/refresh_space.sh" \
      2>"$TMP/refresh_space.err"); then
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(id="pg.refresh_space", run=1, ok_rps=d["rotations_per_s"]); print(json.dumps(d))' \
      "$rs" >>"$RESULTS"
    log "pg.refresh_space: $rs"
  else
    record_missing pg.refresh_space "missing: refresh_space.sh failed: $(tail -n 1 "$TMP/refresh_space.err")"
  fi
fi

# ---------------------------------------------------------------- report
"$PY" - "$META" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["load_at_end"] = open("/proc/loadavg").read().split()[:3]
json.dump(m, open(sys.argv[1], "w"))
EOF
mkdir -p "$OUT_DIR"
cp "$RESULTS" "$OUT_DIR/http.jsonl"
"$PY" "$HERE/report.py" --results "$RESULTS" --meta "$META" --json-out "$OUT_DIR/http.json" |
  tee "$OUT_DIR/http.md"
log "wrote $OUT_DIR/http.json, http.md, http.jsonl (${SECONDS}s in all)"
