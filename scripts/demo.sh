#!/usr/bin/env bash
# `npm run demo`: sets the machine up, builds, and probes the bundled sample program with the
# CLI: every call of price_order and of libc's printf, with arguments, return values and latency.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
make -s -C sample
echo
echo "\$ probe-lens probe sample/build/orders:price_order libc:printf -- sample/build/orders 3 100"
exec node bin/probe-lens probe sample/build/orders:price_order libc:printf -- sample/build/orders 3 100
