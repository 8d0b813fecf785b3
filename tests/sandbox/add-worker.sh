#!/usr/bin/env bash
# Adds one worker to a running sandbox (tests/sandbox/run.sh): the sandbox itself creates
# the next network namespace and joins one more floe-agent with the join command it printed
# (run.sh's add_worker_network and join_worker, on SIGUSR1), so it also stops it on Ctrl-C.
# Then watch the head rebalance onto it: `floe rebalance history`, `floe rebalance show ID`.
#
#   tests/sandbox/add-worker.sh [--data-dir DIR] [--timeout 300]
#
#   --data-dir DIR   the running sandbox's (default build/sandbox, as run.sh's)
#   --timeout S      how long to wait for the worker to have joined (default 300 s)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SANDBOX="${FLOE_SANDBOX_DIR:-$ROOT/build/sandbox}"
TIMEOUT=300
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) SANDBOX="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "add-worker: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

pid=$(cat "$SANDBOX/sandbox.pid" 2>/dev/null || true)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  echo "add-worker: no running sandbox in $SANDBOX (start tests/sandbox/run.sh first)" >&2
  exit 1
fi
count=$(find "$SANDBOX/workers" -maxdepth 1 -name 'worker-*' -type d | wc -l)
next=$((count + 1))
kill -USR1 "$pid"
echo "add-worker: asked the sandbox (pid $pid) for worker-$next; it joins once the sandbox is ready"
deadline=$((SECONDS + TIMEOUT))
until [ -e "$SANDBOX/workers/worker-$next/added" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "add-worker: the sandbox stopped before worker-$next joined (see run.sh's output)" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "add-worker: worker-$next did not join within ${TIMEOUT}s ($SANDBOX/workers/worker-$next/join.log)" >&2
    exit 1
  fi
  sleep 1
done
echo "add-worker: worker-$next joined; the head rebalances once its node is Ready. Watch:"
echo "  FLOE_DATA_DIR=$SANDBOX/head floe rebalance history    # floe: the one run.sh uses"
