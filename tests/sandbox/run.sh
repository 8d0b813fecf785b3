#!/usr/bin/env bash
# The README's run command: builds floe and starts a sandbox head on this machine
# with a fresh data directory, then prints how to reach it and join a worker.
# Ctrl-C stops it. (Later work grows this into a whole sandbox cluster with
# simulated workers in network namespaces.)
#
#   tests/sandbox/run.sh [--port 9443] [--data-dir DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${FLOE_SANDBOX_PORT:-9443}"
DATA_DIR="${FLOE_SANDBOX_DIR:-$ROOT/build/sandbox/head}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "sandbox: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

"$ROOT/tests/lib/install-deps.sh"
export CCACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/ccache"
echo "sandbox: building floe (first build takes a few minutes)..."
cmake -S "$ROOT" -B "$ROOT/build/release" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$ROOT/build/release" floe floe-agent >/dev/null
FLOE="$ROOT/build/release/appliance/floe"

# A fresh head every time: the sandbox is for trying things, not for keeping state.
rm -rf "$DATA_DIR"
"$FLOE" init --data-dir "$DATA_DIR" --advertise 127.0.0.1 --advertise localhost

LOG="$DATA_DIR/serve.log"
"$FLOE" serve --data-dir "$DATA_DIR" --listen "127.0.0.1:$PORT" 2>"$LOG" &
HEAD_PID=$!
trap 'kill -TERM $HEAD_PID 2>/dev/null; wait $HEAD_PID 2>/dev/null; echo "sandbox: head stopped"' EXIT INT TERM

for _ in $(seq 1 100); do
  [ -s "$DATA_DIR/serve.url" ] && break
  if ! kill -0 $HEAD_PID 2>/dev/null; then
    echo "sandbox: the head failed to start:" >&2; cat "$LOG" >&2; exit 1
  fi
  sleep 0.1
done
URL=$(cat "$DATA_DIR/serve.url")

cat <<INFO

floe sandbox head is running (pid $HEAD_PID)
  API:        $URL   (health: curl --cacert $DATA_DIR/pki/ca.crt $URL/healthz)
  data dir:   $DATA_DIR
  log:        $LOG

Try, in another terminal:
  export FLOE_DATA_DIR=$DATA_DIR
  $FLOE status
  $FLOE token create --ttl 1h        # prints the worker's join command
  $FLOE nodes list
  $FLOE events

Press Ctrl-C to stop.
INFO
wait $HEAD_PID
