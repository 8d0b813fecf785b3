#!/usr/bin/env bash
# Builds floe's Spark + Iceberg image without Docker or a container registry, as an OCI
# archive (an OCI image layout in a tar) that containerd/k3s import directly.
#
#   spark-images/build.sh [--out DIR] [--refresh-base] [--no-cache]
#
#   --out DIR        where the archive goes (default: build/spark-image in the checkout);
#                    writes floe-spark-<spark>-iceberg<iceberg>.oci.tar and .oci.tar.sha256
#   --refresh-base   rebuild the Debian layer even when a cached one exists (takes
#                    Debian's latest security updates)
#   --no-cache       rebuild the image from its cached layers instead of reusing an
#                    identical earlier archive
#
# What goes in (pinned with SHA-256 in spark-images/versions.env):
#   layer 1  Debian bookworm from Debian's mirror (mmdebstrap): openjdk-17-jre-headless,
#            tini, bash, procps, python3 (PySpark workers), ca-certificates; user spark (185)
#   layer 2  /opt/spark: Spark's jars, bin/, sbin/ and python/lib from the pyspark source
#            distribution on PyPI, plus iceberg-spark-runtime and iceberg-aws-bundle from
#            Maven Central, hadoop-aws (S3A) with the AWS SDK's transfer manager and the
#            analytics accelerator from Maven Central, and sbin/start-connect-server.sh
#   layer 3  /opt/entrypoint.sh and /opt/decom.sh from this directory
# Image config: user 185:185, entrypoint /opt/entrypoint.sh, SPARK_HOME=/opt/spark,
# JAVA_HOME, working dir /opt/spark/work-dir, version labels. The archive's index.json
# names the image (io.containerd.image.name) so `k3s ctr images import` and k3s's
# agent/images directory tag it as <IMAGE_NAME>:<tag>.
#
# Downloads, the Debian layer and finished archives are cached under
# $FLOE_CACHE_DIR/spark-image (default ~/.cache/floe/spark-image); a second run with the
# same inputs reuses the archive. Needs root (mmdebstrap installs packages into a
# chroot; files are owned by uid 185), and installs mmdebstrap and umoci with apt-get
# when they are missing. Environment: FLOE_DEBIAN_MIRROR, FLOE_DEBIAN_SECURITY_MIRROR,
# FLOE_MAVEN_URL (mirrors), SOURCE_DATE_EPOCH (timestamps; default from versions.env).
#
# Exit codes: 0 the archive is written; 1 a tool, download, checksum or build step
# failed; 2 usage error.
set -euo pipefail

PROG="spark-images/build"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
# Changing how the image is put together (this file) invalidates cached archives; the
# Debian layer's recipe has a version of its own so that it is kept when only the
# Spark part changes.
BASE_RECIPE_VERSION=1

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }
usage_error() { echo "$PROG: $*" >&2; echo "usage: $0 [--out DIR] [--refresh-base] [--no-cache]" >&2; exit 2; }

OUT_DIR="$ROOT/build/spark-image"
REFRESH_BASE=0
REUSE_ARCHIVE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage_error "--out needs a directory"; OUT_DIR=$2; shift 2 ;;
    --out=*) OUT_DIR=${1#*=}; shift ;;
    --refresh-base) REFRESH_BASE=1; shift ;;
    --no-cache) REUSE_ARCHIVE=0; shift ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

# shellcheck source=versions.env
. "$SCRIPT_DIR/versions.env" || die "reading $SCRIPT_DIR/versions.env failed"
for var in SPARK_VERSION PYSPARK_SDIST_SHA256 ICEBERG_VERSION ICEBERG_SPARK_RUNTIME_ARTIFACT \
           ICEBERG_SPARK_RUNTIME_SHA256 ICEBERG_AWS_BUNDLE_SHA256 DEBIAN_SUITE JAVA_PACKAGE \
           IMAGE_NAME SPARK_UID IMAGE_SOURCE_DATE_EPOCH HADOOP_AWS_VERSION HADOOP_AWS_SHA256 \
           AWS_SDK_VERSION S3_TRANSFER_MANAGER_SHA256 ANALYTICS_ACCELERATOR_S3_VERSION \
           ANALYTICS_ACCELERATOR_S3_SHA256; do
  [ -n "${!var:-}" ] || die "$var is not set in $SCRIPT_DIR/versions.env"
