#!/usr/bin/env bash
# The browser tier: tests/browser/run.sh RESULTS_XML [SPEC]
# SPEC defaults to console.test.mjs; the cluster tier runs console-cluster.test.mjs
# (tests/cluster/test_console_cluster.py) against a head with a real control plane.
# Installs playwright-core (npm ci, cache under $FLOE_CACHE_DIR/npm) when the lock file
# changed and runs console.test.mjs against FLOE_BIN / FLOE_AGENT_BIN with Debian's
# Chromium. Screenshots go to $FLOE_BROWSER_OUTPUT (default build/test-results/browser).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results=${1:?usage: tests/browser/run.sh RESULTS_XML [SPEC]}
spec=${2:-console.test.mjs}
cache="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/npm"

lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp="$here/node_modules/.floe-lock.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error --cache "$cache")
  echo "$lock_hash" > "$stamp"
fi
mkdir -p "$(dirname "$results")"
results="$(cd "$(dirname "$results")" && pwd)/$(basename "$results")"  # the runner works in $here
cd "$here"
exec node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./junit-reporter.mjs --test-reporter-destination="$results" \
  "$spec"
