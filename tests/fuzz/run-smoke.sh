#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage) and runs each one
# for a few seconds over its committed corpus (tests/fuzz/corpus/<target>/). A crash,
# leak, sanitizer report or timeout fails the target; its reproducer is kept in the
# results directory. Every crash found becomes a regression input in the corpus.
#
#   tests/fuzz/run-smoke.sh [SECONDS_PER_TARGET] [RESULTS_DIR]
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECONDS_PER_TARGET="${1:-10}"
RESULTS="${2:-$ROOT/build/test-results}"
TARGETS=(join_token http_request inventory_parsers kubeconfig tls13_record)
BUILD="$ROOT/build/fuzz"
mkdir -p "$RESULTS"

echo "fuzz: building with clang (${#TARGETS[@]} targets)"
if ! CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DFLOE_BUILD_FUZZERS=ON -DFLOE_SANITIZE=ON -DFLOE_WERROR=OFF -DFLOE_BUILD_TESTS=OFF -DFLOE_BUILD_BENCH=OFF \
      >"$RESULTS/cmake-fuzz.log" 2>&1 \
   || ! ninja -C "$BUILD" -j"$(nproc)" "${TARGETS[@]/#/fuzz_}" >"$RESULTS/build-fuzz.log" 2>&1; then
  grep -E "error|FAILED" "$RESULTS/build-fuzz.log" "$RESULTS/cmake-fuzz.log" 2>/dev/null | head -30
  echo "<testsuite name=\"fuzz\"><testcase classname=\"fuzz\" name=\"build\"><failure message=\"fuzz build failed\"/></testcase></testsuite>" >"$RESULTS/fuzz.xml"
  exit 1
fi

cases=""
failed=0
for target in "${TARGETS[@]}"; do
  work=$(mktemp -d)
  log="$RESULTS/fuzz-$target.log"
  # New inputs go to a scratch corpus; the committed one is only read.
  (cd "$RESULTS" && ASAN_OPTIONS="detect_leaks=1" "$BUILD/tests/fuzz/fuzz_$target" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$RESULTS/fuzz-$target-" "$work" "$ROOT/tests/fuzz/corpus/$target" >"$log" 2>&1)
  rc=$?
  runs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  rm -rf "$work"
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $target ok ($runs runs in ${SECONDS_PER_TARGET}s)"
    cases+="<testcase classname=\"fuzz\" name=\"$target\"/>"
  else
    failed=$((failed + 1))
    echo "fuzz: $target FAILED (exit $rc); reproducer and log in $RESULTS:"
    grep -E "ERROR|SUMMARY|crash-|leak-|timeout-" "$log" | head -10
    cases+="<testcase classname=\"fuzz\" name=\"$target\"><failure message=\"exit $rc, see fuzz-$target.log\"/></testcase>"
  fi
done
echo "<testsuite name=\"fuzz\">$cases</testsuite>" >"$RESULTS/fuzz.xml"
[ "$failed" -eq 0 ]