done
# The lakehouse tier's pin is canonical for the versions; an image built from others
# would run what the tests never saw.
LAKEHOUSE_VERSIONS="$ROOT/appliance/lakehouse/versions.env"
if [ -f "$LAKEHOUSE_VERSIONS" ]; then
  for var in SPARK_VERSION ICEBERG_VERSION; do
    canonical=$(sed -n "s/^$var=//p" "$LAKEHOUSE_VERSIONS" | tail -1)
    [ -z "$canonical" ] || [ "$canonical" = "${!var}" ] \
      || die "$var is $canonical in $LAKEHOUSE_VERSIONS but ${!var} in $SCRIPT_DIR/versions.env; bump versions.env (with the new digests) to match"
  done
fi
TAG="${SPARK_VERSION}-iceberg${ICEBERG_VERSION}"
ARCHIVE_NAME="floe-spark-${TAG}.oci.tar"
EPOCH="${SOURCE_DATE_EPOCH:-$IMAGE_SOURCE_DATE_EPOCH}"
[[ "$EPOCH" =~ ^[0-9]+$ ]] || usage_error "SOURCE_DATE_EPOCH '$EPOCH' is not a number of seconds"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
DEBIAN_MIRROR="${FLOE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${FLOE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
MAVEN_URL="${FLOE_MAVEN_URL:-https://repo1.maven.org/maven2}"
CACHE="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/spark-image"

# ---- tools -------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root: mmdebstrap installs Debian packages into a chroot and the image's files belong to uid $SPARK_UID (run with sudo)"

ensure_tools() {
  local missing=() tool
  for tool in mmdebstrap umoci; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  command -v curl >/dev/null || missing+=(curl)
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]}, and there is no apt-get to install them with; install them by hand"
  say "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
    || die "apt-get install ${missing[*]} failed; check the apt sources and the network"
}
ensure_tools
for tool in tar sha256sum sha1sum python3 find sort; do
  command -v "$tool" >/dev/null || die "$tool is missing (coreutils, tar, python3)"
done

mkdir -p "$CACHE/downloads" "$CACHE/base" "$CACHE/archives" || die "cannot create $CACHE"
WORK="$(mktemp -d "$CACHE/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- downloads (verified against versions.env before use) -------------------------

# cached_ok FILE SHA256: the file is there and is what versions.env pins.
cached_ok() { [ -f "$1" ] && [ "$(sha256_of "$1")" = "$2" ]; }

fetch_pyspark() {
  local file="$CACHE/downloads/pyspark-$SPARK_VERSION.tar.gz"
  if cached_ok "$file" "$PYSPARK_SDIST_SHA256"; then echo "$file"; return; fi
  local venv="$CACHE/pip-venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2 || die "creating a Python venv for pip in $venv failed"
  # pip checks the digest itself (--require-hashes) against the one pinned here.
  echo "pyspark==$SPARK_VERSION --hash=sha256:$PYSPARK_SDIST_SHA256" >"$WORK/pyspark.req"
  say "downloading pyspark $SPARK_VERSION (Spark's jars, ~450 MB) from PyPI"
  rm -rf "$WORK/pip" && mkdir -p "$WORK/pip"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --require-hashes -r "$WORK/pyspark.req" -d "$WORK/pip" >&2 \
    || die "downloading pyspark==$SPARK_VERSION from PyPI failed (see pip's message above); check the network or the pin in versions.env"
  [ -f "$WORK/pip/pyspark-$SPARK_VERSION.tar.gz" ] || die "pip did not produce pyspark-$SPARK_VERSION.tar.gz"
  cached_ok "$WORK/pip/pyspark-$SPARK_VERSION.tar.gz" "$PYSPARK_SDIST_SHA256" \
    || die "checksum mismatch for pyspark-$SPARK_VERSION.tar.gz: expected $PYSPARK_SDIST_SHA256, found $(sha256_of "$WORK/pip/pyspark-$SPARK_VERSION.tar.gz")"
  mv "$WORK/pip/pyspark-$SPARK_VERSION.tar.gz" "$file"
  echo "$file"
}

