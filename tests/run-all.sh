#!/usr/bin/env bash
# The README's test command. Installs what is missing, builds floe twice (optimised,
# and Debug with AddressSanitizer + UndefinedBehaviorSanitizer), runs every test tier
# present against both, and ends with one line: "N passed, N failed".
#
#   tests/run-all.sh                  everything
#   tests/run-all.sh --no-sanitizers  skip the ASan/UBSan build (faster local loop)
#   tests/run-all.sh --slow           also the slow tiers (FLOE_SLOW_TESTS=1 does the same):
#                                     the Spark + Iceberg image build and run (tests/images)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FLOE_CACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}"
RESULTS="$ROOT/build/test-results"
SANITIZERS=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitizers) SANITIZERS=0 ;;
    --slow) export FLOE_SLOW_TESTS=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-all: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "dependencies"
if ! "$ROOT/tests/lib/install-deps.sh"; then
  echo "run-all: installing dependencies failed; see the messages above"
  echo "0 passed, 1 failed"
  exit 1
fi
VENV_PY="$FLOE_CACHE_DIR/venv/bin/python"

rm -rf "$RESULTS" && mkdir -p "$RESULTS"
export CCACHE_DIR="$FLOE_CACHE_DIR/ccache"

build() {  # build NAME CMAKE_ARGS...
  local name=$1; shift
  step "build ($name)"
  cmake -S "$ROOT" -B "$ROOT/build/$name" -G Ninja "$@" >"$RESULTS/cmake-$name.log" 2>&1 \
    || { tail -30 "$RESULTS/cmake-$name.log"; return 1; }
  ninja -C "$ROOT/build/$name" -j"$(nproc)" >"$RESULTS/build-$name.log" 2>&1 \
    || { grep -E 'error|FAILED' "$RESULTS/build-$name.log" | head -40; return 1; }
  echo "built $ROOT/build/$name"
}

# run_tier NAME COMMAND...: the command writes JUnit XML to $RESULTS/NAME.xml.
run_tier() {
  local name=$1; shift
  step "tier: $name"
  "$@"
  local rc=$?
  if [ ! -s "$RESULTS/$name.xml" ]; then
    echo "run-all: tier $name produced no results (exit code $rc)"
    echo "<testsuite name=\"$name\"><testcase name=\"$name runs\"><failure message=\"exit code $rc, no report\"/></testcase></testsuite>" >"$RESULTS/$name.xml"
  fi
}

unit_tier() {  # unit_tier BUILD
  run_tier "unit-$1" "$ROOT/build/$1/tests/floe_unit_tests" --reporter junit --out "$RESULTS/unit-$1.xml"
  # Also show a human summary for the log.
  "$ROOT/build/$1/tests/floe_unit_tests" --reporter compact 2>&1 | tail -1
}

integration_tier() {  # integration_tier BUILD
  FLOE_BIN="$ROOT/build/$1/appliance/floe" FLOE_AGENT_BIN="$ROOT/build/$1/agent/floe-agent" \
    run_tier "integration-$1" "$VENV_PY" -m pytest "$ROOT/tests/integration" -q -p no:cacheprovider \
    --junitxml "$RESULTS/integration-$1.xml"
}

builds=(release)
build release -DCMAKE_BUILD_TYPE=RelWithDebInfo || { echo "0 passed, 1 failed"; exit 1; }
if [ "$SANITIZERS" = 1 ]; then
  build asan -DCMAKE_BUILD_TYPE=Debug -DFLOE_SANITIZE=ON || { echo "0 passed, 1 failed"; exit 1; }
  builds+=(asan)
fi

# Sanitizer findings fail the run: abort on the first report, leaks included.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

for b in "${builds[@]}"; do unit_tier "$b"; done
for b in "${builds[@]}"; do integration_tier "$b"; done

# Browser tier: Playwright (npm playwright-core) drives Debian's Chromium against a real
# floe serve and real floe-agent joins; screenshots land in build/test-results/browser.
FLOE_BIN="$ROOT/build/release/appliance/floe" FLOE_AGENT_BIN="$ROOT/build/release/agent/floe-agent" \
  FLOE_BROWSER_OUTPUT="$RESULTS/browser" run_tier browser "$ROOT/tests/browser/run.sh" "$RESULTS/browser.xml"

