#!/usr/bin/env bash
# Packaging tier: builds the .deb/.rpm packages with CPack, lints them, installs the
# floe .deb on this machine, starts `floe serve` the way floe.service does and waits
# for its READY=1, upgrades to a higher version (state and token must survive),
# removes (state kept) and purges (state gone), then installs the .rpm into an empty
# root and inspects its files and scripts. With the package installed it also builds an
# airgap bundle (packaging/airgap/assemble-bundle.sh, from a fake k3s release) and
# installs k3s from it with `floe init --bundle` into temporary directories.
#
#   tests/packaging/test_packages.sh
#   tests/packaging/test_packages.sh --bundle-only   only the airgap bundle checks, with
#       $FLOE_BIN (default: the build directory's floe); no packages, no root needed
#
# Needs root (it installs packages; --bundle-only does not). Refuses to run when floe is
# already installed or /var/lib/floe, /etc/floe or /usr/bin/floe exist: it never
# touches state it did not create. Cleans up (purge, temp roots) on any exit. Ends with
# "N passed, N failed"; writes JUnit XML to $FLOE_TEST_RESULTS when set.
# $FLOE_PKG_BUILD_DIR overrides the build directory (default build/pkg).
set -uo pipefail

BUNDLE_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --bundle-only) BUNDLE_ONLY=1 ;;
    -h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "test_packages: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${FLOE_PKG_BUILD_DIR:-$ROOT/build/pkg}"
PACKAGES="$BUILD/packages"
UNIT_DIR=/usr/lib/systemd/system
STATE=/var/lib/floe
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=600)
export DEBIAN_FRONTEND=noninteractive

WORK="$(mktemp -d /tmp/floe-pkg-test.XXXXXX)"
LOG="$WORK/log"
started=$(date +%s)
passed=0
failed=0
junit_cases=""

# ---- bookkeeping -----------------------------------------------------------------

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

record() {  # record NAME OK|FAIL SECONDS [DETAILS]
  local name=$1 result=$2 seconds=$3 details=${4:-}
  local ename
  ename=$(printf '%s' "$name" | xml_escape)
  if [ "$result" = OK ]; then
    passed=$((passed + 1))
    printf '  ok    %s\n' "$name"
    junit_cases+="<testcase classname=\"packaging\" name=\"$ename\" time=\"$seconds\"/>"
  else
    failed=$((failed + 1))
    printf '  FAIL  %s\n' "$name"
    [ -n "$details" ] && printf '%s\n' "$details" | tail -25 | sed 's/^/        /'
    junit_cases+="<testcase classname=\"packaging\" name=\"$ename\" time=\"$seconds\"><failure message=\"failed\">$(printf '%s' "$details" | tail -60 | xml_escape)</failure></testcase>"
  fi
}

# check NAME COMMAND...: runs the command (output to the log), passes on exit 0.
check() {
  local name=$1; shift
  local t0=$SECONDS
  if "$@" >"$LOG" 2>&1; then
    record "$name" OK $((SECONDS - t0))
  else
    record "$name" FAIL $((SECONDS - t0)) "$(cat "$LOG")"
  fi
}

write_junit() {
  [ -n "${FLOE_TEST_RESULTS:-}" ] || return 0
  mkdir -p "$(dirname "$FLOE_TEST_RESULTS")"
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="packaging" tests="%d" failures="%d" time="%d">%s</testsuite></testsuites>\n' \
    $((passed + failed)) "$failed" $(($(date +%s) - started)) "$junit_cases" >"$FLOE_TEST_RESULTS"
}

# ---- cleanup: only what this run created ------------------------------------------

INSTALLED_FLOE=0
INSTALLED_AGENT=0
RECONFIGURED=0
SERVE_PID=""
LISTENER_PID=""

