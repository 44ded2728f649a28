#!/usr/bin/env bash
# `npm run package`: builds, packs out/probe-lens-VERSION.vsix with vsce (only what
# .vscodeignore lets through: the bundle, the helper, the symbol addon, media, manifest, README)
# and checks its listing. Install it with `code --install-extension FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
# The helper runs as root on users' machines: glibc is all it may need from them. The symbol
# addon needs elfutils and the C++ runtime too (linking those in would need glibc 2.36).
bash scripts/check-runtime-deps.sh native/build/probe-lens-helper libc.so.6
bash scripts/check-runtime-deps.sh out/probe-lens-symbols.node libdw.so.1 libelf.so.1 libz.so.1 libstdc++.so.6 libgcc_s.so.1 libc.so.6 ld-linux-x86-64.so.2
version="$(node -p 'require("./package.json").version')"
vsix="out/probe-lens-$version.vsix"
rm -f "$vsix"
# --no-dependencies: out/extension.js is a bundle, it needs no node_modules. --target: the helper
# and the addon are x86-64 Linux binaries, so VS Code installs it only there.
npx --no-install vsce package --target linux-x64 --no-dependencies --out "$vsix" >/dev/null
node scripts/vsix-listing.mjs "$vsix"
