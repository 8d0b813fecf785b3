#!/usr/bin/env bash
# Installs everything the build and the tests need, from Debian packages and PyPI.
# Idempotent and quiet when everything is already there. Sourced or run; needs root
# (or sudo) only when something is missing.
set -euo pipefail

FLOE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FLOE_CACHE_DIR="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}"

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev catch2
  openssl sqlite3 curl iproute2 procps python3 python3-venv
  python3-yaml  # the k3s stand-in (tests/cluster/k3s) runs on the system python3
  clang libclang-rt-14-dev
  libargon2-dev  # Argon2id for the web console's passwords
  chromium       # the browser tier (tests/browser) drives it with playwright-core
)
# The slow tier (tests/run-all.sh --slow): building the Spark image without Docker and
# running it with runc and containerd.
if [ "${FLOE_SLOW_TESTS:-0}" = 1 ]; then
  DEBIAN_PACKAGES+=(mmdebstrap umoci runc containerd)
fi

log() { printf 'install-deps: %s\n' "$*" >&2; }

missing_debian_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

install_debian_packages() {
  local missing
  missing=$(missing_debian_packages)
  [ -z "$missing" ] && return 0
  log "installing Debian packages: $(echo $missing)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! $sudo apt-get update -qq >/dev/null; then
    log "apt-get update failed; check the network or the apt sources"; return 1
  fi
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    log "apt-get install failed for: $(echo $missing)"; return 1
  fi
}

# The integration tier's Python tools live in a venv under the cache directory.
install_python_venv() {
  local venv="$FLOE_CACHE_DIR/venv"
  local requirements="$FLOE_ROOT/tests/integration/requirements.txt"
  local stamp="$venv/.requirements.sha256"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "creating Python venv in $venv"
  mkdir -p "$FLOE_CACHE_DIR"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

# The web console (ui/) and the browser tier need node >= 18 with npm. Debian 12 ships
# node 18 (packages nodejs + npm); a newer node already installed (e.g. from NodeSource,
# which bundles npm) is kept.
install_node() {
  if command -v node >/dev/null && command -v npm >/dev/null &&
     [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]; then
    return 0
  fi
  log "installing node and npm from Debian"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null || { log "apt-get update failed"; return 1; }
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; then
    log "apt-get install failed for: nodejs npm"; return 1
  fi
}

install_debian_packages
install_node
install_python_venv
