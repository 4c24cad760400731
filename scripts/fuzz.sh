#!/usr/bin/env bash
# Builds the libFuzzer targets (TESSERA_FUZZ=ON) and runs each one for a bounded time.
#
# Usage: scripts/fuzz.sh [SECONDS]          (default 20 seconds per target)
#   TESSERA_FUZZ_BUILD_DIR   build directory (default build/fuzz)
#   TESSERA_FUZZ_TARGETS     space-separated subset of targets to run (default: all)
#   CXX                      a clang++ to use (default: the first of clang++-19, -18, -17,
#                            clang++ that compiles <expected> and links libFuzzer)
#
# Each target starts from a temporary copy of tests/fuzz/corpus/<target>/, so nothing is ever
# written into the repository. A crash, leak, timeout (-timeout=5) or OOM (-rss_limit_mb=2048)
# fails the target; its reproducer is kept in <build>/fuzz-artifacts/<target>/ and printed in
# hex (if short). Prints one line per target, then exactly "N passed, M failed" as the last
# line. Exit status: 0 if every target ran clean, 1 if any failed, 2 if nothing could be built.
#
# Compiler: libstdc++ 12's <expected> needs __cpp_concepts >= 202002L, which clang defines
# from version 19 on (Debian 12's default clang 14, and clang 15/16, cannot compile Tessera).
# On Debian 12: apt-get install clang-19 libclang-rt-19-dev.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
seconds="${1:-20}"
build="${TESSERA_FUZZ_BUILD_DIR:-$top/build/fuzz}"
all_targets=(fuzz_base64url fuzz_jwk_parse fuzz_jws_verify fuzz_header_cache fuzz_http_request
  fuzz_cookie_header fuzz_form fuzz_forwarded_for fuzz_json_body fuzz_webauthn_response
  fuzz_revocation_feed)
read -r -a targets <<<"${TESSERA_FUZZ_TARGETS:-${all_targets[*]}}"

if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (a positive whole number, default 20)" >&2
  exit 2
fi

give_up() {
  echo "fuzz.sh: $*" >&2
  echo "0 passed, ${#targets[@]} failed"
  exit 2
}

# A clang++ that has C++23 <expected> over libstdc++ and the libFuzzer runtime.
compiler_works() {
  local cxx="$1" dir
  command -v "$cxx" >/dev/null 2>&1 || return 1
  dir="$(mktemp -d)"
  printf '%s\n' '#include <expected>' '#include <cstdint>' '#include <cstddef>' \
    'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t n) {' \
    '  std::expected<int, int> e = static_cast<int>(n); return *e > 0 ? 0 : 0; }' >"$dir/t.cc"
  "$cxx" -std=c++23 -fsanitize=fuzzer,address,undefined "$dir/t.cc" -o "$dir/t" >/dev/null 2>&1
  local ok=$?
  rm -rf "$dir"
  return $ok
}

cxx=""
for c in ${CXX:-} clang++-19 clang++-18 clang++-17 clang++; do
  if compiler_works "$c"; then cxx="$(command -v "$c")"; break; fi
done
[ -n "$cxx" ] || give_up "no clang++ with C++23 <expected> and libFuzzer; on Debian 12: apt-get install clang-19 libclang-rt-19-dev"

# Configure once (or again if the cached compiler differs), then build only the fuzz targets.
cached="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
if [ ! -f "$build/build.ninja" ] || [ "$cached" != "$cxx" ]; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"  # a cache cannot change its compiler
  mkdir -p "$build"
  cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_FUZZ=ON \
    -DCMAKE_CXX_COMPILER="$cxx" >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; give_up "cmake configure failed"; }
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >&2 || give_up "build failed"

work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# UBSan is compiled in recoverable mode; make its first report fatal so libFuzzer sees it.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
# Symbolized stacks need llvm-symbolizer (package llvm-19, or llvm-14's works too).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in "$(dirname "$(readlink -f "$cxx")")/llvm-symbolizer" "$(command -v llvm-symbolizer-19)" \
           "$(command -v llvm-symbolizer)"; do
    if [ -n "$s" ] && [ -x "$s" ]; then export ASAN_SYMBOLIZER_PATH="$s"; break; fi
  done
fi

passed=0
failed=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  seeds="$top/tests/fuzz/corpus/$t"
  if [ ! -x "$bin" ]; then
    echo "FAIL $t: no binary at $bin"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  [ -d "$seeds" ] && cp -R "$seeds/." "$work/$t/corpus/"
  seeds_n=$(find "$work/$t/corpus" -type f | wc -l)
  dict=()
  [ -f "$top/tests/fuzz/$t.dict" ] && dict=(-dict="$top/tests/fuzz/$t.dict")

  "$bin" -max_total_time="$seconds" -max_len=9000 -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" \
    "$work/$t/corpus" >"$work/$t/log" 2>&1
  rc=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/$t/log" | tail -1 | cut -d' ' -f2)
  corpus_n=$(find "$work/$t/corpus" -type f | wc -l)
  mapfile -t artifacts < <(find "$work/$t/artifacts" -type f | sort)
  if [ "$rc" -eq 0 ] && [ "${#artifacts[@]}" -eq 0 ]; then
    echo "PASS $t: ${execs:-?} execs in ${seconds}s, cov ${cov:-?}, corpus $seeds_n -> $corpus_n"
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  keep="$build/fuzz-artifacts/$t"
  mkdir -p "$keep"
  {
    echo "---- $t (exit $rc): last lines of the log ----"
    grep -v -E '^#[0-9]+' "$work/$t/log" | tail -60
  } >&2
  what="exit $rc"
  repro="(no reproducer written)"
  for a in "${artifacts[@]}"; do
    cp "$a" "$keep/"
    what="$(basename "$a" | cut -d- -f1)"
    repro="reproduce: $bin $keep/$(basename "$a")"
    echo "  reproducer: $keep/$(basename "$a") ($(wc -c <"$a") bytes)" >&2
    if [ "$(wc -c <"$a")" -le 1024 ]; then
      echo "  hex: $(od -An -v -tx1 "$a" | tr -d ' \n')" >&2
    fi
  done
  echo "FAIL $t: $what after ${execs:-?} execs; $repro"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
