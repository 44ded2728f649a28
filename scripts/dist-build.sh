#!/usr/bin/env bash
# Builds the binaries the package ships, against the Debian bullseye sysroot of
# scripts/dist-toolchain.sh: the helper (libbpf, libelf, zlib, jansson linked in) and the symbol
# addon (elfutils, zlib and the C++ runtime linked in), each needing only glibc 2.31 or newer.
# Checks that, then leaves them in out/dist/: probe-lens-helper, probe-lens-symbols.node.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/dist-toolchain.sh
toolchain=$PWD/out/dist/toolchain
sysroot=$toolchain/sysroot
deps=$toolchain/deps

make -s -C native BUILD=build/dist SYSROOT="$sysroot" DEPS="$deps"
# Debug info stays in the build tree; the symbol table stays for readable crash reports.
strip --strip-debug -o out/dist/probe-lens-helper native/build/dist/probe-lens-helper

# node-gyp builds in the directory of binding.gyp, so the shipped addon is built from a copy.
addon=out/dist/addon
rm -rf "$addon"
mkdir -p "$addon"
cp -r native/addon/binding.gyp native/addon/src "$addon/"
nodedir=$(node -p "require('path').resolve(process.execPath, '../..')")
(cd "$addon" && CC="clang --sysroot=$sysroot" CXX="clang++ --sysroot=$sysroot" LINK="clang++ --sysroot=$sysroot" \
   ../../../node_modules/.bin/node-gyp rebuild --nodedir="$nodedir" --loglevel=error -- -Dstatic_deps="$deps" >/dev/null)
strip --strip-debug -o out/dist/probe-lens-symbols.node "$addon/build/Release/probe_lens_symbols.node"

# What a user's machine must have: glibc's libraries only, no symbol newer than 2.31.
bash scripts/check-runtime-deps.sh out/dist/probe-lens-helper --glibc 2.31 libc.so.6 libpthread.so.0 ld-linux-x86-64.so.2
bash scripts/check-runtime-deps.sh out/dist/probe-lens-symbols.node --glibc 2.31 libc.so.6 libm.so.6 libpthread.so.0 ld-linux-x86-64.so.2
