#!/usr/bin/env bash
# Fails when a shipped binary needs a shared library beyond the allowed ones (everything else is
# linked in) or a glibc symbol version newer than the baseline, and says what it needs.
# Usage: check-runtime-deps.sh BINARY --glibc BASELINE ALLOWED-SONAME...
set -euo pipefail
binary=$1 baseline=$3
[ "$2" = --glibc ] || { echo "usage: check-runtime-deps.sh BINARY --glibc BASELINE ALLOWED-SONAME..." >&2; exit 2; }
shift 3
needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
for soname in $needed; do
  allowed=no
  for ok in "$@"; do [ "$soname" = "$ok" ] && allowed=yes; done
  if [ $allowed = no ]; then
    echo "check-runtime-deps: $binary needs $soname, which a user's machine may lack (allowed: $*)" >&2
    exit 1
  fi
done
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V -u | tail -1)
if [ -n "$glibc" ] && [ "$(printf '%s\n' "$glibc" "$baseline" | sort -V | tail -1)" != "$baseline" ]; then
  echo "check-runtime-deps: $binary needs glibc $glibc, newer than the baseline $baseline:" >&2
  objdump -T "$binary" | grep -F "GLIBC_$glibc" >&2
  exit 1
fi
echo "$(basename "$binary"): needs only ${needed//$'\n'/, }; newest glibc symbol: ${glibc:-none} (baseline $baseline)"