# Cluster tier: a real Kubernetes control plane (kube-apiserver, controller-manager,
# scheduler, etcd) with kwok nodes, built once from source and cached (tests/cluster/).
cluster_tier() {
  step "build (cluster control plane; cold: ~15 min, cached: instant)"
  if ! "$ROOT/tests/cluster/control-plane.sh" build >"$RESULTS/build-cluster.log" 2>&1; then
    tail -30 "$RESULTS/build-cluster.log"
    echo '<testsuite name="cluster"><testcase name="cluster control plane builds"><failure message="control-plane.sh build failed; see build-cluster.log"/></testcase></testsuite>' >"$RESULTS/cluster.xml"
    return
  fi
  grep -E '^control-plane: (built|cached|present|build done)' "$RESULTS/build-cluster.log"
  FLOE_CLUSTER_TESTS_BIN="$ROOT/build/release/tests/floe_cluster_tests" \
  FLOE_BIN="$ROOT/build/release/appliance/floe" FLOE_AGENT_BIN="$ROOT/build/release/agent/floe-agent" \
  FLOE_CLUSTER_BUILD=1 run_tier cluster "$VENV_PY" -m pytest "$ROOT/tests/cluster" -q \
    -p no:cacheprovider --junitxml "$RESULTS/cluster.xml"
}
cluster_tier

# Lakehouse tier: real Spark (pyspark, local mode) + Iceberg REST catalog + SeaweedFS,
# using the settings `floe spark-defaults` prints (tests/lakehouse/README.md). Its setup
# downloads pyspark, the Iceberg jars and SeaweedFS once into $FLOE_CACHE_DIR/lakehouse.
lakehouse_tier() {
  step "setup (lakehouse; cold: a few minutes of downloads, cached: instant)"
  if ! "$ROOT/tests/lakehouse/setup.sh" >"$RESULTS/setup-lakehouse.log" 2>&1; then
    tail -30 "$RESULTS/setup-lakehouse.log"
    echo '<testsuite name="lakehouse"><testcase name="lakehouse setup"><failure message="tests/lakehouse/setup.sh failed; see setup-lakehouse.log"/></testcase></testsuite>' >"$RESULTS/lakehouse.xml"
    return
  fi
  FLOE_BIN="$ROOT/build/release/appliance/floe" run_tier lakehouse "$FLOE_CACHE_DIR/lakehouse/venv/bin/python" \
    -m pytest "$ROOT/tests/lakehouse" -q -p no:cacheprovider --junitxml "$RESULTS/lakehouse.xml"
}
lakehouse_tier

# Packaging tier: builds .deb/.rpm in build/pkg, lints them, and installs, upgrades,
# removes and purges floe on this machine (it refuses to touch a floe it did not install).
run_tier packaging env FLOE_TEST_RESULTS="$RESULTS/packaging.xml" "$ROOT/tests/packaging/test_packages.sh"

# Slow tier (opt-in): builds the Spark + Iceberg OCI image (spark-images/build.sh, cached)
# and runs it with runc and a private containerd (tests/images/README.md).
if [ "${FLOE_SLOW_TESTS:-0}" = 1 ]; then
  run_tier images "$VENV_PY" -m pytest "$ROOT/tests/images" -q -p no:cacheprovider \
    --junitxml "$RESULTS/images.xml"
fi

# Fuzz smoke: each libFuzzer target (clang, ASan + UBSan) for a few seconds over its
# committed corpus; a crash fails the run and leaves its reproducer in build/test-results.
step "fuzz smoke"
"$ROOT/tests/fuzz/run-smoke.sh" 10 "$RESULTS"

# Benchmarks print ratios against anchors measured in the same run; they count as one
# test each that fails only when the benchmark could not run (a missed target is shown
# in its TARGET lines, not turned into a red build on a shared 2-core machine).
bench() {  # bench NAME COMMAND...
  local name=$1; shift
  step "benchmark: $name"
  "$@" 2>&1 | tee "$RESULTS/bench-$name.txt"
  local rc=${PIPESTATUS[0]}
  local failure=""
  [ "$rc" -ne 0 ] && failure="<failure message=\"benchmark exited $rc\"/>"
  echo "<testsuite name=\"bench\"><testcase classname=\"bench\" name=\"$name runs\">$failure</testcase></testsuite>" \
    >"$RESULTS/bench-$name.xml"
}
bench agent-footprint "$VENV_PY" "$ROOT/tests/bench/agent_footprint.py" --duration 20 --runs 20 \
  --floe-bin "$ROOT/build/release/appliance/floe" --agent-bin "$ROOT/build/release/agent/floe-agent"

step "summary ($(( $(date +%s) - started ))s)"
python3 "$ROOT/tests/lib/summarize.py" "$RESULTS"
