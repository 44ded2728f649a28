#!/usr/bin/env bash
# Installs what the real-VS-Code tests and the demo need, once: Debian's chromium (driven by
# playwright-core) with an emoji font (the Check System report uses ✅/❌), ripgrep and
# libkrb5-dev, and code-server 4.100.3 (VS Code 1.100.3) into a cache folder outside node_modules. Idempotent: a second run only checks. See
# ../shared/VSCODE-TESTING.md for why each step is here.
# Prints nothing when everything is already in place. The install folder is
# $PROBE_LENS_CODE_SERVER_DIR, default ${XDG_CACHE_HOME:-$HOME/.cache}/probe-lens/code-server;
# the binary is $dir/node_modules/.bin/code-server.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"

version=4.100.3
dir="${PROBE_LENS_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/probe-lens/code-server}"

packages=(libkrb5-dev ripgrep chromium fonts-noto-color-emoji)
install_missing_packages install-code-server "${packages[@]}"

installed() {
  [ -x "$dir/node_modules/.bin/code-server" ] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$dir/node_modules/code-server/package.json" "$version" 2>/dev/null
}

if ! installed; then
  echo "install-code-server: installing code-server@$version into $dir"
  start=$SECONDS
  # @vscode/ripgrep's postinstall downloads rg from GitHub, which is out of reach: give it
  # Debian's rg in the tarball it would have fetched, in the cache it looks in first.
  tmp="$(node -p 'require("os").tmpdir()')"
  cache="$tmp/vscode-ripgrep-cache-1.15.11"
  tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    stage="$(mktemp -d)"
    cp /usr/bin/rg "$stage/rg"
    tar -czf "$tarball" -C "$stage" rg
    rm -rf "$stage"
  fi
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
  # node-pty's install runs `npx node-gyp` (needs npm_config_yes); as root, install scripts
  # need unsafe-perm to run as root instead of an unprivileged user.
  ( cd "$dir" && npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$version" )
  installed || { echo "install-code-server: code-server@$version did not install into $dir" >&2; exit 1; }
  echo "install-code-server: code-server@$version installed in $((SECONDS - start)) s"
fi
