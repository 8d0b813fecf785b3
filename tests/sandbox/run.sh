#!/usr/bin/env bash
# The README's run command: builds floe and brings up a whole cluster on this machine.
#
#   head     `floe init` + `floe serve` in the machine's own network namespace: the API and
#            console on https://127.0.0.1:PORT; `floe serve` starts and supervises the k3s
#            server (here tests/cluster/k3s: a real Kubernetes control plane with kwok in
#            place of kubelets, see tests/cluster/README.md).
#   workers  each in its own network namespace (floesb-<pid>-w<N>) on a bridge whose leg in
#            the machine's namespace is 10.214.<n>.254; each with its own copy of a captured
#            hardware tree (tests/fixtures/hosts), joined with the exact command that
#            `floe token create` prints, then `floe-agent run`, which starts and supervises
#            its k3s agent.
#
# It waits until `kubectl get nodes` lists the head and the workers Ready, labelled from
# their hardware, and until the head's deployer has rolled out the lakehouse stack
# (k8s-manifests/; `floe status` lists every component), starts a small demo workload
# (demo-workload.yaml: something for the rebalancer to move), prints how to reach everything,
# and runs until Ctrl-C; then it stops
# the agents, then the head (which stops the k3s server and its control plane), removes
# the namespaces and the bridge, and checks that nothing is left running.
#
# Needs root (network namespaces) and iproute2. The first run also builds the Kubernetes
# control plane for the stand-in (~15 minutes on 2 cores; cached afterwards).
#
#   tests/sandbox/run.sh [--port 9443] [--workers 3] [--data-dir DIR] [--k3s-port 6443]
#                        [--timeout 300] [--exit-when-ready]
#
#   --port P           the head's HTTPS API (default 9443; must be free)
#   --workers N        simulated workers (default 3; beyond 3 the hardware trees repeat)
#   --data-dir DIR     everything of the sandbox (default build/sandbox; wiped at start)
#   --k3s-port P       the Kubernetes API (default 6443, or a free port when 6443 is taken)
#   --timeout S        how long each wait may take (default 300 s)
#   --exit-when-ready  bring everything up, print the summary, then tear down and exit 0
#
# While it runs, SIGUSR1 (tests/sandbox/add-worker.sh sends it) adds one more worker the same
# way (add_worker_network, join_worker), stopped with the others.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${FLOE_SANDBOX_PORT:-9443}"
WORKERS=3
SANDBOX="${FLOE_SANDBOX_DIR:-$ROOT/build/sandbox}"
K3S_PORT=""
TIMEOUT="${FLOE_SANDBOX_TIMEOUT:-300}"
EXIT_WHEN_READY=0
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --workers) WORKERS="${2:?--workers needs a value}"; shift 2 ;;
    --data-dir) SANDBOX="${2:?--data-dir needs a value}"; shift 2 ;;
    --k3s-port) K3S_PORT="${2:?--k3s-port needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --exit-when-ready) EXIT_WHEN_READY=1; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sandbox: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
is_number() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }
is_number "$WORKERS" && [ "$WORKERS" -le 200 ] || { echo "sandbox: --workers must be a number from 0 to 200" >&2; exit 2; }
is_number "$PORT" && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || { echo "sandbox: --port must be a port number" >&2; exit 2; }
[ -z "$K3S_PORT" ] || { is_number "$K3S_PORT" && [ "$K3S_PORT" -ge 1 ] && [ "$K3S_PORT" -le 65535 ]; } \
  || { echo "sandbox: --k3s-port must be a port number" >&2; exit 2; }
