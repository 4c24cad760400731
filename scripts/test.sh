#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test:
#   1. Release build: unit, RFC vectors, HTTP integration and interop suites (ctest)
#   2. ASan+UBSan build: the same suites except interop, browser, nginx and the OpenAPI checks,
#      under the sanitizers
#   3. libFuzzer targets, each for TESSERA_FUZZ_SECONDS (default 20)
# with a throwaway PostgreSQL and Redis on loopback (scripts/local-services.sh) for the suites
# that run on them, stopped by PID at the end.
# Ends with the failed tests by name (CI keeps only the tail of the output), then one line
# "N passed, M failed" over everything.
set -uo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
deps_start=$SECONDS
scripts/install-deps.sh || { echo "test.sh: dependency installation failed" >&2; exit 1; }
deps_seconds=$((SECONDS - deps_start))

passed=0
failed=0
# Each phase's wall time, printed at the end: where CI's time limit goes.
phase_times=""
phase_start=$SECONDS
phase() {  # phase NAME: ends the phase running since the last call
  phase_times+="$(printf '  %-22s %5d s' "$1" $((SECONDS - phase_start)))"$'\n'
  phase_start=$SECONDS
}
tally() {  # tally LOG: adds ctest's "N% tests passed, F tests failed out of T" to the totals
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  bad=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}
failures=""
excerpts=""
# list_failures LOG PHASE DIR: keeps ctest's "The following tests FAILED" lines and the last
# lines of each such test's output (from DIR's Testing/Temporary/LastTest.log) for the end.
list_failures() {
  local names name
  names=$(sed -n '/The following tests FAILED:/,/^[^[:space:]]/p' "$1" | grep -E '^[[:space:]]+[0-9]+ - ')
  [ -z "$names" ] && return 0
  failures+="$(echo "$names" | sed -E "s/^[[:space:]]+/  $2: /")"$'\n'
  for name in $(echo "$names" | sed -E 's/^[[:space:]]+[0-9]+ - ([^ ]+).*/\1/'); do
    excerpts+="-- $2 $name, the end of its output:"$'\n'
    excerpts+="$(awk -v t="$name" '$0 ~ ("Test: " t "$") {on = 1; next}
      on && /^<end of output>$/ {exit} on' "$3/Testing/Temporary/LastTest.log" | tail -n 30)"$'\n'
  done
}

logs="$(mktemp -d)"
services="$logs/services"
trap 'scripts/local-services.sh stop "$services" || true; rm -rf "$logs"' EXIT
jobs="${TESSERA_JOBS:-$(nproc)}"

# One throwaway PostgreSQL and one Redis on loopback for every suite that runs on them (each
# test takes its own database / key prefix); the fault and multi-node tests start their own.
echo "== services"
if env_lines="$(scripts/local-services.sh start "$services" --fast)"; then
  while IFS= read -r line; do export "${line%%=*}=$(eval "echo ${line#*=}")"; done <<<"$env_lines"
else
  echo "could not start PostgreSQL and Redis"; failed=$((failed + 1))
fi

phase "services"
echo "== release build"
if rel="$(scripts/build.sh release | tail -n 1)"; then
  phase "release build"
  echo "== release tests"
  (cd "$rel" && ctest -j "$jobs" --output-on-failure --timeout 600) 2>&1 | tee "$logs/release.log"
  tally "$logs/release.log"
  list_failures "$logs/release.log" release "$rel"
  phase "release tests"
  # The benchmarks are outside the default build; compiling them here is their only check
  # between bench/run's runs (one test: passes when every bench/ target builds).
  echo "== bench builds"
  if cmake --build "$rel" -j "$jobs" --target benchmarks >"$logs/bench-build.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+="  bench: the bench/ targets do not build (see $logs/bench-build.log)"$'\n'
    tail -n 30 "$logs/bench-build.log"
  fi
  phase "bench builds"
else
  echo "release build failed"; failed=$((failed + 1))
fi

echo "== asan build"
if asan="$(scripts/build.sh asan | tail -n 1)"; then
  phase "asan build"
  echo "== asan tests"
  (cd "$asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest -j "$jobs" --output-on-failure --timeout 900 -LE 'interop|e2e|gateway|packaging|openapi') 2>&1 | tee "$logs/asan.log"
  tally "$logs/asan.log"
  list_failures "$logs/asan.log" asan "$asan"
  phase "asan tests"
else
  echo "asan build failed"; failed=$((failed + 1))
fi

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz"
  scripts/fuzz.sh "${TESSERA_FUZZ_SECONDS:-20}" 2>&1 | tee "$logs/fuzz.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/fuzz.log" | tail -n 1)
  names=$(grep -E '^FAIL ' "$logs/fuzz.log")
  [ -n "$names" ] && failures+="$(echo "$names" | sed -E 's/^/  fuzz: /')"$'\n'
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
  fi
  phase "fuzz (build and run)"
fi

if [ -n "$excerpts" ]; then
  echo
  echo "== failed tests' output (ends)"
  printf '%s' "$excerpts"
fi
echo
echo "== time per phase"
printf '  %-22s %5d s\n' "dependencies" "$deps_seconds"
printf '%s' "$phase_times"
if [ -n "$failures" ]; then
  echo
  echo "== failed"
  printf '%s' "$failures"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
