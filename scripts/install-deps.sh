#!/usr/bin/env bash
# Installs everything Tessera needs to build, test and benchmark, by name, from Debian's
# packages and the npm registry only. Idempotent: safe to run on every build; it does
# nothing (and needs no network) once everything is present.
#   scripts/install-deps.sh           everything
#   scripts/install-deps.sh --build   only what builds the binary and its .deb (Release, with
#                                     -DTESSERA_TESTS=OFF -DTESSERA_BENCH=OFF): packaging/Dockerfile
# REQUIRES: Debian 12, root (or passwordless sudo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"

build_only=0
case "${1:-}" in
  "") ;;
  --build) build_only=1 ;;
  *) echo "install-deps.sh: unknown argument '$1' (--build)" >&2; exit 2 ;;
esac

# Why each package is here: see the dependency table in README.md.
# Building: the compiler, CMake, the libraries, and the .deb (dpkg-dev: dpkg-shlibdeps, file).
packages=(
  build-essential cmake ninja-build pkg-config ca-certificates dpkg-dev file
  libssl-dev libsodium-dev libsqlite3-dev libicu-dev libpq-dev libhiredis-dev
  liboath-dev libqrencode-dev libcurl4-openssl-dev libzxcvbn-dev
  libboost1.81-dev
  nlohmann-json3-dev libsimdjson-dev libcbor-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev
)
# Testing, benchmarking, fuzzing, formatting (systemd: systemd-analyze for the unit).
if ((!build_only)); then
  packages+=(
    git
    libgtest-dev libgmock-dev libbenchmark-dev
    clang-format clang-tidy
    clang-19 libclang-rt-19-dev llvm-19
    python3 python3-jwt python3-jwcrypto python3-cryptography python3-aiosmtpd openssl
    chromium nginx caddy
    wrk redis-server redis-tools postgresql
    systemd
  )
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The tests start their own nginx and caddy (own config, loopback, ephemeral port), and their own
  # redis-server and PostgreSQL (scripts/local-services.sh): no system nginx on port 80, redis
  # on 6379 or PostgreSQL on 5432. Without a
  # policy-rc.d (containers usually have one), add a temporary "start nothing" one for the
  # install, and disable the units systemd enabled.
  policy=""
  services=""
  for svc in nginx caddy redis-server postgresql; do
    if [[ " ${missing[*]} " == *" $svc "* ]]; then services+=" $svc"; fi
  done
  if [ -n "$services" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    trap '$sudo rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  $sudo apt-get update -qq
  status=0
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -z "$policy" ] || $sudo rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
  if [ -n "$services" ] && [ -d /run/systemd/system ]; then
    for svc in $services; do $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true; done
  fi
fi

# Node packages of the interop peers, the browser tests, the OpenAPI checks and the federation
# tests' upstream providers (pinned by
# package-lock.json).
((!build_only)) || exit 0
for dir in "$top/tests/interop" "$top/tests/e2e" "$top/tests/openapi" "$top/tests/federation"; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      touch "$dir/node_modules"
    fi
  fi
done
