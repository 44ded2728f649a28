#!/usr/bin/env bash
# Makes a clean Debian root file system with debootstrap (minbase: Debian's packages only, no
# development package), once: a second run finds its stamp. Usage: make-rootfs.sh SUITE DIR
set -euo pipefail
suite=$1 dir=$2
[ -f "$dir/.complete" ] && exit 0
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
debootstrap --variant=minbase "$suite" "$dir" "${PROBE_LENS_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
  > "$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
touch "$dir/.complete"
