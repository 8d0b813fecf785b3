#!/usr/bin/env bash
# Builds the web console for CMake: ui/build.sh SOURCE_DIR WORK_DIR -> WORK_DIR/dist.
# Works on a copy in the build directory, so parallel build trees never share
# node_modules; runs `npm ci` (cache under $FLOE_CACHE_DIR/npm) only when the lock file
# changed, then the TypeScript check and the Vite build.
set -euo pipefail
src=$1
work=$2
cache="${FLOE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/floe}/npm"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "ui/build.sh: building the web console needs node >= 18 and npm (tests/lib/install-deps.sh" \
       "installs them); or configure with -DFLOE_BUILD_CONSOLE=OFF" >&2
  exit 1
fi

mkdir -p "$work"
rm -rf "$work/src" "$work/public" "$work/dist"
cp -r "$src/src" "$work/src"
[ -d "$src/public" ] && cp -r "$src/public" "$work/public"
cp "$src/index.html" "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/vite.config.ts" "$work/"

lock_hash=$(sha256sum "$work/package-lock.json" | cut -d' ' -f1)
stamp="$work/node_modules/.floe-lock.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  (cd "$work" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error --cache "$cache")
  echo "$lock_hash" > "$stamp"
fi
cd "$work"
node_modules/.bin/tsc --noEmit -p .
node_modules/.bin/vite build --logLevel warn --outDir dist --emptyOutDir
