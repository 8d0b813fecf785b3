#!/usr/bin/env bash
# Assembles a floe airgap bundle (layout: packaging/airgap/README.md) on a machine with
# internet access, to be copied to an air-gapped head and used with `floe init --bundle`.
#
#   packaging/airgap/assemble-bundle.sh OUT_DIR [--k3s-version VERSION] [--arch amd64|arm64]
#                                       [--from DIR] [--agent-packages DIR] [--spark-image FILE]
#                                       [--force]
#
#   --k3s-version  k3s release to take (default below; a vX.Y.Z+k3sN release name)
#   --arch         amd64 (default) or arm64: the architecture of the head, not of this machine
#   --from DIR     take the release files from DIR (a mirror, or tests) instead of
#                  downloading them; DIR holds them under their release asset names
#   --agent-packages DIR  the floe-agent .deb/.rpm files in DIR go into packages/;
#                  `floe init --bundle` offers them to workers under /downloads/
#   --spark-image FILE  the Spark + Iceberg OCI archive that spark-images/build.sh wrote
#                  (floe-spark-<tag>.oci.tar) goes into images/; its .sha256 next to it,
#                  when present, must match
#   --charts DIR   the Helm chart archives (*.tgz) in DIR go into charts/; `floe init --bundle`
#                  puts them where k3s serves them to its HelmChart objects (the stack's
#                  k8s-manifests/ name them, e.g. spark-operator-2.3.0.tgz: `helm pull
#                  spark-operator --repo https://kubeflow.github.io/spark-operator --version 2.3.0`)
#   --force        replace OUT_DIR even when it is not empty
#
# Every file is checked against the release's own sha256sum-<arch>.txt before it goes
# into the bundle; a mismatch stops the script. The bundle is built in a temporary
# directory next to OUT_DIR and renamed into place at the end, so OUT_DIR is either the
# complete bundle or untouched. SHA256SUMS is written last.
#
# Environment: FLOE_K3S_RELEASES_URL replaces https://github.com/k3s-io/k3s/releases/download
# (an HTTP mirror with the same <version>/<asset> paths).
#
# Exit codes: 0 the bundle is complete; 1 a download, checksum or file operation failed;
# 2 usage error.
set -euo pipefail

# The default k3s release. Its Kubernetes version must match the control plane the
# cluster test tier builds (tests/cluster/k8s-build/go.mod, "gen-mod v1.33.x"): that is
# the Kubernetes version floe's own client and manifests are tested against. Bump both
# together.
DEFAULT_K3S_VERSION="v1.33.13+k3s1"
# An HTTP(S) mirror laid out like GitHub's (<url>/<version>/<asset>) can stand in.
RELEASES_URL="${FLOE_K3S_RELEASES_URL:-https://github.com/k3s-io/k3s/releases/download}"
BUNDLE_FORMAT=1

PROG="assemble-bundle"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