is_number "$TIMEOUT" && [ "$TIMEOUT" -ge 1 ] || { echo "sandbox: --timeout must be a number of seconds" >&2; exit 2; }
case "$SANDBOX" in /*) ;; *) SANDBOX="$PWD/$SANDBOX" ;; esac
SANDBOX="${SANDBOX%/}"
[ -n "$SANDBOX" ] && [ "$SANDBOX" != "/" ] || { echo "sandbox: refusing --data-dir /" >&2; exit 2; }

say() { printf 'sandbox: %s\n' "$*"; }
die() { printf 'sandbox: %s\n' "$*" >&2; exit 1; }

# Network namespaces need root; say so before a long build rather than after it.
if [ "$(id -u)" -ne 0 ]; then
  die "needs root: the workers run in their own network namespaces (ip netns) on a bridge. Run: sudo $0${ARGS[*]:+ ${ARGS[*]}}"
fi

# --------------------------------------------------------------------------- build

"$ROOT/tests/lib/install-deps.sh"
command -v ip >/dev/null || die "needs iproute2 (the 'ip' command) for network namespaces: apt-get install iproute2"
ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here: $(ip netns list 2>&1 | head -1)"

export CCACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/ccache"
say "building floe and floe-agent (the first build takes a few minutes)..."
# FLOE_SANDBOX_BUILD_DIR: another (already configured) build tree, e.g. for the tests.
BUILD="${FLOE_SANDBOX_BUILD_DIR:-$ROOT/build/release}"
build_log="$ROOT/build/sandbox-build.log"
mkdir -p "$ROOT/build"
if ! { { [ -f "$BUILD/CMakeCache.txt" ] && [ -n "${FLOE_SANDBOX_BUILD_DIR:-}" ]; } \
       || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; } >"$build_log" 2>&1 \
   || ! ninja -C "$BUILD" floe floe-agent >>"$build_log" 2>&1; then
  tail -40 "$build_log" >&2
  die "building floe failed (the end of $build_log above)"
fi
FLOE="$BUILD/appliance/floe"
AGENT="$BUILD/agent/floe-agent"
K3S="$ROOT/tests/cluster/k3s"
CONTROL_PLANE="$ROOT/tests/cluster/control-plane.sh"

# The k3s stand-in runs a real control plane, built once from source and cached.
if "$CONTROL_PLANE" check >/dev/null 2>&1; then
  say "Kubernetes control plane: cached"
else
  build_log="$ROOT/build/sandbox-control-plane-build.log"
  say "building the Kubernetes control plane for the k3s stand-in (kube-apiserver, controller-manager,"
  say "scheduler, kubectl, kwok; etcd from Debian). Only the first time: ~15 minutes on 2 cores."
  say "log: $build_log"
  started=$SECONDS
  # Progress every 30 s while the build runs in the foreground (so Ctrl-C stops it).
  ( while sleep 30; do
      say "  ... $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s: $(grep -E '^control-plane:' "$build_log" | tail -1 | cut -c1-100)"
    done ) &
  ticker=$!
  trap 'kill $ticker 2>/dev/null || true' EXIT
  if ! "$CONTROL_PLANE" build >"$build_log" 2>&1; then
    tail -30 "$build_log" >&2
    die "building the Kubernetes control plane failed (the end of $build_log above)"
  fi
  kill $ticker 2>/dev/null || true
  trap - EXIT
  say "Kubernetes control plane built in $(( (SECONDS - started) / 60 )) min; cached for the next runs"
fi

# --------------------------------------------------------------------------- leftovers

NS_PREFIX=floesb
# Programs the sandbox starts; only these are ever signalled by the clean-up.
OUR_PROGRAMS=" floe floe-agent kube-apiserver kube-controller-manager kube-scheduler etcd kwok "

pid_alive() { kill -0 "$1" 2>/dev/null; }
is_ours() {  # is_ours PID: one of the sandbox's programs (or the Python running the k3s stand-in)
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  exe=$(basename "${exe% (deleted)}")
  case "$OUR_PROGRAMS" in *" $exe "*) return 0 ;; esac
  case "$exe" in python3*) return 0 ;; esac
  return 1
}
kill_ours_in_ns() {  # SIGKILL our programs still inside namespace $1
  local pid
  for pid in $(ip netns pids "$1" 2>/dev/null); do
    is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
}
processes_under() {  # pids of our programs whose command line names directory $1
  local pid exe
  for pid in $(pgrep -f -- "$1/" || true); do
    [ "$pid" = "$$" ] && continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    exe=$(basename "${exe% (deleted)}")
    case "$OUR_PROGRAMS" in *" $exe "*) echo "$pid"; continue ;; esac
    # Python only when it runs the k3s stand-in.
    case "$exe" in python3*) tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "tests/cluster/k3s " && echo "$pid" ;; esac
  done
  return 0
}

# Namespaces of aborted runs (their run.sh is gone), as tests/integration/netns_lab.py does.
for ns in $(ip netns list | awk '{print $1}'); do
  [[ "$ns" =~ ^${NS_PREFIX}-([0-9]+)-[a-z0-9]+$ ]] || continue
  owner=${BASH_REMATCH[1]}
  [ "$owner" = "$$" ] && continue
  pid_alive "$owner" && continue
  say "removing network namespace $ns left by an aborted run (pid $owner is gone)"
  kill_ours_in_ns "$ns"
  ip netns del "$ns" 2>/dev/null || true
done
for leg in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^fsb[0-9]+$" || true); do
  pid_alive "${leg#fsb}" || { ip link del "$leg" 2>/dev/null || true; }
done

# An aborted run with this data directory may have left its head and control plane running.
if [ -f "$SANDBOX/sandbox.pid" ]; then
  previous=$(cat "$SANDBOX/sandbox.pid" 2>/dev/null || true)
  if [ -n "$previous" ] && [ "$previous" != "$$" ] && pid_alive "$previous" \
     && tr '\0' ' ' <"/proc/$previous/cmdline" 2>/dev/null | grep -q "sandbox/run.sh"; then
    die "another sandbox (pid $previous) is running with $SANDBOX; stop it first (Ctrl-C in its terminal) or use --data-dir"
  fi
  left=$(processes_under "$SANDBOX" | tr '\n' ' ')
  if [ -n "$left" ]; then
    say "stopping processes left by an aborted run in $SANDBOX: $left"
    # shellcheck disable=SC2086
    kill -TERM $left 2>/dev/null || true
    [ -d "$SANDBOX/k3s/data/server/standin" ] && "$CONTROL_PLANE" down "$SANDBOX/k3s/data/server/standin" >/dev/null 2>&1 || true
    sleep 2
    left=$(processes_under "$SANDBOX" | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  fi
fi

# --------------------------------------------------------------------------- ports

port_free() {  # port_free PORT: a TCP bind on 0.0.0.0:PORT succeeds
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
PY
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'; }
who_listens() { ss -Hltnp "sport = :$1" 2>/dev/null | awk '{print $NF}' | head -1; }

port_free "$PORT" || die "port $PORT is taken ($(who_listens "$PORT")); choose another with --port"
if [ -z "$K3S_PORT" ]; then
  K3S_PORT=6443
  if ! port_free 6443; then
    K3S_PORT=$(free_port)
    say "port 6443 is taken ($(who_listens 6443)); the Kubernetes API uses port $K3S_PORT"
  fi
else
  port_free "$K3S_PORT" || die "port $K3S_PORT is taken ($(who_listens "$K3S_PORT")); choose another with --k3s-port"
fi
[ "$K3S_PORT" != "$PORT" ] || die "--port and --k3s-port must differ"

# --------------------------------------------------------------------------- tear-down

# A fresh sandbox every time: it is for trying things, not for keeping state.
rm -rf "$SANDBOX"
mkdir -p "$SANDBOX/logs"
echo $$ >"$SANDBOX/sandbox.pid"
echo "$FLOE" >"$SANDBOX/floe-path"  # for add-worker.sh
HEAD_DIR="$SANDBOX/head"
SW_NS="$NS_PREFIX-$$-sw"
ROOT_LEG="fsb$$"
NAMESPACES=()
SERVE_PID=""
AGENT_PIDS=()
CLEANED=0

stop_pid() {  # stop_pid PID NAME TIMEOUT: SIGTERM, then SIGKILL after TIMEOUT seconds
  local pid=$1 name=$2 timeout=$3 waited=0
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid" && [ "$waited" -lt $((timeout * 5)) ]; do sleep 0.2; waited=$((waited + 1)); done
  if pid_alive "$pid"; then
    say "WARNING: $name (pid $pid) did not stop within ${timeout}s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    LEFT_BEHIND=1
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  [ "$CLEANED" = 1 ] && return
  CLEANED=1
  set +e
  trap '' INT TERM HUP
  LEFT_BEHIND=0
  echo
  say "stopping..."
  # Agents first (each stops its k3s agent), then the head (it stops the k3s server,
  # which stops the control plane).
  local i
  for i in "${!AGENT_PIDS[@]}"; do stop_pid "${AGENT_PIDS[$i]}" "floe-agent run of worker-$((i + 1))" 30; done
  [ -n "$SERVE_PID" ] && stop_pid "$SERVE_PID" "floe serve" 60
  # Anything of the sandbox still running now was not stopped by its parent.
  local left pid
  left=$(processes_under "$SANDBOX")
  if [ -n "$left" ]; then
    LEFT_BEHIND=1
    say "WARNING: still running after the head and agents stopped (killed now):"
    for pid in $left; do
      printf '  %s\n' "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
    done
    [ -d "$SANDBOX/k3s/data/server/standin" ] && "$CONTROL_PLANE" down "$SANDBOX/k3s/data/server/standin" >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    kill -KILL $(processes_under "$SANDBOX") 2>/dev/null || true
  fi
  for ns in "${NAMESPACES[@]}"; do
    kill_ours_in_ns "$ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$ROOT_LEG" 2>/dev/null || true
  local ns_left
  ns_left=$(ip netns list | awk '{print $1}' | grep -E "^$NS_PREFIX-$$-" || true)
  if [ -n "$ns_left" ]; then
    LEFT_BEHIND=1
    say "WARNING: network namespaces left: $(echo $ns_left)"
  fi
  rm -f "$SANDBOX/sandbox.pid"
  if [ "$LEFT_BEHIND" = 0 ]; then
    say "stopped; nothing left running (no processes, namespaces or bridge of the sandbox); files kept in $SANDBOX"
  elif [ "$rc" = 0 ]; then
    rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
INTERRUPTED_RC=130  # Ctrl-C while starting; 0 once the sandbox is up (the normal way to stop it)
trap 'exit $INTERRUPTED_RC' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# tests/sandbox/add-worker.sh asks a running sandbox for one more worker (handled once ready).
ADD_WORKER_REQUESTS=0
trap 'ADD_WORKER_REQUESTS=$((ADD_WORKER_REQUESTS + 1))' USR1

# --------------------------------------------------------------------------- network

# A /24 in 10.214.0.0/16 that nothing on this machine routes yet.
SUBNET=""
start=$(( RANDOM % 254 + 1 ))
for k in $(seq 0 253); do
  n=$(( (start + k - 1) % 254 + 1 ))
  if [ -z "$(ip -4 -o route show to match "10.214.$n.0/24" | grep -v '^default' || true)" ] \
     && ! ip -4 -o addr show | grep -q " 10\.214\.$n\."; then
    SUBNET="10.214.$n"; break
  fi
done
[ -n "$SUBNET" ] || die "no free /24 in 10.214.0.0/16 for the sandbox's bridge"
HEAD_IP="$SUBNET.254"

add_ns() {
  ip netns add "$1" || die "cannot create network namespace $1 (ip netns add failed; is this a container without CAP_SYS_ADMIN?)"
  NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}
# The bridge lives in a namespace of its own (deleting it removes every veth); one veth
# leg is in the machine's namespace with the head's bridge address.
add_ns "$SW_NS"
ip -n "$SW_NS" link add br0 type bridge
ip -n "$SW_NS" link set br0 up
ip link add "$ROOT_LEG" type veth peer name uplink netns "$SW_NS"
ip -n "$SW_NS" link set uplink master br0 up
ip addr add "$HEAD_IP/24" dev "$ROOT_LEG"
ip link set "$ROOT_LEG" up
worker_ns() { echo "$NS_PREFIX-$$-w$1"; }
worker_ip() { echo "$SUBNET.$((10 + $1))"; }
add_worker_network() {  # add_worker_network N: worker N's namespace, with a leg on the bridge
  local i=$1 ns
  ns=$(worker_ns "$i")
  add_ns "$ns"
  ip -n "$SW_NS" link add "w$i" type veth peer name eth0 netns "$ns"
  ip -n "$SW_NS" link set "w$i" master br0 up
  ip -n "$ns" addr add "$(worker_ip "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
}
for i in $(seq 1 "$WORKERS"); do add_worker_network "$i"; done
say "network: head on $HEAD_IP (bridge leg $ROOT_LEG) and 127.0.0.1; subnet $SUBNET.0/24$( [ "$WORKERS" = 0 ] \
    || echo "; workers $(worker_ip 1)..$(worker_ip "$WORKERS") in namespaces $(worker_ns 1)..$(worker_ns "$WORKERS")")"

# --------------------------------------------------------------------------- head

wait_for() {  # wait_for WHAT CHECK_FUNCTION ON_TIMEOUT_FUNCTION: dots every 2 s
  local what=$1 check=$2 on_timeout=$3 started=$SECONDS
  printf 'sandbox: waiting for %s ' "$what"
  while ! "$check"; do
    if [ $((SECONDS - started)) -ge "$TIMEOUT" ]; then
      echo " timed out after ${TIMEOUT}s" >&2
      "$on_timeout"
      exit 1
    fi
    printf '.'
    sleep 2
  done
  echo " ok ($((SECONDS - started))s)"
}
check_serve_alive() {
  if ! pid_alive "$SERVE_PID"; then
    echo >&2
    say "floe serve exited; the last lines of its log ($SANDBOX/logs/head.log):" >&2
    tail -30 "$SANDBOX/logs/head.log" >&2
    exit 1
  fi
}

say "head: floe init (data $HEAD_DIR, k3s stand-in, Kubernetes API port $K3S_PORT)"
# The first advertised name is the one join commands print: the bridge address, which
# the workers reach; 127.0.0.1 and localhost are for this machine's browser and CLI.
# --k3s-service supervised (here and at join): the simulated machines share this host, so
# each k3s must be the child of its own floe process, inside its own namespace, never a
# host-wide systemd unit, even where systemd runs this machine.
if ! "$FLOE" init --data-dir "$HEAD_DIR" --k3s-service supervised \
     --advertise "$HEAD_IP" --advertise 127.0.0.1 --advertise localhost \
     --k3s-binary "$K3S" --k3s-config-dir "$SANDBOX/k3s/etc" --k3s-data-dir "$SANDBOX/k3s/data" \
     --k3s-port "$K3S_PORT" --node-name floe-head >"$SANDBOX/logs/init.log" 2>&1; then
  cat "$SANDBOX/logs/init.log" >&2
  die "floe init failed (output above)"
fi
export FLOE_DATA_DIR="$HEAD_DIR"
# A fresh console password on every run (a reused --data-dir was initialised before), shown
# only on this terminal; the one in init.log is no longer valid after this.
CONSOLE_PASSWORD=$("$FLOE" --data-dir "$HEAD_DIR" --json admin reset-password \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["console_password"])') \
  || die "setting the web console's admin password failed (floe admin reset-password)"

# Each long-running process in its own session: Ctrl-C reaches only this script, which
# stops them in order.
setsid "$FLOE" serve --data-dir "$HEAD_DIR" --listen "0.0.0.0:$PORT" </dev/null 2>"$SANDBOX/logs/head.log" &
SERVE_PID=$!
serve_listening() { check_serve_alive; [ -s "$HEAD_DIR/serve.url" ]; }
serve_timeout() { tail -30 "$SANDBOX/logs/head.log" >&2; }
wait_for "floe serve on port $PORT" serve_listening serve_timeout

K8S_STATE=""
k8s_running() {
  check_serve_alive
  K8S_STATE=$("$FLOE" --json status 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["kubernetes"]["state"])' 2>/dev/null || true)
  [ "$K8S_STATE" = running ]
}
k8s_timeout() {
  say "the k3s server is not running (state '${K8S_STATE:-unknown}'); the last lines of $HEAD_DIR/logs/k3s.log:" >&2
  tail -30 "$HEAD_DIR/logs/k3s.log" >&2 || true
}
wait_for "the k3s server (stand-in: etcd, kube-apiserver, controller-manager, scheduler, kwok; ~10-30 s)" \
  k8s_running k8s_timeout

KUBECONFIG_FILE="$SANDBOX/k3s/etc/k3s.yaml"
# shellcheck disable=SC1091
FLOE_K8S_BIN=$(. "$SANDBOX/k3s/data/server/standin/cluster.env" && echo "$FLOE_K8S_BIN")
KUBECTL=("$FLOE_K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE")

# --------------------------------------------------------------------------- workers

FIXTURES=(two-socket-server gpu-server this-machine)
# Preflight checks that can fail only because these machines are simulated: they look at
# the live machine, not at the worker's hardware tree. kernel-modules compares the
# captured kernel's version with this machine's /lib/modules; disk-space measures
# /var/lib/rancher, which the sandbox does not use; the port checks bind in the worker's
# namespace. Any other failing check stops the sandbox.
SANDBOX_CHECKS=" kernel-modules disk-space port-6443-tcp port-10250-tcp port-8472-udp "

# A fresh token for every worker: the sandbox runs for hours, and a worker added with
# add-worker.sh long after the start must not find an expired one.
JOIN_ARGV=()
new_join_command() {  # sets JOIN_ARGV to `floe token create`'s join command, run with $AGENT
  local join_command
  join_command=$("$FLOE" --json token create --ttl 1h --description "sandbox worker" \
                 | python3 -c 'import json, sys; print(json.load(sys.stdin)["join_command"])') \
    || die "floe token create failed (head log: $SANDBOX/logs/head.log)"
  read -r -a JOIN_ARGV <<<"$join_command"
  [ "${JOIN_ARGV[0]}" = sudo ] && JOIN_ARGV=("${JOIN_ARGV[@]:1}")
  [ "${JOIN_ARGV[0]}" = floe-agent ] && [ "${JOIN_ARGV[1]}" = join ] \
    || die "unexpected join command from floe token create: ${join_command%%--token*}"
  JOIN_ARGV[0]="$AGENT"
  JOIN_COMMAND_SHOWN="${join_command%%--token*}--token FLOE1-…"
}
new_join_command
say "join command printed by 'floe token create': $JOIN_COMMAND_SHOWN"
HEAD_URL="${JOIN_ARGV[2]}"

join_worker() {  # join_worker N: worker N joins with the printed command and runs its agent
  local i=$1 fixture ns w id why ignored agent_in_ns
  fixture=${FIXTURES[$(( (i - 1) % ${#FIXTURES[@]} ))]}
  ns=$(worker_ns "$i")
  w="$SANDBOX/workers/worker-$i"
  mkdir -p "$w"
  # Its own machine: a copy of the hardware tree with its own machine-id and hostname.
  cp -a "$ROOT/tests/fixtures/hosts/$fixture" "$w/root"
  python3 -c 'import uuid; print(uuid.uuid4().hex)' >"$w/root/etc/machine-id"
  echo "sandbox-worker-$i" >"$w/root/proc/sys/kernel/hostname"
  agent_in_ns=(ip netns exec "$ns" "$AGENT" --state-dir "$w/state" --sysroot "$w/root")
  [ "$i" = 1 ] || new_join_command

  # The head must be reachable over the bridge before anything else makes sense.
  if ! ip netns exec "$ns" curl -sk --max-time 5 -o /dev/null "$HEAD_URL/healthz"; then
    die "worker-$i ($(worker_ip "$i") in $ns) cannot reach the head at $HEAD_URL over the bridge; a firewall on this machine may drop traffic arriving on $ROOT_LEG"
  fi

  ignored=()
  why=""
  for id in $("${agent_in_ns[@]}" check --json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(c["id"] for c in json.load(sys.stdin) if c["severity"] == "fail" and c["result"] == "fail"))' || true); do
    case "$SANDBOX_CHECKS" in
      *" $id "*) ignored+=(--ignore-check "$id"); why+=" $id" ;;
    esac
  done

  # Exactly the printed command, plus what only a simulated machine needs.
  if ! ip netns exec "$ns" "${JOIN_ARGV[@]}" --state-dir "$w/state" --sysroot "$w/root" --k3s-service supervised \
       "${ignored[@]}" --k3s-binary "$K3S" --k3s-config-dir "$w/k3s/etc" --k3s-data-dir "$w/k3s/data" \
       </dev/null >"$w/join.log" 2>&1; then
    cat "$w/join.log" >&2
    die "worker-$i ($fixture) failed to join (output above; $w/join.log)"
  fi
  setsid ip netns exec "$ns" env K3S_STANDIN_SYSROOT="$w/root" \
    "$AGENT" --state-dir "$w/state" --sysroot "$w/root" run </dev/null 2>"$w/agent.log" &
  AGENT_PIDS+=($!)
  say "worker-$i joined: $(worker_ip "$i") in $ns, hardware from tests/fixtures/hosts/$fixture${why:+ (ignored checks that fail only in a sandbox:$why)}"
}
for i in $(seq 1 "$WORKERS"); do join_worker "$i"; done

# --------------------------------------------------------------------------- ready

NODES_SUMMARY=""
nodes_ready() {
  check_serve_alive
  local i
  for i in "${!AGENT_PIDS[@]}"; do
    if ! pid_alive "${AGENT_PIDS[$i]}"; then
      echo >&2
      say "floe-agent run of worker-$((i + 1)) exited; the last lines of its log:" >&2
      tail -20 "$SANDBOX/workers/worker-$((i + 1))/agent.log" >&2
      exit 1
    fi
  done
  NODES_SUMMARY=$("${KUBECTL[@]}" get nodes -o json 2>/dev/null | python3 -c '
import json, sys
ready = workers = 0
items = json.load(sys.stdin)["items"]
for node in items:
    conditions = {c["type"]: c["status"] for c in node["status"].get("conditions", [])}
    ready += conditions.get("Ready") == "True"
    workers += node["metadata"].get("labels", {}).get("floe.io/role") == "worker"
print(len(items), ready, workers)' 2>/dev/null || true)
  [ "$NODES_SUMMARY" = "$((WORKERS + 1)) $((WORKERS + 1)) $WORKERS" ]
}
nodes_timeout() {
  say "kubectl get nodes (nodes, Ready, labelled workers: ${NODES_SUMMARY:-none}; want $((WORKERS + 1)) Ready, $WORKERS workers):" >&2
  "${KUBECTL[@]}" get nodes -L floe.io/role >&2 || true
  for i in $(seq 1 "$WORKERS"); do
    say "worker-$i: the last lines of its k3s agent log and agent log:" >&2
    tail -8 "$SANDBOX/workers/worker-$i/state/logs/k3s-agent.log" >&2 2>/dev/null || true
    tail -8 "$SANDBOX/workers/worker-$i/agent.log" >&2 || true
  done
}
wait_for "kubectl get nodes: the head and $WORKERS workers Ready, labelled from their hardware" nodes_ready nodes_timeout

# The head's deployer applies k8s-manifests/ as soon as the API answers; kwok marks the pods
# Running (no container runs), and the stand-in has no helm controller, so the Spark Operator's
# HelmChart stays "submitted".
STACK_SUMMARY=""
stack_ready() {
  check_serve_alive
  STACK_SUMMARY=$("$FLOE" --json status 2>/dev/null | python3 -c '
import json, sys
components = json.load(sys.stdin)["stack"]["components"]
waiting = [c["name"] + "=" + c["state"] for c in components
           if c["state"] != ("submitted" if c["name"] == "spark-operator" else "ready")]
print(" ".join(waiting) if components and waiting else ("ready" if components else "none yet"))' 2>/dev/null || true)
  [ "$STACK_SUMMARY" = "ready" ]
}
stack_timeout() {
  say "the stack is not ready (waiting: ${STACK_SUMMARY:-unknown}); floe status:" >&2
  "$FLOE" status >&2 || true
  grep 'stack ' "$SANDBOX/logs/head.log" | tail -15 >&2 || true
}
wait_for "the lakehouse stack: every component ready (spark-operator submitted to k3s's helm controller)" \
  stack_ready stack_timeout

# Something for the rebalancer to move when a worker is added (tests/sandbox/demo-workload.yaml).
"${KUBECTL[@]}" apply -f "$ROOT/tests/sandbox/demo-workload.yaml" >/dev/null \
  || die "kubectl apply -f tests/sandbox/demo-workload.yaml failed"
DEMO_SUMMARY=""
demo_placed() {  # every demo pod bound to a node, or found unschedulable by the scheduler
  check_serve_alive
  DEMO_SUMMARY=$("${KUBECTL[@]}" get pods -n floe-demo -o json 2>/dev/null | python3 -c '
import json, sys
pods = json.load(sys.stdin)["items"]
bound = sum(1 for p in pods if p["spec"].get("nodeName"))
unschedulable = sum(1 for p in pods if not p["spec"].get("nodeName") and any(
    c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable" for c in p["status"].get("conditions", [])))
print(len(pods), bound, unschedulable)' 2>/dev/null || true)
  local total bound unschedulable
  read -r total bound unschedulable <<<"${DEMO_SUMMARY:-0 0 0}"
  [ "$total" -ge 12 ] && [ $((bound + unschedulable)) -eq "$total" ]
}
demo_timeout() {
  say "the demo pods are not placed (pods, bound, unschedulable: ${DEMO_SUMMARY:-none}):" >&2
  "${KUBECTL[@]}" get pods -n floe-demo -o wide >&2 || true
}
wait_for "the demo workload: 12 pods of floe-demo/demo-batch placed by the scheduler" demo_placed demo_timeout
read -r _ DEMO_BOUND DEMO_UNSCHEDULABLE <<<"$DEMO_SUMMARY"

CA_SHA256=$("$FLOE" --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["ca_sha256"])')
cat <<INFO

floe sandbox is running: a head and $WORKERS worker$([ "$WORKERS" = 1 ] || echo s), each its own Kubernetes node

  console      https://127.0.0.1:$PORT/   user admin, password $CONSOLE_PASSWORD
               (the browser warns about the cluster CA: trust $HEAD_DIR/pki/ca.crt or accept it)
  API          https://127.0.0.1:$PORT   (workers use $HEAD_URL)
               CA $HEAD_DIR/pki/ca.crt, SHA-256 $CA_SHA256
               curl --cacert $HEAD_DIR/pki/ca.crt https://127.0.0.1:$PORT/healthz
  admin        client certificate $HEAD_DIR/pki/admin.crt, key $HEAD_DIR/pki/admin.key
  Kubernetes   https://127.0.0.1:$K3S_PORT, kubeconfig $KUBECONFIG_FILE
  logs         head $SANDBOX/logs/head.log, k3s server $HEAD_DIR/logs/k3s.log,
               workers $SANDBOX/workers/worker-N/{agent.log,join.log,state/}
  workers      $(worker_ns 1) ... (ip netns exec NS COMMAND), hardware trees in $SANDBOX/workers/worker-N/root
  demo         floe-demo/demo-batch: $DEMO_BOUND pods of 2 CPU running$([ "$DEMO_UNSCHEDULABLE" = 0 ] || echo ", $DEMO_UNSCHEDULABLE waiting for room")
               add a worker and watch the head move some onto it:
               tests/sandbox/add-worker.sh$([ "$SANDBOX" = "$ROOT/build/sandbox" ] || echo " --data-dir $SANDBOX")

Try, in another terminal:
  export FLOE_DATA_DIR=$HEAD_DIR
  $FLOE nodes list
  $FLOE nodes show <ID>
  $FLOE token create --ttl 1h
  $FLOE status                      # the lakehouse stack's components
  $FLOE rebalance history           # rebalance rounds: before/after spread, evictions
  $FLOE render | less               # exactly what the head applies
  ${KUBECTL[*]} get pods -A -o wide
  ${KUBECTL[*]} get nodes -L floe.io/role,floe.io/gpu-count
  ${KUBECTL[*]} describe node sandbox-worker-2

INFO
FLOE_DATA_DIR="$HEAD_DIR" "$FLOE" nodes list
echo
"${KUBECTL[@]}" get nodes -L floe.io/role,floe.io/cpu-cores,floe.io/memory-gib,floe.io/gpu-count,floe.io/data-disks
echo
FLOE_DATA_DIR="$HEAD_DIR" "$FLOE" status
echo

if [ "$EXIT_WHEN_READY" = 1 ]; then
  say "ready (--exit-when-ready): tearing down"
  exit 0
fi
say "press Ctrl-C to stop"
INTERRUPTED_RC=0
while true; do
  check_serve_alive
  while [ "$ADD_WORKER_REQUESTS" -gt 0 ]; do
    ADD_WORKER_REQUESTS=$((ADD_WORKER_REQUESTS - 1))
    WORKERS=$((WORKERS + 1))
    add_worker_network "$WORKERS"
    join_worker "$WORKERS"
    touch "$SANDBOX/workers/worker-$WORKERS/added"  # add-worker.sh waits for this
  done
  for i in "${!AGENT_PIDS[@]}"; do
    if ! pid_alive "${AGENT_PIDS[$i]}"; then
      say "floe-agent run of worker-$((i + 1)) exited; the last lines of its log:" >&2
      tail -20 "$SANDBOX/workers/worker-$((i + 1))/agent.log" >&2
      exit 1
    fi
  done
  sleep 2 &
  wait $! || true
done
