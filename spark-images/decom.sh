#!/bin/bash
# Graceful executor decommissioning (/opt/decom.sh, the path Spark's
# spark.kubernetes.executor.decommissionScript points at by default). Spark runs it as
# the executor pod's preStop hook: SIGPWR asks the executor to migrate its shuffle and
# cached blocks to other executors and stop; we then wait for the JVM to exit, for at
# most FLOE_DECOM_WAIT_SECONDS (Kubernetes also bounds the hook by the pod's
# terminationGracePeriodSeconds). Messages go to /dev/termination-log when it is
# writable, so `kubectl describe pod` shows what happened.
set -u

LOG=/dev/termination-log
WAIT_SECONDS=${FLOE_DECOM_WAIT_SECONDS:-300}

say() {
  echo "decom: $*"
  { [ -w "$LOG" ] && echo "decom: $*" >>"$LOG"; } 2>/dev/null || true
}

pids=$(pgrep -f 'org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend' || true)
[ -n "$pids" ] || pids=$(pgrep -x java || true)
if [ -z "$pids" ]; then
  say "no executor JVM running; nothing to decommission"
  exit 0
fi

say "asking executor JVM(s) $pids to decommission (SIGPWR) at $(date -u +%H:%M:%SZ)"
# shellcheck disable=SC2086
kill -s PWR $pids || say "sending SIGPWR to $pids failed"

waited=0
while [ "$waited" -lt "$WAIT_SECONDS" ]; do
  alive=""
  for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
  if [ -z "$alive" ]; then
    say "executor exited after ${waited}s"
    exit 0
  fi
  sleep 1
  waited=$((waited + 1))
done
say "executor still running after ${WAIT_SECONDS}s; leaving it to the pod's termination"
exit 0