die() { echo "$PROG: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; echo "usage: $0 OUT_DIR [--k3s-version VERSION] [--arch amd64|arm64] [--from DIR] [--agent-packages DIR] [--spark-image FILE] [--charts DIR] [--force]" >&2; exit 2; }
say() { echo "$PROG: $*" >&2; }

# ---- arguments -------------------------------------------------------------------

OUT_DIR=""
K3S_VERSION="$DEFAULT_K3S_VERSION"
ARCH="amd64"
FROM_DIR=""
FORCE=0
PACKAGES_DIR=""
SPARK_IMAGE=""
CHARTS_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k3s-version) [ $# -ge 2 ] || usage_error "--k3s-version needs a value"; K3S_VERSION=$2; shift 2 ;;
    --k3s-version=*) K3S_VERSION=${1#*=}; shift ;;
    --arch) [ $# -ge 2 ] || usage_error "--arch needs a value"; ARCH=$2; shift 2 ;;
    --arch=*) ARCH=${1#*=}; shift ;;
    --from) [ $# -ge 2 ] || usage_error "--from needs a directory"; FROM_DIR=$2; shift 2 ;;
    --from=*) FROM_DIR=${1#*=}; shift ;;
    --agent-packages) [ $# -ge 2 ] || usage_error "--agent-packages needs a directory"; PACKAGES_DIR=$2; shift 2 ;;
    --agent-packages=*) PACKAGES_DIR=${1#*=}; shift ;;
    --spark-image) [ $# -ge 2 ] || usage_error "--spark-image needs a file"; SPARK_IMAGE=$2; shift 2 ;;
    --spark-image=*) SPARK_IMAGE=${1#*=}; shift ;;
    --charts) [ $# -ge 2 ] || usage_error "--charts needs a directory"; CHARTS_DIR=$2; shift 2 ;;
    --charts=*) CHARTS_DIR=${1#*=}; shift ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) usage_error "unknown option '$1'" ;;
    *) [ -z "$OUT_DIR" ] || usage_error "only one OUT_DIR, got '$OUT_DIR' and '$1'"; OUT_DIR=$1; shift ;;
  esac
done
[ -n "$OUT_DIR" ] || usage_error "OUT_DIR is missing"
[[ "$K3S_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-rc[0-9]+)?\+k3s[0-9]+$ ]] \
  || usage_error "--k3s-version '$K3S_VERSION' is not a k3s release name like $DEFAULT_K3S_VERSION"
case "$ARCH" in
  amd64) K3S_ASSET="k3s" ;;
  arm64) K3S_ASSET="k3s-arm64" ;;
  *) usage_error "--arch '$ARCH': amd64 or arm64" ;;
esac
# k3s imports .tar, .tar.gz and .tar.zst from agent/images; zstd is the smallest.
IMAGES_ASSET="k3s-airgap-images-$ARCH.tar.zst"
SUMS_ASSET="sha256sum-$ARCH.txt"

if [ -n "$FROM_DIR" ]; then
  [ -d "$FROM_DIR" ] || usage_error "--from $FROM_DIR is not a directory"
  FROM_DIR="$(cd "$FROM_DIR" && pwd)"
fi
# The image archive is checked before anything is downloaded: a wrong path should not
# cost a 300 MB download first.
SPARK_IMAGE_TAG=""
if [ -n "$SPARK_IMAGE" ]; then
  [ -f "$SPARK_IMAGE" ] || usage_error "--spark-image $SPARK_IMAGE is not a file (build it with sudo spark-images/build.sh)"
  [[ "$(basename "$SPARK_IMAGE")" =~ ^floe-spark-(.+)\.oci\.tar$ ]] \
    || usage_error "--spark-image $SPARK_IMAGE: expected a file named floe-spark-<tag>.oci.tar, as spark-images/build.sh writes"
  SPARK_IMAGE_TAG=${BASH_REMATCH[1]}
  SPARK_IMAGE="$(cd "$(dirname "$SPARK_IMAGE")" && pwd)/$(basename "$SPARK_IMAGE")"
  tar -tf "$SPARK_IMAGE" index.json oci-layout >/dev/null 2>&1 \
    || die "--spark-image $SPARK_IMAGE is not an OCI archive (no index.json and oci-layout at its root)"
  if [ -f "$SPARK_IMAGE.sha256" ]; then
    want=$(cut -d' ' -f1 "$SPARK_IMAGE.sha256")
    have=$(sha256sum "$SPARK_IMAGE" | cut -d' ' -f1)
    [ "$want" = "$have" ] || die "checksum mismatch for $SPARK_IMAGE: $SPARK_IMAGE.sha256 says $want, the file has $have; rebuild it"
  fi
fi
for tool in sha256sum mktemp find sort; do
  command -v "$tool" >/dev/null || die "$tool is missing (coreutils/findutils)"
