#!/bin/bash
# The entrypoint of floe's Spark + Iceberg image (/opt/entrypoint.sh).
#
#   driver ARGS...        the driver of a Spark-on-Kubernetes application: Spark's
#                         Kubernetes backend starts the driver pod with these arguments
#   executor              an executor pod: everything comes from the SPARK_* variables
#                         the driver sets on the pod (SPARK_DRIVER_URL, SPARK_EXECUTOR_ID, ...)
#   connect-server ARGS...  the Spark Connect server in the foreground, with the settings
#                         of $SPARK_CONF_DIR/spark-defaults.conf (mount it there) and ARGS
#                         (more spark-submit options, e.g. --conf k=v)
#   history-server        the Spark History Server in the foreground
#                         (spark.history.fs.logDirectory from spark-defaults.conf)
#   anything else         run as given (spark-submit --version, bash, ...)
#
# Every role runs under tini, so signals reach the JVM and zombies are reaped.
# Set FLOE_ENTRYPOINT_TRACE=1 to see the command before it runs.
set -euo pipefail

: "${SPARK_HOME:=/opt/spark}"
: "${JAVA_HOME:=/usr/lib/jvm/java-17-openjdk-amd64}"
export SPARK_HOME JAVA_HOME

fail() { echo "entrypoint: $*" >&2; exit 64; }

# Require the variables a role cannot run without, naming the ones that are missing:
# an executor pod started by hand (or by an older driver) should say what it lacks
# rather than start java with empty arguments.
require_env() {  # require_env ROLE VAR...
  local role=$1 missing=() var
  shift
  for var in "$@"; do [ -n "${!var:-}" ] || missing+=("$var"); done
  [ ${#missing[@]} -eq 0 ] || fail "role '$role' needs ${missing[*]} in the environment (Spark's Kubernetes backend sets them on the pods it creates)"
}

# Java and Hadoop look the user up by uid. A cluster that runs the image under an
# arbitrary uid (OpenShift-style) has no passwd entry for it; add one when /etc/passwd
# is writable, as Spark's own image does, else go on (Spark then uses SPARK_USER).
ensure_passwd_entry() {
  local uid gid
  uid=$(id -u)
  gid=$(id -g)
  getent passwd "$uid" >/dev/null 2>&1 && return 0
  if [ -w /etc/passwd ]; then
    echo "$uid:x:$uid:$gid:${SPARK_USER_NAME:-anonymous uid}:$SPARK_HOME:/bin/false" >>/etc/passwd
  else
    echo "entrypoint: uid $uid has no passwd entry and /etc/passwd is read-only; continuing" >&2
  fi
}

# The classpath an executor runs with: the configuration directories first (so
# spark-defaults.conf, log4j2.properties and Hadoop's *-site.xml are found), then
# Spark's jars, then what the application added.
executor_classpath() {
  local cp="${SPARK_HOME}/jars/*"
  [ -n "${SPARK_CLASSPATH:-}" ] && cp="$SPARK_CLASSPATH:$cp"
  [ -n "${SPARK_EXTRA_CLASSPATH:-}" ] && cp="$cp:$SPARK_EXTRA_CLASSPATH"
  [ -n "${HADOOP_CONF_DIR:-}" ] && cp="$HADOOP_CONF_DIR:$cp"
  cp="${SPARK_CONF_DIR:-$SPARK_HOME/conf}:$cp"
  [ -n "${SPARK_DIST_CLASSPATH:-}" ] && cp="$cp:$SPARK_DIST_CLASSPATH"
  echo "$cp"
}

# The driver passes the executor's JVM options as SPARK_JAVA_OPT_0, _1, ... in order.
executor_java_opts() {
  local name
  for name in $(compgen -e | { grep '^SPARK_JAVA_OPT_[0-9][0-9]*$' || true; } | sort -t_ -k4 -n); do
    printf '%s\n' "${!name}"
  done
}

ensure_passwd_entry

role=${1:-}
case "$role" in
  driver)
    shift
    require_env driver SPARK_DRIVER_BIND_ADDRESS
    cmd=("$SPARK_HOME/bin/spark-submit"
         --conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS"
         --deploy-mode client
         "$@")
    ;;
  executor)
    shift
    require_env executor SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES \
      SPARK_APPLICATION_ID SPARK_EXECUTOR_POD_IP SPARK_EXECUTOR_MEMORY
    mapfile -t java_opts < <(executor_java_opts)
    cmd=("$JAVA_HOME/bin/java"
         "${java_opts[@]}"
         "-Xms$SPARK_EXECUTOR_MEMORY" "-Xmx$SPARK_EXECUTOR_MEMORY"
         -cp "$(executor_classpath)"
         org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend
         --driver-url "$SPARK_DRIVER_URL"
         --executor-id "$SPARK_EXECUTOR_ID"
         --cores "$SPARK_EXECUTOR_CORES"
         --app-id "$SPARK_APPLICATION_ID"
         --hostname "$SPARK_EXECUTOR_POD_IP"
         --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}"
         --podName "${SPARK_EXECUTOR_POD_NAME:-$(hostname)}"
         "$@")
    ;;
  connect-server)
    shift
    # spark-submit knows this class and needs no application jar for it. Its driver
    # runs in this container; on Kubernetes the pod IP comes in as the bind address.
    cmd=("$SPARK_HOME/bin/spark-submit"
         --class org.apache.spark.sql.connect.service.SparkConnectServer
         --name "Spark Connect server")
    [ -n "${SPARK_DRIVER_BIND_ADDRESS:-}" ] \
      && cmd+=(--conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS")
    cmd+=("$@")
    ;;
  history-server)
    shift
    cmd=("$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.history.HistoryServer "$@")
    ;;
  "")
    fail "no command; give a role (driver, executor, connect-server, history-server) or a command to run"
    ;;
  *)
    cmd=("$@")
    ;;
esac

if [ "${FLOE_ENTRYPOINT_TRACE:-0}" = 1 ]; then
  { printf 'entrypoint: exec'; printf ' %q' "${cmd[@]}"; echo; } >&2
fi
# -s: be a subreaper too when the runtime does not start us as PID 1.
exec /usr/bin/tini -s -- "${cmd[@]}"
