#!/usr/bin/env bash
# Configures and builds one flavour of Tessera into build/<flavour>. Incremental.
#   scripts/build.sh release   Release (default): the binary people run, the tests (the
#                              benchmarks are built by bench/run, by name)
#   scripts/build.sh asan      Debug + AddressSanitizer + UndefinedBehaviorSanitizer, tests only
# Prints the build directory on the last line.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flavour="${1:-release}"
jobs="${TESSERA_JOBS:-$(nproc)}"
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DTESSERA_SANITIZE=ON -DTESSERA_BENCH=OFF) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release|asan)" >&2; exit 2 ;;
esac
dir="$top/build/$flavour"
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$top" -B "$dir" -G Ninja "${args[@]}" >/dev/null
fi
cmake --build "$dir" -j "$jobs" >&2
echo "$dir"