done
[ -n "$FROM_DIR" ] || command -v curl >/dev/null || die "curl is missing; install it (apt-get install curl) or use --from DIR"

# ---- the output directory: refuse to clobber ---------------------------------------

if [ -d "$OUT_DIR" ]; then OUT_DIR="$(cd "$OUT_DIR" && pwd)"; else OUT_DIR="${OUT_DIR%/}"; fi
[ -n "$OUT_DIR" ] && [ "$OUT_DIR" != / ] || usage_error "OUT_DIR must not be /"
OUT_PARENT="$(dirname "$OUT_DIR")"
mkdir -p "$OUT_PARENT" || die "cannot create $OUT_PARENT"
OUT_PARENT="$(cd "$OUT_PARENT" && pwd)"
OUT_DIR="${OUT_PARENT%/}/$(basename "$OUT_DIR")"
if [ -e "$OUT_DIR" ] && [ ! -d "$OUT_DIR" ]; then
  die "$OUT_DIR exists and is not a directory"
fi
if [ -d "$OUT_DIR" ] && [ -n "$(ls -A "$OUT_DIR")" ]; then
  [ "$FORCE" = 1 ] || die "$OUT_DIR is not empty; choose a new directory or pass --force to replace it"
  case "$OUT_DIR" in
    /|"${HOME:-/}"|"$ROOT") die "refusing to replace $OUT_DIR even with --force" ;;
  esac
fi
if [ -n "$FROM_DIR" ]; then
  case "$OUT_DIR/" in "$FROM_DIR/"*) die "OUT_DIR must not be inside --from $FROM_DIR" ;; esac
  case "$FROM_DIR/" in "$OUT_DIR/"*) die "--from $FROM_DIR must not be inside OUT_DIR" ;; esac
fi

