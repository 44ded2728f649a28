#!/usr/bin/env bash
# `npm test`: everything from a machine with only node and npm. Bootstraps (packages, npm ci,
# build — idempotent), then type-checks, lints, and runs every test suite that exists, in
# order: unit, native, probe, kernel, then the extension in a real VS Code. Stops at the first
# stage that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n== %s\n' "$*"; }

stage "bootstrap (packages, npm ci, build)"
bash scripts/bootstrap.sh

stage "typecheck (tsc --noEmit)"
npx --no-install tsc --noEmit
npx --no-install tsc --noEmit -p extension/webview

stage "lint (eslint)"
npx --no-install eslint

suites=()
for dir in test/unit test/native test/probe test/kernel; do
  [ -d "$dir" ] && suites+=("$dir")
done
stage "tests: ${suites[*]}"
# One file at a time: the probe suites share the kernel's uprobe machinery and the CPU budget.
# A hung test fails after 10 minutes instead of eating the whole CI run.
node --test --test-concurrency=1 --test-timeout=600000 "${suites[@]}"

# The shipped package in clean Debian 11 and 13 root file systems (debootstrap, chroot): about
# 3 minutes on a fresh machine, so CI runs it (PROBE_LENS_WITH_DIST=1) and npm test says so.
if [ "${PROBE_LENS_WITH_DIST:-0}" = 1 ]; then
  stage "tests: test/dist (the .vsix's helper and addon in Debian bullseye and trixie chroots)"
  node --test --test-concurrency=1 --test-timeout=600000 test/dist
else
  stage "tests: test/dist SKIPPED: the .vsix in Debian bullseye and trixie chroots runs in CI; here: npm run test:dist"
fi

# The extension in a real VS Code (code-server + headless chromium, installed by bootstrap):
# the smoke test, the extension-host integration tests and the UI tests. Screenshots of each
# step go to test/artifacts/screenshots/<test>/.
if [ -d test/extension ]; then
  stage "tests: test/extension (real VS Code; screenshots in test/artifacts/screenshots/)"
  # The tests probe the sample program as a user would: built, with debug info.
  make -s -C sample
  node --test --test-concurrency=1 --test-timeout=600000 test/extension
fi
