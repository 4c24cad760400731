#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for tests and benchmarks: loopback only, ports picked
# from the kernel's free ones, every file under one directory, stopped by PID.
#
#   scripts/local-services.sh start DIR [--fast] [postgres] [redis]
#       Starts the named servers (both when none is named) with their data under DIR (created;
#       must be empty or absent) and prints, on stdout, one shell assignment per server:
#         TESSERA_TEST_POSTGRES_DSN='host=127.0.0.1 port=P user=tessera dbname=tessera ...'
#         TESSERA_TEST_REDIS_URL='redis://127.0.0.1:P'
#       (also written to DIR/env). --fast turns PostgreSQL's durability off (fsync,
#       synchronous_commit, full_page_writes): for test suites, never for benchmarks.
#   scripts/local-services.sh stop DIR
#       Stops what `start DIR` started (by the PIDs it recorded), waits for it, removes DIR.
#   scripts/local-services.sh stop-one DIR postgres|redis    (fault tests)
#   scripts/local-services.sh restart-one DIR postgres|redis (same port; PostgreSQL with its
#       data, Redis empty: it runs without persistence, which the data-loss tests rely on)
#
# PostgreSQL refuses to run as root: as root, its files belong to the `postgres` system user
# (created by Debian's postgresql package) and it runs as that user (setpriv, no fork, so the
# PID is the server's). Authentication is `trust` on 127.0.0.1 only: these are throwaway
# instances holding test data; the superuser is `tessera`.
# REQUIRES: scripts/install-deps.sh (postgresql, redis-server).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

die() { echo "local-services: $*" >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT PID SECONDS: until 127.0.0.1:PORT accepts, or PID dies, or time runs out.
wait_port() {
  local port=$1 pid=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# as_postgres CMD...: runs CMD as the postgres user when we are root, else as ourselves.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

# stop_pid PIDFILE: TERM (INT for postgres: its fast shutdown), then KILL after 10 s.
stop_pid() {
  local file=$1 sig=${2:-TERM} pid i
  [ -s "$file" ] || return 0
  pid=$(head -n 1 "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -f "$file"
}

start_postgres() {
  local dir=$1 fast=$2 port home
  [ -x "$PG_BIN/postgres" ] || die "PostgreSQL is not installed (run scripts/install-deps.sh)"
  mkdir -p "$dir/pg"
  # The cluster lives in its own directory under /tmp, owned by the server's user: DIR's
  # parents (a mktemp -d of the caller's, say) need not be reachable by that user.
  home=$(mktemp -d /tmp/tessera-pg.XXXXXX)
  echo "$home" >"$dir/pg/home"
  ln -s "$home" "$dir/pg/data"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$home"
  as_postgres "$PG_BIN/initdb" -D "$home" -U tessera --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/pg/initdb.log" 2>&1 || { cat "$dir/pg/initdb.log" >&2; die "initdb failed"; }
  port=$(free_port)
  echo "$port" >"$dir/pg/port"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = ''"
    echo "max_connections = 300"
    echo "shared_buffers = 128MB"
    if [ "$fast" = 1 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >>"$home/postgresql.conf"
  run_postgres "$dir"
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U tessera tessera \
    || die "createdb failed"
  echo "TESSERA_TEST_POSTGRES_DSN='host=127.0.0.1 port=$port user=tessera dbname=tessera connect_timeout=5'" \
    >>"$dir/env"
}

run_postgres() {
  local dir=$1 port pid
  port=$(cat "$dir/pg/port")
  # Not through as_postgres: a backgrounded shell function is a subshell, and $! would be its
  # PID rather than the server's.
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- \
      "$PG_BIN/postgres" -D "$(cat "$dir/pg/home")" >>"$dir/pg/server.log" 2>&1 &
  else
    "$PG_BIN/postgres" -D "$(cat "$dir/pg/home")" >>"$dir/pg/server.log" 2>&1 &
  fi
  pid=$!
  echo "$pid" >"$dir/pg/pid"
  wait_port "$port" "$pid" 30 || { tail -n 20 "$dir/pg/server.log" >&2; die "postgres did not start"; }
  for ((i = 0; i < 100; i++)); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
    sleep 0.05
  done
  die "postgres is not ready on port $port"
}

start_redis() {
  local dir=$1 port
  command -v redis-server >/dev/null || die "redis-server is not installed (run scripts/install-deps.sh)"
  mkdir -p "$dir/redis"
  port=$(free_port)
  echo "$port" >"$dir/redis/port"
  run_redis "$dir"
  echo "TESSERA_TEST_REDIS_URL='redis://127.0.0.1:$port'" >>"$dir/env"
}

run_redis() {
  local dir=$1 port pid
  port=$(cat "$dir/redis/port")
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir/redis" --save '' --appendonly no \
    --daemonize no --protected-mode yes --maxclients 2000 --loglevel warning \
    >>"$dir/redis/server.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/redis/pid"
  wait_port "$port" "$pid" 30 || { tail -n 20 "$dir/redis/server.log" >&2; die "redis did not start"; }
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|stop-one|restart-one DIR [...]"
shift 2
case "$cmd" in
  start)
    fast=0 pg=0 redis=0
    for a in "$@"; do
      case "$a" in
        --fast) fast=1 ;;
        postgres) pg=1 ;;
        redis) redis=1 ;;
        *) die "unknown argument '$a'" ;;
      esac
    done
    ((pg || redis)) || { pg=1; redis=1; }
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then die "$dir is not empty"; fi
    mkdir -p "$dir"
    : >"$dir/env"
    # A start that fails half-way stops what it started and leaves nothing behind.
    trap 'stop_pid "$dir/pg/pid" INT; stop_pid "$dir/redis/pid"
          [ -s "$dir/pg/home" ] && rm -rf "$(cat "$dir/pg/home")"; rm -rf "$dir"' EXIT
    if ((pg)); then start_postgres "$dir" "$fast"; fi
    if ((redis)); then start_redis "$dir"; fi
    trap - EXIT
    cat "$dir/env"
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    stop_pid "$dir/pg/pid" INT
    stop_pid "$dir/redis/pid"
    [ -s "$dir/pg/home" ] && rm -rf "$(cat "$dir/pg/home")"
    rm -rf "$dir"
    ;;
  stop-one | restart-one)
    which=${1:-}
    case "$which" in
      postgres) stop_pid "$dir/pg/pid" INT; [ "$cmd" = restart-one ] && run_postgres "$dir" ;;
      redis) stop_pid "$dir/redis/pid"; [ "$cmd" = restart-one ] && run_redis "$dir" ;;
      *) die "stop-one/restart-one takes postgres or redis" ;;
    esac
    exit 0
    ;;
  *) die "unknown command '$cmd'" ;;
esac