# fetch_maven_jar GROUP_PATH ARTIFACT VERSION SHA256: Maven Central's .sha1 must agree,
# and so must the SHA-256 pinned in versions.env (the .sha1 only guards the transfer).
fetch_maven_jar() {
  local group=$1 artifact=$2 version=$3 want=$4
  local name="$artifact-$version.jar"
  local file="$CACHE/downloads/$name"
  if cached_ok "$file" "$want"; then echo "$file"; return; fi
  local url="$MAVEN_URL/$group/$artifact/$version/$name"
  say "downloading $url"
  curl --fail --location --silent --show-error --retry 5 --retry-delay 3 --retry-connrefused \
    --connect-timeout 30 --output "$WORK/$name" "$url" \
    || die "downloading $url failed; check the network (or FLOE_MAVEN_URL) and that $artifact $version exists"
  curl --fail --location --silent --show-error --retry 5 --retry-delay 3 \
    --output "$WORK/$name.sha1" "$url.sha1" || die "downloading $url.sha1 failed"
  local maven_sha1 actual_sha1 actual
  maven_sha1=$(tr -d ' \r\n' <"$WORK/$name.sha1" | cut -c1-40)
  actual_sha1=$(sha1sum "$WORK/$name" | cut -d' ' -f1)
  [ "$maven_sha1" = "$actual_sha1" ] || die "checksum mismatch for $url: Maven's .sha1 says $maven_sha1, the file has $actual_sha1 (a broken transfer?)"
  actual=$(sha256_of "$WORK/$name")
  [ "$actual" = "$want" ] || die "checksum mismatch for $url: versions.env pins sha256 $want, the file has $actual; it was replaced, or versions.env needs updating with the version"
  mv "$WORK/$name" "$file"
  echo "$file"
}

PYSPARK_SDIST=$(fetch_pyspark)
ICEBERG_RUNTIME_JAR=$(fetch_maven_jar org/apache/iceberg "$ICEBERG_SPARK_RUNTIME_ARTIFACT" "$ICEBERG_VERSION" "$ICEBERG_SPARK_RUNTIME_SHA256")
ICEBERG_AWS_JAR=$(fetch_maven_jar org/apache/iceberg iceberg-aws-bundle "$ICEBERG_VERSION" "$ICEBERG_AWS_BUNDLE_SHA256")
HADOOP_AWS_JAR=$(fetch_maven_jar org/apache/hadoop hadoop-aws "$HADOOP_AWS_VERSION" "$HADOOP_AWS_SHA256")
S3_TRANSFER_MANAGER_JAR=$(fetch_maven_jar software/amazon/awssdk s3-transfer-manager "$AWS_SDK_VERSION" "$S3_TRANSFER_MANAGER_SHA256")
ANALYTICS_ACCELERATOR_JAR=$(fetch_maven_jar software/amazon/s3/analyticsaccelerator analyticsaccelerator-s3 \
  "$ANALYTICS_ACCELERATOR_S3_VERSION" "$ANALYTICS_ACCELERATOR_S3_SHA256")
