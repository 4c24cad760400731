#!/usr/bin/env bash
# bench/http/refresh_space.sh - bytes on disk per refresh-token family after 10,000 rotations on
# PostgreSQL (issue 15, goal <= 1 KiB per family), with the rotations/s of that loop: runs
# bench/refresh_space.cc (`refresh_space --backend postgres`, header comment there) on a
# database of its own, and prints its one JSON line on stdout.
#
#   bench/http/refresh_space.sh      # its own durable PostgreSQL (scripts/local-services.sh),
#                                    # stopped at exit: about 2-3 min on 2 cores
#   REFRESH_SPACE_DSN='host=127.0.0.1 port=P user=tessera dbname=tessera' bench/http/refresh_space.sh
#                                    # a server that runs already (bench/http/run.sh passes its
#                                    # scale-out PostgreSQL): a fresh database is created on it
#                                    # for the measurement and dropped afterwards
#
# Settings (environment): FAMILIES (64), ROTATIONS (10000), THREADS (16), SPREAD (1: every
# family rotated; K: one rotated family per K stored, see refresh_space.cc), BENCH_BUILD_DIR (a
# CMake build dir; default build/release; refresh_space is rebuilt there unless
# BENCH_NO_BUILD=1), PG_FAST=1 (only for a private server: scripts/local-services.sh --fast,
# NOT durable; for smoke tests only; the JSON line then says "fsync": "off").
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOP="$(cd "$HERE/../.." && pwd)"
case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
  *) echo "refresh_space.sh: no arguments (settings come from the environment; see --help)" >&2; exit 2 ;;
esac
FAMILIES=${FAMILIES:-64}
ROTATIONS=${ROTATIONS:-10000}
THREADS=${THREADS:-16}
SPREAD=${SPREAD:-1}
BUILD=${BENCH_BUILD_DIR:-$TOP/build/release}
BIN="$BUILD/bench/refresh_space"

log() { printf '[refresh_space] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then
  cmake --build "$BUILD" --target refresh_space >&2 || die "could not build refresh_space in $BUILD"
fi
[[ -x "$BIN" ]] || die "not built: $BIN"

TMP=$(mktemp -d /tmp/tessera-refresh-space.XXXXXX)
SERVICES=""
ADMIN_DSN=""
DB=""
cleanup() {
  if [[ -n "$DB" ]]; then
    psql "$ADMIN_DSN" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  fi
  if [[ -n "$SERVICES" ]]; then "$TOP/scripts/local-services.sh" stop "$SERVICES" || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${REFRESH_SPACE_DSN:-}" ]]; then
  ADMIN_DSN=$REFRESH_SPACE_DSN
else
  SERVICES="$TMP/services"
  fast=()
  [[ "${PG_FAST:-0}" == 1 ]] && fast=(--fast)
  "$TOP/scripts/local-services.sh" start "$SERVICES" "${fast[@]}" postgres >"$TMP/services.env" \
    2>"$TMP/services.err" || die "PostgreSQL did not start: $(tail -n 1 "$TMP/services.err")"
  ADMIN_DSN=$(sed -n "s/^TESSERA_TEST_POSTGRES_DSN='\(.*\)'$/\1/p" "$TMP/services.env")
  [[ -n "$ADMIN_DSN" ]] || die "no DSN from scripts/local-services.sh"
fi

# A database of its own, so that the tables are fresh whatever the server holds already.
DB="refresh_space_$$_$RANDOM"
psql "$ADMIN_DSN" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB" >/dev/null 2>"$TMP/createdb.err" ||
  { DB=""; die "CREATE DATABASE failed: $(tail -n 1 "$TMP/createdb.err")"; }
if grep -q 'dbname=' <<<"$ADMIN_DSN"; then
  DSN=$(sed "s/dbname=[^ ]*/dbname=$DB/" <<<"$ADMIN_DSN")
else
  DSN="$ADMIN_DSN dbname=$DB"
fi

log "$FAMILIES families (1 in $SPREAD stored) x $ROTATIONS rotations on $THREADS threads (database $DB)"
"$BIN" --backend postgres --dsn "$DSN" --families "$FAMILIES" --rotations "$ROTATIONS" \
  --threads "$THREADS" --spread "$SPREAD"
