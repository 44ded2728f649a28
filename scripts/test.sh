#!/usr/bin/env bash
# `npm test`: everything from a machine with only node and npm. Bootstraps (packages, npm ci,
# build — idempotent), then type-checks, lints, and runs every test suite that exists, in
# order: unit, native, probe, kernel. Stops at the first stage that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n== %s\n' "$*"; }

stage "bootstrap (packages, npm ci, build)"
bash scripts/bootstrap.sh

stage "typecheck (tsc --noEmit)"
npx --no-install tsc --noEmit

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
