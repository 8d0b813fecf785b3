#!/usr/bin/env bash
# The README's run command: builds floe and starts a local sandbox cluster: a head
# with a fresh data directory on https://127.0.0.1:9443 and simulated workers, each a
# real floe-agent with its own state directory and its own captured hardware tree
# (tests/fixtures/hosts), joined with a real token and heartbeating. Prints how to
# reach everything; Ctrl-C stops it all.
#
#   tests/sandbox/run.sh [--port 9443] [--workers 3] [--data-dir DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${FLOE_SANDBOX_PORT:-9443}"
WORKERS=3
SANDBOX="${FLOE_SANDBOX_DIR:-$ROOT/build/sandbox}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --data-dir) SANDBOX="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "sandbox: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$WORKERS" in ''|*[!0-9]*) echo "sandbox: --workers must be a number" >&2; exit 2 ;; esac

"$ROOT/tests/lib/install-deps.sh"
export CCACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/ccache"
echo "sandbox: building floe and floe-agent (the first build takes a few minutes)..."
cmake -S "$ROOT" -B "$ROOT/build/release" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$ROOT/build/release" floe floe-agent >/dev/null
FLOE="$ROOT/build/release/appliance/floe"
AGENT="$ROOT/build/release/agent/floe-agent"

# A fresh sandbox every time: it is for trying things, not for keeping state.
rm -rf "$SANDBOX"
HEAD_DIR="$SANDBOX/head"
mkdir -p "$SANDBOX"
"$FLOE" init --data-dir "$HEAD_DIR" --advertise 127.0.0.1 --advertise localhost >/dev/null

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "sandbox: stopped"
}
trap cleanup EXIT INT TERM

"$FLOE" serve --data-dir "$HEAD_DIR" --listen "127.0.0.1:$PORT" 2>"$SANDBOX/head.log" &
PIDS+=($!)
for _ in $(seq 1 100); do
  [ -s "$HEAD_DIR/serve.url" ] && break
  if ! kill -0 "${PIDS[0]}" 2>/dev/null; then
    echo "sandbox: the head failed to start:" >&2; cat "$SANDBOX/head.log" >&2; exit 1
  fi
  sleep 0.1
done
URL=$(cat "$HEAD_DIR/serve.url")
export FLOE_DATA_DIR="$HEAD_DIR"

# Simulated workers: real agents on this machine, each reading its own hardware tree.
FIXTURES=(two-socket-server gpu-server this-machine)
TOKEN=$("$FLOE" --json token create --ttl 1h --description sandbox-workers \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
for i in $(seq 1 "$WORKERS"); do
  fixture=${FIXTURES[$(( (i - 1) % ${#FIXTURES[@]} ))]}
  worker="$SANDBOX/workers/worker-$i"
  mkdir -p "$worker"
  cp -a "$ROOT/tests/fixtures/hosts/$fixture" "$worker/root"
  python3 -c 'import uuid; print(uuid.uuid4().hex)' > "$worker/root/etc/machine-id"
  echo "sandbox-worker-$i" > "$worker/root/proc/sys/kernel/hostname"
  # The token travels in the environment, not on the command line (ps shows arguments).
  # kernel-modules is ignored: it asks this machine's /lib/modules about the simulated
  # machine's kernel, and simulated workers never start k3s.
  if ! FLOE_JOIN_TOKEN="$TOKEN" "$AGENT" --state-dir "$worker/state" --sysroot "$worker/root" \
       join "$URL" --label "floe.io/sandbox=true" --ignore-check kernel-modules >"$worker/join.log" 2>&1; then
    echo "sandbox: worker-$i ($fixture) failed to join:" >&2; cat "$worker/join.log" >&2; exit 1
  fi
  "$AGENT" --state-dir "$worker/state" --sysroot "$worker/root" run 2>"$worker/agent.log" &
  PIDS+=($!)
  echo "sandbox: worker-$i joined, hardware from tests/fixtures/hosts/$fixture"
done

cat <<INFO

floe sandbox is running: a head and $WORKERS simulated workers
  API:        $URL   (health: curl --cacert $HEAD_DIR/pki/ca.crt $URL/healthz)
  head:       data $HEAD_DIR, log $SANDBOX/head.log
  workers:    $SANDBOX/workers/worker-N/{root,state,agent.log}

Try, in another terminal:
  export FLOE_DATA_DIR=$HEAD_DIR
  $FLOE nodes list
  $FLOE nodes show <ID>
  $FLOE token create --ttl 1h        # prints the join command for another worker
  $FLOE events

Press Ctrl-C to stop.
INFO
wait "${PIDS[0]}"
