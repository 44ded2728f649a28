#!/usr/bin/env bash
# Fails when a shipped binary needs a shared library beyond the allowed ones (the helper: glibc
# alone; everything else is linked statically), and says the newest glibc symbol version each
# needs. Usage: check-runtime-deps.sh BINARY ALLOWED-SONAME...
set -euo pipefail
binary=$1
shift
needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
for soname in $needed; do
  allowed=no
  for ok in "$@"; do [ "$soname" = "$ok" ] && allowed=yes; done
  if [ $allowed = no ]; then
    echo "check-runtime-deps: $binary needs $soname, which a user's machine may lack (allowed: $*)" >&2
    exit 1
  fi
done
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -k3,3n -u | tail -1)
echo "$(basename "$binary"): needs only ${needed//$'\n'/, }; newest glibc symbol: ${glibc:-none}"