cleanup() {
  local rc=$?
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  [ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null && wait "$LISTENER_PID" 2>/dev/null
  if [ "$INSTALLED_FLOE" = 1 ] && dpkg-query -W -f='${db:Status-Status}' floe 2>/dev/null | grep -qv '^not-installed$'; then
    echo "cleanup: purging floe"
    "${APT[@]}" purge floe >/dev/null 2>&1 || dpkg --purge floe >/dev/null 2>&1
  fi
  # State this run created (init, serve) and a purge did not remove.
  [ "$INSTALLED_FLOE" = 1 ] && rm -rf "$STATE" /etc/floe
  if [ "$INSTALLED_AGENT" = 1 ] && dpkg-query -W -f='${db:Status-Status}' floe-agent 2>/dev/null | grep -qv '^not-installed$'; then
    echo "cleanup: purging floe-agent"
    "${APT[@]}" purge floe-agent >/dev/null 2>&1 || dpkg --purge floe-agent >/dev/null 2>&1
  fi
  [ "$INSTALLED_AGENT" = 1 ] && rm -rf /var/lib/floe-agent /etc/floe-agent
  if [ "$RECONFIGURED" = 1 ]; then  # back to the default package version
    cmake -DFLOE_PACKAGE_VERSION= -DFLOE_PACKAGE_RELEASE=1 "$BUILD" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- airgap bundle ---------------------------------------------------------------
# packaging/airgap/assemble-bundle.sh on a fake k3s release (the k3s stand-in as the
# binary, a small file as the images tarball, a sha256sum file listing both), then
# `floe init --bundle` into temporary directories: a supervised k3s, so nothing is
# started. Seconds.

ASSEMBLE="$ROOT/packaging/airgap/assemble-bundle.sh"

airgap_release() {  # airgap_release DIR: what the k3s GitHub release offers, in small
  mkdir -p "$1" && cp "$ROOT/tests/cluster/k3s" "$1/k3s" && chmod 0755 "$1/k3s" \
    && printf 'airgap images stand-in\n' >"$1/k3s-airgap-images-amd64.tar.zst" \
    && (cd "$1" && sha256sum k3s k3s-airgap-images-amd64.tar.zst >sha256sum-amd64.txt \
        && echo "$(printf '%064d' 0)  k3s-airgap-images-amd64.tar" >>sha256sum-amd64.txt)
}

airgap_layout() {  # the bundle holds exactly these files, with these modes
  local out=$1
  find "$out" -printf '%P %y %m\n' | LC_ALL=C sort >"$WORK/airgap-layout.txt"
  cat "$WORK/airgap-layout.txt"
  diff -u - "$WORK/airgap-layout.txt" <<EOF || return 1
 d 755
SHA256SUMS f 644
VERSIONS f 644
k3s d 755
k3s/k3s f 755
k3s/k3s-airgap-images-amd64.tar.zst f 644
EOF
  cmp "$out/k3s/k3s" "$WORK/airgap-release/k3s" \
    && cmp "$out/k3s/k3s-airgap-images-amd64.tar.zst" "$WORK/airgap-release/k3s-airgap-images-amd64.tar.zst"
}

airgap_sums() {  # SHA256SUMS: every other file, relative, sorted; sha256sum -c passes
  local out=$1
  cat "$out/SHA256SUMS"
  awk '{print $2}' "$out/SHA256SUMS" >"$WORK/airgap-listed.txt"
  (cd "$out" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort) \
    | diff -u - "$WORK/airgap-listed.txt" \
    && ! grep -Ev '^[0-9a-f]{64}  [^/.][^ ]*$' "$out/SHA256SUMS" \
    && (cd "$out" && sha256sum --check --strict SHA256SUMS)
}

airgap_versions() {
  cat "$1/VERSIONS"
  grep -Eq '^arch +amd64$' "$1/VERSIONS" \
    && grep -Eq "^k3s +v1\.33\.13\+k3s1 +k3s/k3s +$WORK/airgap-release/k3s " "$1/VERSIONS" \
    && grep -Eq "^k3s-airgap-images +v1\.33\.13\+k3s1 +k3s/k3s-airgap-images-amd64\.tar\.zst " "$1/VERSIONS"
}

airgap_refuses_nonempty() {
  local before
  before=$(sha256sum "$1/SHA256SUMS")
  if "$ASSEMBLE" "$1" --from "$WORK/airgap-release"; then echo ">> replaced a non-empty OUT_DIR"; return 1; fi
  [ "$(sha256sum "$1/SHA256SUMS")" = "$before" ] || { echo ">> $1 changed"; return 1; }
  "$ASSEMBLE" "$1" --from "$WORK/airgap-release" --force && (cd "$1" && sha256sum --check --quiet SHA256SUMS)
}

airgap_refuses_tampered() {
  local release="$WORK/airgap-tampered" out="$WORK/airgap-bundle-tampered"
  cp -a "$WORK/airgap-release" "$release" && printf 'x' >>"$release/k3s-airgap-images-amd64.tar.zst" || return 1
  if "$ASSEMBLE" "$out" --from "$release" 2>"$WORK/airgap-assemble.err"; then
    cat "$WORK/airgap-assemble.err"; echo ">> a tampered release was accepted"; return 1
  fi
  cat "$WORK/airgap-assemble.err"
  grep -q 'checksum mismatch' "$WORK/airgap-assemble.err" || { echo ">> no 'checksum mismatch'"; return 1; }
  [ ! -e "$out" ] || { echo ">> $out was written"; return 1; }
  ! ls -a "$WORK" | grep -q '\.assembling\.' || { echo ">> staging directory left behind"; ls -a "$WORK"; return 1; }
}

airgap_init() {  # airgap_init FLOE BUNDLE TARGET: floe init --bundle into TARGET/{floe,bin,etc,data}
  "$1" init --data-dir "$3/floe" --advertise 127.0.0.1 --bundle "$2" --k3s-install-dir "$3/bin" \
    --k3s-config-dir "$3/etc" --k3s-data-dir "$3/data" --k3s-service supervised
}

airgap_init_installs() {
  local floe=$1 bundle=$2 target="$WORK/airgap-head"
  airgap_init "$floe" "$bundle" "$target" || { echo ">> floe init exited $?"; return 1; }
  find "$target" -path "$target/floe" -prune -o -printf '%P %m\n' | LC_ALL=C sort
  test -x "$target/bin/k3s" && cmp "$target/bin/k3s" "$bundle/k3s/k3s" \
    && cmp "$target/data/agent/images/k3s-airgap-images-amd64.tar.zst" "$bundle/k3s/k3s-airgap-images-amd64.tar.zst" \
    && test -s "$target/etc/config.yaml"
}

# floe reset removes the k3s it installed from the bundle, and names it in its message.
airgap_reset_removes_bundle_k3s() {
  local floe=$1 target="$WORK/airgap-head" out
  out=$("$floe" reset --yes --data-dir "$target/floe") || { echo ">> floe reset exited $?"; return 1; }
  echo "$out"
  grep -qF "$target/bin/k3s (installed from the bundle)" <<<"$out" \
    && test ! -e "$target/bin/k3s" && test ! -e "$target/etc/config.yaml" && test ! -e "$target/data" \
    && test ! -e "$target/floe"
}

airgap_init_refuses_tampered() {
  local floe=$1 bundle="$WORK/airgap-bundle-bad" target="$WORK/airgap-head-bad"
  cp -a "$2" "$bundle" || return 1
  # One byte changed, size kept.
  printf 'X' | dd of="$bundle/k3s/k3s" bs=1 seek=200 conv=notrunc status=none || return 1
  if airgap_init "$floe" "$bundle" "$target" >"$WORK/airgap-init.out" 2>&1; then
    cat "$WORK/airgap-init.out"; echo ">> floe init accepted a tampered bundle"; return 1
  fi
  cat "$WORK/airgap-init.out"
  grep -q 'checksum mismatch' "$WORK/airgap-init.out" || { echo ">> no 'checksum mismatch'"; return 1; }
  local left=0
  for path in bin/k3s bin data etc/config.yaml etc; do
    [ -e "$target/$path" ] && { echo ">> left behind: $target/$path"; left=1; }
  done
  return $left
}

# floe's own state: a refused bundle should leave no half-initialised head either.
airgap_init_leaves_no_state() {
  local target="$WORK/airgap-head-bad"
  [ ! -e "$target/floe" ] && return 0
  echo ">> the refused floe init left its data directory behind:"
  find "$target/floe" | LC_ALL=C sort
  return 1
}

# --agent-packages: the bundle carries the floe-agent packages, and floe init offers
# them under /downloads/ (the head's <data-dir>/downloads); an unlisted one is refused.
airgap_agent_packages() {
  local floe=$1 packages="$WORK/airgap-agent-packages" out="$WORK/airgap-bundle-pkgs" target="$WORK/airgap-head-pkgs"
  mkdir -p "$packages" && printf 'deb stand-in\n' >"$packages/floe-agent_0.1.0-1_amd64.deb" \
    && printf 'rpm stand-in\n' >"$packages/floe-agent-0.1.0-1.x86_64.rpm" || return 1
  "$ASSEMBLE" "$out" --from "$WORK/airgap-release" --agent-packages "$packages" || return 1
  grep -E 'packages/floe-agent' "$out/SHA256SUMS" "$out/VERSIONS" || { echo ">> packages not listed"; return 1; }
  airgap_init "$floe" "$out" "$target" || { echo ">> floe init exited $?"; return 1; }
  ls -l "$target/floe/downloads"
  cmp "$target/floe/downloads/floe-agent_0.1.0-1_amd64.deb" "$packages/floe-agent_0.1.0-1_amd64.deb" \
    && cmp "$target/floe/downloads/floe-agent-0.1.0-1.x86_64.rpm" "$packages/floe-agent-0.1.0-1.x86_64.rpm" \
    || return 1
  printf 'smuggled\n' >"$out/packages/floe-agent-evil.deb"
  if airgap_init "$floe" "$out" "$WORK/airgap-head-smuggled" >"$WORK/airgap-smuggled.out" 2>&1; then
    cat "$WORK/airgap-smuggled.out"; echo ">> an unlisted package was accepted"; return 1
  fi
  grep 'packages/floe-agent-evil.deb is not listed' "$WORK/airgap-smuggled.out"
}

# --spark-image: the OCI archive spark-images/build.sh writes goes into images/, listed in
# SHA256SUMS and VERSIONS, and floe init installs it where k3s imports images at start;
# an archive that does not match its .sha256 is refused before anything is written. (A small stand-in archive
# with an OCI layout's files: the real image is built by the slow tier, tests/images.)
airgap_spark_image() {
  local floe=$1 dir="$WORK/airgap-spark-image" out="$WORK/airgap-bundle-image" target="$WORK/airgap-head-image"
  local name=floe-spark-9.9.9-iceberg9.9.9.oci.tar
  mkdir -p "$dir/layout" && echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/layout/oci-layout" \
    && echo '{"schemaVersion":2,"manifests":[]}' >"$dir/layout/index.json" \
    && tar -cf "$dir/$name" -C "$dir/layout" oci-layout index.json \
    && (cd "$dir" && sha256sum "$name" >"$name.sha256") || return 1
  "$ASSEMBLE" "$out" --from "$WORK/airgap-release" --spark-image "$dir/$name" || return 1
  cmp "$out/images/$name" "$dir/$name" || return 1
  grep -E "^[0-9a-f]{64}  images/$name\$" "$out/SHA256SUMS" || { echo ">> not in SHA256SUMS"; return 1; }
  grep -E "^spark-image +9\.9\.9-iceberg9\.9\.9 +images/$name " "$out/VERSIONS" || { echo ">> not in VERSIONS"; return 1; }
  airgap_init "$floe" "$out" "$target" || { echo ">> floe init exited $?"; return 1; }
  cmp "$target/data/agent/images/$name" "$dir/$name" || { echo ">> not installed into agent/images"; return 1; }
  printf 'x' >>"$dir/$name"
  if "$ASSEMBLE" "$WORK/airgap-bundle-image-bad" --from "$WORK/airgap-release" --spark-image "$dir/$name" \
      2>"$WORK/airgap-image.err"; then
    cat "$WORK/airgap-image.err"; echo ">> an archive not matching its .sha256 was accepted"; return 1
  fi
  cat "$WORK/airgap-image.err"
  grep -q 'checksum mismatch' "$WORK/airgap-image.err" && [ ! -e "$WORK/airgap-bundle-image-bad" ]
}

# --charts: the bundle carries Helm chart archives, and floe init puts them where k3s serves
# them to HelmChart objects (<k3s data dir>/server/static/charts/); an unlisted one is refused.
airgap_charts() {
  local floe=$1 charts="$WORK/airgap-charts" out="$WORK/airgap-bundle-charts" target="$WORK/airgap-head-charts"
  mkdir -p "$charts/src/spark-operator" && printf 'apiVersion: v2\nname: spark-operator\nversion: 2.3.0\n' \
    >"$charts/src/spark-operator/Chart.yaml" \
    && tar -czf "$charts/spark-operator-2.3.0.tgz" -C "$charts/src" spark-operator || return 1
  "$ASSEMBLE" "$out" --from "$WORK/airgap-release" --charts "$charts" || return 1
  grep -E 'charts/spark-operator-2.3.0.tgz' "$out/SHA256SUMS" "$out/VERSIONS" || { echo ">> chart not listed"; return 1; }
  airgap_init "$floe" "$out" "$target" || { echo ">> floe init exited $?"; return 1; }
  cmp "$target/data/server/static/charts/spark-operator-2.3.0.tgz" "$charts/spark-operator-2.3.0.tgz" || return 1
  printf 'smuggled\n' >"$out/charts/evil.tgz"
  if airgap_init "$floe" "$out" "$WORK/airgap-head-charts-smuggled" >"$WORK/airgap-charts-smuggled.out" 2>&1; then
    cat "$WORK/airgap-charts-smuggled.out"; echo ">> an unlisted chart was accepted"; return 1
  fi
  grep 'charts/evil.tgz is not listed' "$WORK/airgap-charts-smuggled.out"
}

airgap_bundle_tests() {  # airgap_bundle_tests FLOE_BINARY
  local floe=$1 out="$WORK/airgap-bundle"
  echo "==> airgap bundle (floe: $floe)"
  check "airgap: a fake k3s release (the stand-in, an images file, sha256sum-amd64.txt)" \
    airgap_release "$WORK/airgap-release"
  check "airgap: assemble-bundle.sh --from the release builds the bundle" \
    "$ASSEMBLE" "$out" --k3s-version v1.33.13+k3s1 --arch amd64 --from "$WORK/airgap-release"
  check "airgap: layout SHA256SUMS, VERSIONS, k3s/k3s (0755), k3s/k3s-airgap-images-amd64.tar.zst, the release's bytes" \
    airgap_layout "$out"
  check "airgap: SHA256SUMS lists every other file (relative, sorted) and sha256sum -c passes" airgap_sums "$out"
  check "airgap: VERSIONS names arch, k3s version, file and source" airgap_versions "$out"
  check "airgap: a non-empty OUT_DIR is refused unless --force" airgap_refuses_nonempty "$out"
  check "airgap: a release file not matching the release's sha256sum is refused, nothing written" \
    airgap_refuses_tampered
  check "airgap: floe init --bundle installs k3s (executable, identical), its images and config.yaml" \
    airgap_init_installs "$floe" "$out"
  check "airgap: floe init refuses a bundle with one byte changed in k3s/k3s and installs nothing of k3s" \
    airgap_init_refuses_tampered "$floe" "$out"
  check "airgap: floe reset --yes removes the bundle's k3s binary, config and data, and names the binary" \
    airgap_reset_removes_bundle_k3s "$floe"
  check "airgap: a refused floe init --bundle leaves no floe data directory behind (state database, CA)" \
    airgap_init_leaves_no_state
  check "airgap: --agent-packages puts floe-agent packages in the bundle; floe init offers them under /downloads/" \
    airgap_agent_packages "$floe"
  check "airgap: --spark-image puts the OCI archive in images/ (SHA256SUMS, VERSIONS), floe init installs it into agent/images; a mismatching .sha256 is refused" \
    airgap_spark_image "$floe"
  check "airgap: --charts puts Helm charts in the bundle; floe init installs them where k3s serves them" \
    airgap_charts "$floe"
}

if [ "$BUNDLE_ONLY" = 1 ]; then
  FLOE_BIN="${FLOE_BIN:-$BUILD/appliance/floe}"
  [ -x "$FLOE_BIN" ] || { echo "test_packages: no floe at $FLOE_BIN; build it or set FLOE_BIN" >&2; exit 2; }
  airgap_bundle_tests "$FLOE_BIN"
  echo
  echo "packaging (bundle only): $(( $(date +%s) - started ))s"
  echo "$passed passed, $failed failed"
  write_junit
  [ "$failed" = 0 ]
  exit
fi

# ---- preconditions ---------------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
  echo "test_packages: must run as root (it installs and purges the floe package)" >&2
  exit 2
fi
for path in "$STATE" /etc/floe /usr/bin/floe; do
  if [ -e "$path" ]; then
    echo "test_packages: $path already exists; this test installs and purges floe and will not" >&2
    echo "touch a floe it did not install. Remove it (or run on a clean machine) and retry." >&2
    exit 2
  fi
done
if dpkg-query -W -f='${db:Status-Status}' floe 2>/dev/null | grep -qv '^not-installed$'; then
  echo "test_packages: the floe package is already installed; refusing to replace it" >&2
  exit 2
fi
AGENT_FREE=1
for path in /var/lib/floe-agent /etc/floe-agent /usr/bin/floe-agent; do [ -e "$path" ] && AGENT_FREE=0; done

echo "==> tools"
need=()
command -v rpmbuild >/dev/null || need+=(rpm)
command -v lintian >/dev/null || need+=(lintian)
command -v rpmlint >/dev/null || need+=(rpmlint)
command -v help2man >/dev/null || need+=(help2man)
if [ ${#need[@]} -gt 0 ]; then
  "${APT[@]}" update >/dev/null && "${APT[@]}" install "${need[@]}" >/dev/null \
    || { echo "test_packages: installing ${need[*]} failed"; exit 1; }
fi

# ---- build -----------------------------------------------------------------------

build_packages() {  # build_packages OUTPUT_DIR [CMAKE_ARGS...]
  local out=$1; shift
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" \
    && nice ninja -C "$BUILD" -j2 floe floe-agent floe_package_docs \
    && rm -rf "$out" && (cd "$BUILD" && nice cpack -B "$out")
}

echo "==> build ($BUILD)"
check "cmake, build and cpack produce the packages" \
  build_packages "$PACKAGES" -DFLOE_PACKAGE_VERSION= -DFLOE_PACKAGE_RELEASE=1
DEB_FLOE=$(ls "$PACKAGES"/floe_*.deb 2>/dev/null | head -1)
DEB_AGENT=$(ls "$PACKAGES"/floe-agent_*.deb 2>/dev/null | head -1)
RPM_FLOE=$(ls "$PACKAGES"/floe-[0-9]*.rpm 2>/dev/null | head -1)
RPM_AGENT=$(ls "$PACKAGES"/floe-agent-[0-9]*.rpm 2>/dev/null | head -1)
check "four packages: floe and floe-agent as .deb and .rpm" \
  test -s "$DEB_FLOE" -a -s "$DEB_AGENT" -a -s "$RPM_FLOE" -a -s "$RPM_AGENT"
ls -l "$PACKAGES"/*.deb "$PACKAGES"/*.rpm 2>/dev/null | awk '{print "        " $5 "  " $9}'
if [ ! -s "$DEB_FLOE" ] || [ ! -s "$RPM_FLOE" ]; then
  echo "$passed passed, $failed failed"; write_junit; exit 1
fi

# ---- package contents ------------------------------------------------------------

deb_has() {  # deb_has DEB PATH...
  local deb=$1; shift
  local listing
  listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\.||')
  for p in "$@"; do grep -qx "$p" <<<"$listing" || { echo "$deb lacks $p"; echo "$listing"; return 1; }; done
}
check "floe.deb: binary, unit, config, man page, copyright" deb_has "$DEB_FLOE" \
  /usr/bin/floe $UNIT_DIR/floe.service /etc/floe/floe.env /usr/share/doc/floe/copyright
check "floe-agent.deb: binary, unit, config, copyright" deb_has "$DEB_AGENT" \
  /usr/bin/floe-agent $UNIT_DIR/floe-agent.service /etc/floe-agent/floe-agent.env /usr/share/doc/floe-agent/copyright
check "floe.deb: man page or --help text" sh -c \
  "dpkg-deb -c '$DEB_FLOE' | grep -Eq 'usr/share/man/man1/floe.1.gz|usr/share/doc/floe/floe-help.txt'"
check "floe.deb: /etc/floe/floe.env is a conffile" sh -c \
  "dpkg-deb -I '$DEB_FLOE' conffiles | grep -qx /etc/floe/floe.env"
check "floe.deb: dependencies from dpkg-shlibdeps (libc6, libssl3, libsqlite3, libcurl)" sh -c \
  "dpkg-deb -f '$DEB_FLOE' Depends | tee /dev/stderr | grep -q libc6 && dpkg-deb -f '$DEB_FLOE' Depends | grep -q libssl3 \
   && dpkg-deb -f '$DEB_FLOE' Depends | grep -q libsqlite3 && dpkg-deb -f '$DEB_FLOE' Depends | grep -q libcurl"
check "floe.deb: the binary is stripped" sh -c \
  "dpkg-deb -x '$DEB_FLOE' '$WORK/x' && ! readelf -S '$WORK/x/usr/bin/floe' | grep -q debug_info"

# ---- lint ------------------------------------------------------------------------
# Errors fail; every warning must be one that packaging/README.md lists and justifies
# as `lintian: TAG` / `rpmlint: TAG`.

justified() {  # justified TOOL TAG
  grep -q "\`$1: $2\`" "$ROOT/packaging/README.md"
}

lint_debs() {
  lintian --tag-display-limit 0 --allow-root "$DEB_FLOE" "$DEB_AGENT" >"$WORK/lintian.txt" 2>&1
  cat "$WORK/lintian.txt"
  local bad=0
  if grep -q '^E: ' "$WORK/lintian.txt"; then echo ">> lintian errors above"; bad=1; fi
  while read -r tag; do
    justified lintian "$tag" || { echo ">> unjustified lintian warning: $tag"; bad=1; }
  done < <(awk '$1 == "W:" {print $3}' "$WORK/lintian.txt" | sort -u)
  return $bad
}
lint_rpms() {
  rpmlint -c "$ROOT/packaging/rpm/rpmlint.toml" "$RPM_FLOE" "$RPM_AGENT" >"$WORK/rpmlint.txt" 2>&1
  cat "$WORK/rpmlint.txt"
  local bad=0
  # The one error accepted: no-signature. Packages are signed by the release pipeline
  # with the release key (rpmsign --addsign), which a test run does not have.
  if grep ': E: ' "$WORK/rpmlint.txt" | grep -vq ': E: no-signature'; then echo ">> rpmlint errors above"; bad=1; fi
  while read -r tag; do
    justified rpmlint "$tag" || { echo ">> unjustified rpmlint warning: $tag"; bad=1; }
  done < <(sed -n 's/.*: W: \([^ ]*\).*/\1/p' "$WORK/rpmlint.txt" | sort -u)
  return $bad
}
echo "==> lint"
check "lintian: no errors, only justified warnings" lint_debs
sed -n '/^[EW]: /p' "$WORK/lintian.txt" 2>/dev/null | awk '{print $1, $3}' | sort | uniq -c | sed 's/^/        /'
check "rpmlint: no errors, only justified warnings" lint_rpms
sed -n 's/.*: \([EW]\): \([^ ]*\).*/\1 \2/p' "$WORK/rpmlint.txt" 2>/dev/null | sort | uniq -c | sed 's/^/        /'

# ---- install, serve as the unit does, token --------------------------------------

# Starts what the installed unit's ExecStart= says, with its EnvironmentFile= and
# UMask=, and NOTIFY_SOCKET pointing at a socket this test listens on.
start_like_unit() {
  local unit=$UNIT_DIR/floe.service
  local exec_start env_file
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  env_file=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
  [ -n "$exec_start" ] || { echo "no ExecStart= in $unit"; return 1; }
  rm -f "$WORK/notify.sock" "$WORK/notify.log"
  python3 - "$WORK/notify.sock" "$WORK/notify.log" <<'PY' &
import socket, sys, time
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
sock.settimeout(1.0)
deadline = time.time() + 120
with open(sys.argv[2], "a") as log:
    while time.time() < deadline:
        try:
            data = sock.recv(4096).decode()
        except socket.timeout:
            continue
        log.write(data + "\n"); log.flush()
        if "STOPPING=1" in data.split("\n"):
            break
PY
  LISTENER_PID=$!
  for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
  echo "unit: ExecStart=$exec_start EnvironmentFile=$env_file"
  (
    umask 0077
    set -a
    [ -r "$env_file" ] && . "$env_file"
    set +a
    export NOTIFY_SOCKET="$WORK/notify.sock"
    # $FLOE_SERVE_ARGS unquoted: split on whitespace, as systemd does for $VAR.
    eval "exec $exec_start"
  ) >>"$WORK/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 200); do
    grep -qx 'READY=1' "$WORK/notify.log" 2>/dev/null && { echo "READY=1 received"; return 0; }
    kill -0 "$SERVE_PID" 2>/dev/null || { echo "floe serve exited:"; cat "$WORK/serve.log"; return 1; }
    sleep 0.1
  done
  echo "no READY=1 within 20 s:"; cat "$WORK/serve.log"; return 1
}

stop_serve() {
  [ -n "$SERVE_PID" ] || return 1
  kill -TERM "$SERVE_PID"
  local rc=0
  wait "$SERVE_PID" || rc=$?
  SERVE_PID=""
  for _ in $(seq 50); do kill -0 "$LISTENER_PID" 2>/dev/null || break; sleep 0.1; done
  kill "$LISTENER_PID" 2>/dev/null; wait "$LISTENER_PID" 2>/dev/null; LISTENER_PID=""
  cat "$WORK/notify.log"
  [ "$rc" = 0 ] || { echo "floe serve exited $rc"; tail -20 "$WORK/serve.log"; return 1; }
  grep -qx 'STOPPING=1' "$WORK/notify.log" || { echo "no STOPPING=1"; return 1; }
  [ ! -e "$STATE/serve.url" ] || { echo "serve.url left behind"; return 1; }
}

create_token() {
  floe token create --data-dir "$STATE" --ttl 2h --description packaging-test >"$WORK/token.txt" || return 1
  cat "$WORK/token.txt"
  TOKEN_ID=$(sed -n 's/^Token \([^ ]*\) created.*/\1/p' "$WORK/token.txt")
  [ -n "$TOKEN_ID" ]
}
token_listed() {
  floe token list --data-dir "$STATE" | tee /dev/stderr | grep -q "^$TOKEN_ID .*active"
}

install_deb() {  # install_deb FILE
  "${APT[@]}" install "$1" && dpkg-query -W floe
}

echo "==> install $(basename "$DEB_FLOE")"
INSTALLED_FLOE=1
check "apt-get install ./floe_*.deb (no systemd here: scripts must cope)" install_deb "$DEB_FLOE"
check "/usr/bin/floe runs" floe version
check "postinst created $STATE with mode 0700" sh -c "test \"\$(stat -c %a $STATE)\" = 700"
check "floe init --data-dir $STATE --advertise 127.0.0.1 --no-k3s" floe init --data-dir "$STATE" --advertise 127.0.0.1 --no-k3s
# A local change to the conffile: a free port (other heads may hold 9443 on a shared
# machine); it must survive the upgrade.
echo 'FLOE_SERVE_ARGS="--listen 127.0.0.1:0"' >>/etc/floe/floe.env
TOKEN_ID=""
check "floe serve started as the unit does sends READY=1" start_like_unit
check "floe token create against the running head" create_token
check "floe token list shows the token" token_listed
check "SIGTERM: floe serve exits 0 after STOPPING=1" stop_serve

# The installed floe installs k3s from an airgap bundle (temporary directories only).
airgap_bundle_tests /usr/bin/floe

# ---- upgrade ---------------------------------------------------------------------

PROJECT_VERSION=$(sed -n 's/^project(floe VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
NEXT_VERSION=$(awk -F. '{print $1 "." $2 "." $3 + 1}' <<<"$PROJECT_VERSION")
echo "==> upgrade $PROJECT_VERSION -> $NEXT_VERSION"
sha256sum "$STATE/floe.db" "$STATE/pki/ca.key" /etc/floe/floe.env >"$WORK/state-before.sha256" 2>&1
RECONFIGURED=1
check "packages rebuilt as $NEXT_VERSION" build_packages "$WORK/upgrade" -DFLOE_PACKAGE_VERSION="$NEXT_VERSION"
DEB_NEXT=$(ls "$WORK"/upgrade/floe_"$NEXT_VERSION"-*.deb 2>/dev/null | head -1)
upgrade_to() {  # upgrade_to DEB VERSION
  "${APT[@]}" install "$1" && test "$(dpkg-query -W -f='${Version}' floe)" = "$2"
}
check "apt-get install ./floe_${NEXT_VERSION}-1_amd64.deb upgrades" upgrade_to "$DEB_NEXT" "$NEXT_VERSION-1"
check "upgrade left floe.db, the CA key and the edited floe.env untouched" sha256sum -c "$WORK/state-before.sha256"
check "floe serve starts again after the upgrade (READY=1)" start_like_unit
check "the token survived the upgrade" token_listed
check "SIGTERM after the upgrade: exits 0" stop_serve

# ---- remove and purge ------------------------------------------------------------

echo "==> remove, purge"
check "apt-get remove floe" "${APT[@]}" remove floe
check "remove: binary gone, $STATE/floe.db and /etc/floe/floe.env kept" sh -c \
  "test ! -e /usr/bin/floe && test -s $STATE/floe.db && test -s $STATE/pki/ca.key && test -e /etc/floe/floe.env"
check "apt-get purge floe" "${APT[@]}" purge floe
check "purge: $STATE and /etc/floe are gone" sh -c "test ! -e $STATE && test ! -e /etc/floe"

if [ "$AGENT_FREE" = 1 ]; then
  echo "==> floe-agent .deb"
  INSTALLED_AGENT=1
  check "apt-get install ./floe-agent_*.deb" "${APT[@]}" install "$DEB_AGENT"
  check "floe-agent runs; /var/lib/floe-agent is 0700" sh -c \
    "floe-agent version && test \"\$(stat -c %a /var/lib/floe-agent)\" = 700"
  purge_agent() { "${APT[@]}" purge floe-agent && test ! -e /var/lib/floe-agent && test ! -e /usr/bin/floe-agent; }
  check "apt-get purge floe-agent removes its state" purge_agent
else
  echo "==> floe-agent .deb: skipped (/var/lib/floe-agent, /etc/floe-agent or /usr/bin/floe-agent exists)"
fi

# ---- rpm -------------------------------------------------------------------------

echo "==> rpm"
RPM_ROOT="$WORK/rpmroot"
rpm_files() {  # rpm_files RPM PATH...
  local rpmfile=$1; shift
  rpm -qlp "$rpmfile" >"$WORK/rpm-files.txt" || return 1
  cat "$WORK/rpm-files.txt"
  for p in "$@"; do grep -qx "$p" "$WORK/rpm-files.txt" || { echo ">> missing $p"; return 1; }; done
  # Directories of the base system must not be owned by our package.
  ! grep -Eqx '/(etc|usr|usr/bin|usr/lib|usr/lib/systemd|usr/lib/systemd/system|usr/share|usr/share/doc|usr/share/man|usr/share/man/man1)' "$WORK/rpm-files.txt"
}
rpm_scripts() {  # rpm_scripts RPM STATE_DIR UNIT
  rpm -qp --scripts "$1" >"$WORK/rpm-scripts.txt" || return 1
  cat "$WORK/rpm-scripts.txt"
  grep -q '^postinstall scriptlet' "$WORK/rpm-scripts.txt" \
    && grep -q '^preuninstall scriptlet' "$WORK/rpm-scripts.txt" \
    && grep -q '^postuninstall scriptlet' "$WORK/rpm-scripts.txt" \
    && grep -q "mkdir -m 0700 $2" "$WORK/rpm-scripts.txt" \
    && grep -q '/run/systemd/system' "$WORK/rpm-scripts.txt" \
    && ! grep -q "rm -rf" "$WORK/rpm-scripts.txt"
}
rpm_requires() {
  rpm -qp --requires "$1" | tee /dev/stderr | grep -q 'libssl.so.3' \
    && rpm -qp --requires "$1" | grep -q 'libc.so.6'
}
check "floe.rpm: file list" rpm_files "$RPM_FLOE" /usr/bin/floe $UNIT_DIR/floe.service /etc/floe/floe.env /etc/floe
check "floe-agent.rpm: file list" rpm_files "$RPM_AGENT" /usr/bin/floe-agent $UNIT_DIR/floe-agent.service \
  /etc/floe-agent/floe-agent.env
check "floe.rpm: floe.env is %config(noreplace)" sh -c \
  "rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' '$RPM_FLOE' | tee /dev/stderr | grep -Eq '^cn +/etc/floe/floe.env$|^cn /etc/floe/floe.env$'"
check "floe.rpm: %post/%preun/%postun scripts (create state, systemd only when PID 1, never delete state)" \
  rpm_scripts "$RPM_FLOE" "$STATE" floe.service
check "floe-agent.rpm: scripts" rpm_scripts "$RPM_AGENT" /var/lib/floe-agent floe-agent.service
check "floe.rpm: automatic requires name libssl.so.3 and libc.so.6" rpm_requires "$RPM_FLOE"
# The root is empty (no /bin/sh to run scriptlets in): --nodeps and --noscripts; the
# scripts are checked above as text and, for the .deb twins, by running them.
check "rpm --root: installs both packages into an empty root" sh -c \
  "mkdir -p '$RPM_ROOT' && rpm --root '$RPM_ROOT' --initdb && \
   rpm --root '$RPM_ROOT' --nodeps --noscripts -i '$RPM_FLOE' '$RPM_AGENT' && \
   rpm --root '$RPM_ROOT' -qa | sort && \
   test -x '$RPM_ROOT/usr/bin/floe' && test -x '$RPM_ROOT/usr/bin/floe-agent' && \
   test -f '$RPM_ROOT$UNIT_DIR/floe.service' && test -f '$RPM_ROOT/etc/floe/floe.env'"
check "rpm --root: erase removes the files" sh -c \
  "rpm --root '$RPM_ROOT' --nodeps --noscripts -e floe floe-agent && test ! -e '$RPM_ROOT/usr/bin/floe'"

echo
echo "packaging: $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed"
write_junit
[ "$failed" = 0 ]