# Built next to OUT_DIR (same filesystem, so the final step is a rename) and removed on
# any exit that did not complete.
STAGING="$(mktemp -d "$OUT_PARENT/.$(basename "$OUT_DIR").assembling.XXXXXX")"
RETIRED=""  # the OUT_DIR being replaced, moved into $STAGING until the new one is in place
cleanup() {
  local rc=$?
  if [ -n "$RETIRED" ] && [ -d "$RETIRED" ] && [ ! -e "$OUT_DIR" ]; then mv "$RETIRED" "$OUT_DIR"; fi
  rm -rf "$STAGING"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
DOWNLOAD="$STAGING/download"
BUNDLE="$STAGING/bundle"
mkdir -p "$DOWNLOAD" "$BUNDLE/k3s"

# ---- fetch and verify --------------------------------------------------------------

# The release tag in a URL path: "+" spelled %2B, as GitHub's own asset links do.
RELEASE_URL="$RELEASES_URL/${K3S_VERSION//+/%2B}"

source_of() {  # source_of ASSET: where it comes from, for messages and VERSIONS
  if [ -n "$FROM_DIR" ]; then echo "$FROM_DIR/$1"; else echo "$RELEASE_URL/$1"; fi
}

fetch() {  # fetch ASSET: into $DOWNLOAD/ASSET
  local asset=$1 src
  src=$(source_of "$asset")
  if [ -n "$FROM_DIR" ]; then
    [ -f "$src" ] || die "$src is missing (--from needs the release files $K3S_ASSET, $IMAGES_ASSET and $SUMS_ASSET)"
    cp --reflink=auto "$src" "$DOWNLOAD/$asset" || die "copying $src failed"
    return
  fi
  local progress=(--silent --show-error)
  [ -t 2 ] && progress=(--progress-bar)
  say "downloading $src"
  local rc=0
  curl --fail --location "${progress[@]}" --retry 5 --retry-delay 3 --retry-connrefused \
    --connect-timeout 30 --output "$DOWNLOAD/$asset" "$src" || rc=$?
  [ "$rc" = 0 ] || die "downloading $src failed (curl exit code $rc; see curl's message above). Check that release $K3S_VERSION exists (https://github.com/k3s-io/k3s/releases) and that this machine reaches $RELEASES_URL, or use --from DIR"
}

expected_sum() {  # expected_sum ASSET: its digest in the release's sha256sum file
  awk -v name="$1" '($2 == name || $2 == "*" name) && length($1) == 64 && $1 !~ /[^0-9a-fA-F]/ { print tolower($1); found = 1; exit }
                    END { exit found ? 0 : 1 }' "$DOWNLOAD/$SUMS_ASSET"
}

verify() {  # verify ASSET: refuses the whole bundle on a missing entry or a mismatch
  local asset=$1 expected actual
  expected=$(expected_sum "$asset") || die "$asset is not listed in $(source_of "$SUMS_ASSET"); refusing to use an unverified file"
  actual=$(sha256sum "$DOWNLOAD/$asset" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] || die "checksum mismatch for $(source_of "$asset"): the release's $SUMS_ASSET says $expected, the file has $actual; it is corrupt or was replaced. Nothing was written to $OUT_DIR"
  say "verified $asset (sha256 $actual)"
}

say "k3s $K3S_VERSION for $ARCH from ${FROM_DIR:-$RELEASE_URL}"
fetch "$SUMS_ASSET"
for asset in "$K3S_ASSET" "$IMAGES_ASSET"; do
  fetch "$asset"
  verify "$asset"
done

# ---- lay out -----------------------------------------------------------------------

chmod 0755 "$BUNDLE" "$BUNDLE/k3s"  # nothing in a bundle is secret; whatever the umask
mv "$DOWNLOAD/$K3S_ASSET" "$BUNDLE/k3s/k3s"
chmod 0755 "$BUNDLE/k3s/k3s"
mv "$DOWNLOAD/$IMAGES_ASSET" "$BUNDLE/k3s/$IMAGES_ASSET"
chmod 0644 "$BUNDLE/k3s/$IMAGES_ASSET"
if [ -n "${PACKAGES_DIR:-}" ]; then
  mkdir -p "$BUNDLE/packages" && chmod 0755 "$BUNDLE/packages"
  found=0
  for package in "$PACKAGES_DIR"/floe-agent*.deb "$PACKAGES_DIR"/floe-agent*.rpm; do
    [ -f "$package" ] || continue
    cp -- "$package" "$BUNDLE/packages/" && chmod 0644 "$BUNDLE/packages/$(basename "$package")" \
      || die "copying $package failed"
    found=$((found + 1))
  done
  [ "$found" -gt 0 ] || die "--agent-packages $PACKAGES_DIR holds no floe-agent*.deb or floe-agent*.rpm (build them with cpack, see packaging/README.md)"
  say "agent packages: $found from $PACKAGES_DIR"
fi
if [ -n "$SPARK_IMAGE" ]; then
  mkdir -p "$BUNDLE/images" && chmod 0755 "$BUNDLE/images"
  cp -- "$SPARK_IMAGE" "$BUNDLE/images/" && chmod 0644 "$BUNDLE/images/$(basename "$SPARK_IMAGE")" \
    || die "copying $SPARK_IMAGE failed"
  say "spark image: $(basename "$SPARK_IMAGE") ($SPARK_IMAGE_TAG)"
fi
if [ -n "$CHARTS_DIR" ]; then
  mkdir -p "$BUNDLE/charts" && chmod 0755 "$BUNDLE/charts"
  found=0
  for chart in "$CHARTS_DIR"/*.tgz; do
    [ -f "$chart" ] || continue
    tar -tzf "$chart" >/dev/null 2>&1 || die "--charts: $chart is not a gzip tar (a Helm chart archive)"
    cp -- "$chart" "$BUNDLE/charts/" && chmod 0644 "$BUNDLE/charts/$(basename "$chart")" || die "copying $chart failed"
    found=$((found + 1))
  done
  [ "$found" -gt 0 ] || die "--charts $CHARTS_DIR holds no *.tgz chart archive"
  say "charts: $found from $CHARTS_DIR"
fi

floe_revision() {
  local version
  version=$(sed -n 's/^project(floe VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt" 2>/dev/null)
  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || true)
  if [ -n "$commit" ] && [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ]; then commit="$commit+changes"; fi
  echo "floe ${version:-unknown}${commit:+ (git $commit)}"
}

{
  echo "# floe airgap bundle: what each component is, its version, and where it came from."
  echo "# Written by packaging/airgap/assemble-bundle.sh; every file is listed in SHA256SUMS."
  printf '%-12s %s\n' format "$BUNDLE_FORMAT"
  printf '%-12s %s\n' arch "$ARCH"
  printf '%-12s %s\n' assembled "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '%-12s %s\n' assembler "$(floe_revision)"
  echo "#"
  echo "# component         version          file                                  source (verified against)"
  printf '%-19s %-16s %-37s %s (%s)\n' k3s "$K3S_VERSION" k3s/k3s \
    "$(source_of "$K3S_ASSET")" "$(source_of "$SUMS_ASSET")"
  printf '%-19s %-16s %-37s %s (%s)\n' k3s-airgap-images "$K3S_VERSION" "k3s/$IMAGES_ASSET" \
    "$(source_of "$IMAGES_ASSET")" "$(source_of "$SUMS_ASSET")"
  if [ -n "$SPARK_IMAGE" ]; then
    printf '%-19s %-16s %-37s %s\n' spark-image "$SPARK_IMAGE_TAG" "images/$(basename "$SPARK_IMAGE")" "$SPARK_IMAGE"
  fi
  if [ -d "$BUNDLE/charts" ]; then
    for chart in "$BUNDLE"/charts/*; do
      printf '%-19s %-16s %-37s %s\n' helm-chart "-" "charts/$(basename "$chart")" "$CHARTS_DIR"
    done
  fi
  if [ -d "$BUNDLE/packages" ]; then
    for package in "$BUNDLE"/packages/*; do
      printf '%-19s %-16s %-37s %s\n' floe-agent "$(floe_revision | cut -d' ' -f2)" "packages/$(basename "$package")" \
        "$PACKAGES_DIR"
    done
  fi
} >"$BUNDLE/VERSIONS"
chmod 0644 "$BUNDLE/VERSIONS"

# SHA256SUMS last: every other file, relative paths, sorted bytewise, sha256sum format.
# (set -e does not apply inside a command followed by ||, hence the && chain.)
write_sums() {
  cd "$BUNDLE" \
    && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
    | while IFS= read -r file; do sha256sum -- "$file" || exit 1; done >"$STAGING/SHA256SUMS.tmp" \
    && mv "$STAGING/SHA256SUMS.tmp" SHA256SUMS \
    && chmod 0644 SHA256SUMS \
    && sha256sum --check --strict --quiet SHA256SUMS
}
(write_sums) || die "writing or checking SHA256SUMS failed"

# ---- place -------------------------------------------------------------------------

if [ -d "$OUT_DIR" ]; then  # empty, or --force
  RETIRED="$STAGING/replaced"
  mv "$OUT_DIR" "$RETIRED" || die "moving the old $OUT_DIR aside failed"
fi
mv "$BUNDLE" "$OUT_DIR" || die "moving the bundle to $OUT_DIR failed"

say "bundle ready: $OUT_DIR ($(du -sh "$OUT_DIR" | cut -f1))"
sed 's/^/  /' "$OUT_DIR/SHA256SUMS" >&2
echo "Next: copy $OUT_DIR to the head (e.g. rsync -a $OUT_DIR/ head:/srv/floe-bundle/), then run" >&2
echo "  sudo floe init --bundle /srv/floe-bundle --advertise HEAD_NAME_OR_IP" >&2
