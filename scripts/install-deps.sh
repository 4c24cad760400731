#!/usr/bin/env bash
# Installs everything Tessera needs to build, test and benchmark, by name, from Debian's
# packages and the npm registry only. Idempotent: safe to run on every build; it does
# nothing (and needs no network) once everything is present.
# REQUIRES: Debian 12, root (or passwordless sudo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"

# Why each package is here: see the dependency table in README.md.
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libssl-dev libsodium-dev libsqlite3-dev
  libboost1.81-dev
  nlohmann-json3-dev libsimdjson-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy
  clang-19 libclang-rt-19-dev llvm-19
  python3 python3-jwt python3-jwcrypto python3-cryptography
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node peers used by the interop tests (pinned by package-lock.json).
if [ -f "$top/tests/interop/package.json" ]; then
  if [ ! -d "$top/tests/interop/node_modules" ] ||
     [ "$top/tests/interop/package-lock.json" -nt "$top/tests/interop/node_modules" ]; then
    (cd "$top/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$top/tests/interop/node_modules"
  fi
fi