EXTRA_JARS=("$ICEBERG_RUNTIME_JAR" "$ICEBERG_AWS_JAR" "$HADOOP_AWS_JAR" "$S3_TRANSFER_MANAGER_JAR" "$ANALYTICS_ACCELERATOR_JAR")
say "verified pyspark $SPARK_VERSION, $ICEBERG_SPARK_RUNTIME_ARTIFACT and iceberg-aws-bundle $ICEBERG_VERSION, hadoop-aws $HADOOP_AWS_VERSION and its S3 extras"
# The transfer manager must be the SDK the Iceberg bundle carries: S3A uses both.
bundled_sdk=$(python3 -c 'import sys, zipfile
props = zipfile.ZipFile(sys.argv[1]).read("META-INF/maven/software.amazon.awssdk/s3/pom.properties").decode()
print(dict(l.split("=", 1) for l in props.splitlines() if "=" in l)["version"])' "$ICEBERG_AWS_JAR") \
  || die "cannot read the AWS SDK version inside $ICEBERG_AWS_JAR"
[ "$bundled_sdk" = "$AWS_SDK_VERSION" ] \
  || die "iceberg-aws-bundle $ICEBERG_VERSION carries AWS SDK $bundled_sdk but versions.env says AWS_SDK_VERSION=$AWS_SDK_VERSION; set it (and S3_TRANSFER_MANAGER_SHA256) to match"

# ---- layer 1: Debian ---------------------------------------------------------------

JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
BASE_PACKAGES="$JAVA_PACKAGE,tini,bash,procps,python3-minimal,libpython3.11-stdlib,ca-certificates"
# Documentation, man pages and translations are not installed (copyright files are).
# openjdk's postinst registers its man page with update-alternatives, which fails when
# the man1 directory is missing, hence the setup hook.
MMDEBSTRAP_ARGS=(
  --variant=apt --mode=root --format=tar
  --include="$BASE_PACKAGES"
  --setup-hook='mkdir -p "$1/usr/share/man/man1"'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --customize-hook="echo 'spark:x:$SPARK_UID:$SPARK_UID:Spark:/opt/spark/work-dir:/usr/sbin/nologin' >>\"\$1/etc/passwd\""
  --customize-hook="echo 'spark:x:$SPARK_UID:' >>\"\$1/etc/group\""
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/ldconfig/aux-cache "$1"/var/log/*'
  "$DEBIAN_SUITE"
)
SOURCES=(
  "deb $DEBIAN_MIRROR $DEBIAN_SUITE main"
  "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main"
  "deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main"
)
BASE_KEY=$(printf '%s\n' "$BASE_RECIPE_VERSION" "$EPOCH" "${MMDEBSTRAP_ARGS[@]}" "${SOURCES[@]}" | sha256sum | cut -c1-16)
BASE_TAR="$CACHE/base/$DEBIAN_SUITE-$BASE_KEY.tar"

build_base() {
  say "building the Debian $DEBIAN_SUITE layer with mmdebstrap ($BASE_PACKAGES); ~2-3 minutes"
  local log="$WORK/mmdebstrap.log"
  SOURCE_DATE_EPOCH="$EPOCH" mmdebstrap "${MMDEBSTRAP_ARGS[@]}" "$WORK/base.tar" "${SOURCES[@]}" >"$log" 2>&1 \
    || { tail -30 "$log" >&2; die "mmdebstrap failed (the last lines of its log are above); check $DEBIAN_MIRROR"; }
  # The installed packages and versions, next to the layer: what a security review of
  # the image needs, and where the Java version in the labels comes from.
  tar -xOf "$WORK/base.tar" ./var/lib/dpkg/status \
    | awk '/^Package: /{p=$2} /^Version: /{print p, $2}' | LC_ALL=C sort >"$WORK/base.packages" \
    && [ -s "$WORK/base.packages" ] || die "the Debian layer has no dpkg status file; mmdebstrap's output is not a Debian root"
  tar -tf "$WORK/base.tar" ".$JAVA_HOME_IN_IMAGE/bin/java" >/dev/null 2>&1 \
    || die "the Debian layer has no $JAVA_HOME_IN_IMAGE/bin/java; JAVA_HOME in the image would be wrong"
  mv "$WORK/base.packages" "$BASE_TAR.packages"
  mv "$WORK/base.tar" "$BASE_TAR"
}
if [ "$REFRESH_BASE" = 1 ] || [ ! -s "$BASE_TAR" ] || [ ! -s "$BASE_TAR.packages" ]; then
  build_base
else
  say "reusing the Debian layer $BASE_TAR (--refresh-base rebuilds it)"
fi
JAVA_VERSION_IN_BASE=$(awk -v p="$JAVA_PACKAGE" '$1 == p { print $2 }' "$BASE_TAR.packages")
[ -n "$JAVA_VERSION_IN_BASE" ] || die "$JAVA_PACKAGE is not in the Debian layer's package list ($BASE_TAR.packages)"

# ---- reuse an identical earlier archive --------------------------------------------

ARCHIVE_KEY=$(
  { sha256_of "$BASE_TAR"; echo "$PYSPARK_SDIST_SHA256 $ICEBERG_SPARK_RUNTIME_SHA256 $ICEBERG_AWS_BUNDLE_SHA256 $EPOCH";
    sha256sum "$SCRIPT_DIR/build.sh" "$SCRIPT_DIR/entrypoint.sh" "$SCRIPT_DIR/decom.sh" \
      "$SCRIPT_DIR/start-connect-server.sh" "$SCRIPT_DIR/versions.env" | cut -d' ' -f1; } \
  | sha256sum | cut -c1-16)
CACHED_ARCHIVE="$CACHE/archives/$ARCHIVE_KEY-$ARCHIVE_NAME"

publish() {  # publish ARCHIVE: into OUT_DIR with its .sha256, each renamed into place
  local archive=$1
  mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
  cp --reflink=auto "$archive" "$OUT_DIR/.$ARCHIVE_NAME.tmp" || die "copying the archive to $OUT_DIR failed"
  (cd "$OUT_DIR" && sha256sum ".$ARCHIVE_NAME.tmp" | sed "s/\.$ARCHIVE_NAME\.tmp\$/$ARCHIVE_NAME/" >".$ARCHIVE_NAME.sha256.tmp") \
    || die "hashing the archive failed"
  mv "$OUT_DIR/.$ARCHIVE_NAME.tmp" "$OUT_DIR/$ARCHIVE_NAME"
  mv "$OUT_DIR/.$ARCHIVE_NAME.sha256.tmp" "$OUT_DIR/$ARCHIVE_NAME.sha256"
  say "image $IMAGE_NAME:$TAG"
  say "wrote $OUT_DIR/$ARCHIVE_NAME ($(du -h "$OUT_DIR/$ARCHIVE_NAME" | cut -f1), sha256 $(cut -d' ' -f1 "$OUT_DIR/$ARCHIVE_NAME.sha256"))"
}

if [ "$REUSE_ARCHIVE" = 1 ] && [ -s "$CACHED_ARCHIVE" ]; then
  say "inputs unchanged since the archive in $CACHED_ARCHIVE (--no-cache rebuilds it)"
  publish "$CACHED_ARCHIVE"
  exit 0
fi

# ---- layer 2: /opt/spark -----------------------------------------------------------

# layer_tar DIR OUT: a reproducible layer archive of DIR's contents (sorted, fixed
# times, numeric owners as they are on disk).
layer_tar() {
  tar --create --file "$2" --directory "$1" --sort=name --mtime="@$EPOCH" --clamp-mtime \
    --numeric-owner --format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
    . || die "packing the layer $1 failed"
}

say "assembling /opt/spark from pyspark-$SPARK_VERSION.tar.gz and the Iceberg jars"
SDIST_TOP="pyspark-$SPARK_VERSION"
SPARK_LAYER="$WORK/spark"
SPARK_HOME_DIR="$SPARK_LAYER/opt/spark"
mkdir -p "$WORK/sdist" "$SPARK_HOME_DIR/python" "$SPARK_HOME_DIR/conf" "$SPARK_HOME_DIR/work-dir"
tar -xzf "$PYSPARK_SDIST" -C "$WORK/sdist" "$SDIST_TOP/deps/jars" "$SDIST_TOP/deps/bin" "$SDIST_TOP/deps/sbin" \
  "$SDIST_TOP/deps/licenses" "$SDIST_TOP/lib" \
  || die "pyspark-$SPARK_VERSION.tar.gz lacks deps/jars, deps/bin, deps/sbin or lib: the source distribution's layout changed"
for dir in jars bin sbin licenses; do mv "$WORK/sdist/$SDIST_TOP/deps/$dir" "$SPARK_HOME_DIR/$dir"; done
mv "$WORK/sdist/$SDIST_TOP/lib" "$SPARK_HOME_DIR/python/lib"
# Windows launchers, SparkR and the Docker helper have no use in this image.
find "$SPARK_HOME_DIR/bin" -name '*.cmd' -delete
rm -f "$SPARK_HOME_DIR/bin/sparkR" "$SPARK_HOME_DIR/bin/docker-image-tool.sh"
for jar in spark-core spark-kubernetes spark-connect spark-hive-thriftserver; do
  [ -f "$SPARK_HOME_DIR/jars/${jar}_2.13-$SPARK_VERSION.jar" ] \
    || die "pyspark-$SPARK_VERSION.tar.gz has no ${jar}_2.13-$SPARK_VERSION.jar; this image needs it"
done
[ -f "$SPARK_HOME_DIR/jars/hadoop-client-api-$HADOOP_AWS_VERSION.jar" ] \
  || die "hadoop-aws $HADOOP_AWS_VERSION does not match Spark's Hadoop ($(cd "$SPARK_HOME_DIR/jars" && ls hadoop-client-api-*.jar)); set HADOOP_AWS_VERSION and its digest in versions.env"
install -m 0644 "${EXTRA_JARS[@]}" "$SPARK_HOME_DIR/jars/"
[ ! -e "$SPARK_HOME_DIR/sbin/start-connect-server.sh" ] \
  || die "pyspark-$SPARK_VERSION.tar.gz now carries sbin/start-connect-server.sh; drop spark-images/start-connect-server.sh"
install -m 0755 "$SCRIPT_DIR/start-connect-server.sh" "$SPARK_HOME_DIR/sbin/start-connect-server.sh"
cat >"$SPARK_HOME_DIR/RELEASE" <<EOF
Spark $SPARK_VERSION (Scala 2.13), from pyspark-$SPARK_VERSION.tar.gz on PyPI (sha256 $PYSPARK_SDIST_SHA256)
Iceberg $ICEBERG_VERSION: $ICEBERG_SPARK_RUNTIME_ARTIFACT-$ICEBERG_VERSION.jar (sha256 $ICEBERG_SPARK_RUNTIME_SHA256), iceberg-aws-bundle-$ICEBERG_VERSION.jar (sha256 $ICEBERG_AWS_BUNDLE_SHA256), from Maven Central
S3A: hadoop-aws-$HADOOP_AWS_VERSION.jar (sha256 $HADOOP_AWS_SHA256), s3-transfer-manager-$AWS_SDK_VERSION.jar (sha256 $S3_TRANSFER_MANAGER_SHA256), analyticsaccelerator-s3-$ANALYTICS_ACCELERATOR_S3_VERSION.jar (sha256 $ANALYTICS_ACCELERATOR_S3_SHA256), from Maven Central
Java: Debian $JAVA_PACKAGE $JAVA_VERSION_IN_BASE
Image: $IMAGE_NAME:$TAG, built by floe's spark-images/build.sh
EOF
chown -R 0:0 "$SPARK_LAYER"
find "$SPARK_LAYER" -type d -exec chmod 0755 {} +
find "$SPARK_LAYER" -type f -exec chmod go-w {} +
# The one place Spark may write besides its volumes: the working directory.
chown "$SPARK_UID:$SPARK_UID" "$SPARK_HOME_DIR/work-dir"
chmod 0775 "$SPARK_HOME_DIR/work-dir"
layer_tar "$SPARK_LAYER" "$WORK/spark.tar"

# ---- layer 3: entrypoint -----------------------------------------------------------

mkdir -p "$WORK/entry/opt"
install -m 0755 -o 0 -g 0 "$SCRIPT_DIR/entrypoint.sh" "$WORK/entry/opt/entrypoint.sh"
install -m 0755 -o 0 -g 0 "$SCRIPT_DIR/decom.sh" "$WORK/entry/opt/decom.sh"
chown 0:0 "$WORK/entry" "$WORK/entry/opt" && chmod 0755 "$WORK/entry/opt"
layer_tar "$WORK/entry" "$WORK/entry.tar"

# ---- the OCI image -----------------------------------------------------------------

say "writing the OCI image (compressing ~1 GB of layers)"
OCI="$WORK/oci"
IMAGE="$OCI:$TAG"
umoci init --layout "$OCI" || die "umoci init failed"
umoci new --image "$IMAGE" || die "umoci new failed"
add_layer() {  # add_layer TAR HISTORY: appends TAR (gzip-compressed by umoci)
  umoci raw add-layer --image "$IMAGE" --history.created="$CREATED" --history.author=floe \
    --history.created_by="$2" "$1" || die "adding the layer $1 ($2) failed"
}
add_layer "$BASE_TAR" "mmdebstrap $DEBIAN_SUITE: $BASE_PACKAGES"
add_layer "$WORK/spark.tar" "Spark $SPARK_VERSION from pyspark; Iceberg $ICEBERG_VERSION, hadoop-aws $HADOOP_AWS_VERSION from Maven Central"
add_layer "$WORK/entry.tar" "floe spark-images/entrypoint.sh and decom.sh"

umoci config --image "$IMAGE" --no-history --created="$CREATED" --author=floe \
  --architecture=amd64 --os=linux \
  --config.user="$SPARK_UID:$SPARK_UID" \
  --config.entrypoint=/opt/entrypoint.sh \
  --clear=config.cmd \
  --config.workingdir=/opt/spark/work-dir \
  --config.env="PATH=/opt/spark/bin:/opt/spark/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --config.env="JAVA_HOME=$JAVA_HOME_IN_IMAGE" \
  --config.env="SPARK_HOME=/opt/spark" \
  --config.env="PYSPARK_PYTHON=python3" \
  --config.env="LANG=C.UTF-8" \
  --config.label="org.opencontainers.image.title=floe Spark + Iceberg" \
  --config.label="org.opencontainers.image.version=$TAG" \
  --config.label="org.opencontainers.image.created=$CREATED" \
  --config.label="org.opencontainers.image.base.name=debian:$DEBIAN_SUITE" \
  --config.label="io.floe.spark.version=$SPARK_VERSION" \
  --config.label="io.floe.iceberg.version=$ICEBERG_VERSION" \
  --config.label="io.floe.java.version=$JAVA_VERSION_IN_BASE" \
  --manifest.annotation="org.opencontainers.image.version=$TAG" \
  || die "umoci config failed"
umoci gc --layout "$OCI" || die "umoci gc failed"

# containerd names an imported image after io.containerd.image.name (a full reference);
# org.opencontainers.image.ref.name alone is only a tag, which `ctr import` and k3s
# would leave unnamed.
python3 - "$OCI/index.json" "$TAG" "$IMAGE_NAME:$TAG" <<'PY' || die "naming the image in index.json failed"
import json, sys
path, tag, full = sys.argv[1:]
index = json.load(open(path))
named = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
if len(named) != 1:
    sys.exit(f"expected one manifest tagged {tag} in {path}, found {len(named)}")
named[0]["annotations"]["io.containerd.image.name"] = full
with open(path, "w") as out:
    json.dump(index, out, separators=(",", ":"), sort_keys=True)
PY

# The archive: the layout at the tar's root (oci-layout, index.json, blobs/), as
# `ctr images import`, skopeo's oci-archive: and podman load expect.
(cd "$OCI" && tar --create --file "$WORK/$ARCHIVE_NAME" --sort=name --mtime="@$EPOCH" \
  --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' oci-layout index.json blobs) \
  || die "writing the archive failed"
# The cache keeps what this build used, and nothing older: each pyspark is 450 MB, each
# Debian layer 380 MB, each archive 670 MB.
prune_cache() {
  local file
  for file in "$CACHE"/downloads/* "$CACHE"/base/* "$CACHE"/archives/*; do
    case "$file" in
      "$PYSPARK_SDIST"|"$BASE_TAR"|"$BASE_TAR.packages"|"$CACHED_ARCHIVE") ;;
      "$ICEBERG_RUNTIME_JAR"|"$ICEBERG_AWS_JAR"|"$HADOOP_AWS_JAR"|"$S3_TRANSFER_MANAGER_JAR"|"$ANALYTICS_ACCELERATOR_JAR") ;;
      *) if [ -f "$file" ]; then rm -f -- "$file"; fi ;;
    esac
  done
}
mv "$WORK/$ARCHIVE_NAME" "$CACHED_ARCHIVE"
prune_cache
publish "$CACHED_ARCHIVE"
