#!/usr/bin/env bash
# `npm run package`: builds, then packs out/probe-lens-VERSION.vsix with vsce from a staging
# directory holding what ships: the bundle, media, manifest, README, LICENSE, CHANGELOG, and the
# helper and symbol addon built for any Linux with glibc 2.31 or newer (scripts/dist-build.sh,
# which checks that). Then checks the listing. Install it with `code --install-extension FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
bash scripts/dist-build.sh

version="$(node -p 'require("./package.json").version')"
vsix="$PWD/out/probe-lens-$version.vsix"
stage=out/dist/package
rm -rf "$stage" "$vsix"
mkdir -p "$stage/out" "$stage/native/build"
cp -r package.json README.md LICENSE CHANGELOG.md .vscodeignore media "$stage/"
cp out/extension.js "$stage/out/"
cp out/dist/probe-lens-symbols.node "$stage/out/"
cp out/dist/probe-lens-helper "$stage/native/build/"
# --no-dependencies: out/extension.js is a bundle, it needs no node_modules. --target: the helper
# and the addon are x86-64 Linux binaries, so VS Code installs it only there.
(cd "$stage" && "$OLDPWD/node_modules/.bin/vsce" package --target linux-x64 --no-dependencies --out "$vsix" >/dev/null)
node scripts/vsix-listing.mjs "$vsix"
