#!/usr/bin/env bash
# Adds one worker to a running sandbox (tests/sandbox/run.sh): the sandbox itself creates
# the next network namespace and joins one more floe-agent with a join command from
# `floe token create` (run.sh's add_worker_network and join_worker, on SIGUSR1), so it also
# stops it on Ctrl-C. Then it waits for the rebalance round the head starts when the new
# node is Ready, and prints its report (`floe rebalance show ID`): per-node utilisation
# before and after, and the pods moved onto the new worker.
#
#   tests/sandbox/add-worker.sh [--data-dir DIR] [--timeout 300]
#
#   --data-dir DIR   the running sandbox's (default build/sandbox, as run.sh's)
#   --timeout S      how long to wait for the join, and again for the round (default 300 s)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SANDBOX="${FLOE_SANDBOX_DIR:-$ROOT/build/sandbox}"
TIMEOUT=300
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) SANDBOX="${2:?--data-dir needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "add-worker: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$TIMEOUT" in ''|*[!0-9]*) echo "add-worker: --timeout must be a number of seconds" >&2; exit 2 ;; esac

pid=$(cat "$SANDBOX/sandbox.pid" 2>/dev/null || true)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  echo "add-worker: no running sandbox in $SANDBOX (start tests/sandbox/run.sh first)" >&2
  exit 1
fi
FLOE=$(cat "$SANDBOX/floe-path")
export FLOE_DATA_DIR="$SANDBOX/head"
count=$(find "$SANDBOX/workers" -maxdepth 1 -name 'worker-*' -type d | wc -l)
next=$((count + 1))
node="sandbox-worker-$next"
# wait_until WHAT CHECK ON_TIMEOUT: runs CHECK every 2 s until it succeeds; gives up when
# the sandbox stops or after --timeout seconds (after ON_TIMEOUT, which explains).
wait_until() {
  local what=$1 check=$2 on_timeout=$3 deadline=$((SECONDS + TIMEOUT))
  until "$check"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "add-worker: the sandbox stopped before $what (see run.sh's output)" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "add-worker: no $what within ${TIMEOUT}s" >&2
      "$on_timeout"
      exit 1
    fi
    sleep 2
  done
}

kill -USR1 "$pid"
echo "add-worker: asked the sandbox (pid $pid) for worker-$next; it joins once the sandbox is ready"
worker_added() { [ -e "$SANDBOX/workers/worker-$next/added" ]; }
show_join_log() { echo "add-worker: see $SANDBOX/workers/worker-$next/join.log" >&2; }
wait_until "join of worker-$next" worker_added show_join_log
echo "add-worker: worker-$next joined as node $node; waiting for the head's rebalance round (it starts once the node is Ready, after a settle delay)"

# The round the head started for this node: its trigger names it (node-ready:NODE, "+N more" when several came together).
id=""
round_finished() {
  id=$("$FLOE" --json rebalance history 2>/dev/null | python3 -c '
import json, re, sys
node = sys.argv[1]
for report in json.load(sys.stdin)["reports"]:
    if report["outcome"] != "running" and node in re.split(r"[:,\s]", report["trigger"]):
        print(report["id"])
        break' "$node" || true)
  [ -n "$id" ]
}
show_rounds() { echo "add-worker: rounds so far:" >&2; "$FLOE" rebalance history >&2 || true; }
wait_until "finished rebalance round for $node" round_finished show_rounds
"$FLOE" rebalance show "$id"
echo
echo "add-worker: every round: FLOE_DATA_DIR=$FLOE_DATA_DIR $FLOE rebalance history"
