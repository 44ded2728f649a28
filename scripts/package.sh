#!/usr/bin/env bash
# `npm run package`: builds, packs out/probe-lens-VERSION.vsix with vsce (only what
# .vscodeignore lets through: the bundle, the helper, the symbol addon, media, manifest, README)
# and checks its listing. Install it with `code --install-extension FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
version="$(node -p 'require("./package.json").version')"
vsix="out/probe-lens-$version.vsix"
rm -f "$vsix"
# --no-dependencies: out/extension.js is a bundle, it needs no node_modules.
npx --no-install vsce package --no-dependencies --skip-license --allow-missing-repository --out "$vsix" >/dev/null
node scripts/vsix-listing.mjs "$vsix"
