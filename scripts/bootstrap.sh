#!/usr/bin/env bash
# Prepares a machine to build and test Probe Lens: Debian packages, tracefs, npm
# dependencies, then the build. Idempotent: a second run only checks and rebuilds what changed.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
cd "$(dirname "$0")/.."

packages=(clang llvm libelf-dev libdw-dev zlib1g-dev libjansson-dev
          gcc g++ make pkg-config bpftrace binutils libcap2-bin libclang-rt-14-dev sudo
          libc++-14-dev libc++abi-14-dev prometheus python3-yaml)
[ "${PROBE_LENS_WITH_VM:-1}" = 1 ] && packages+=(qemu-system-x86 linux-image-amd64 busybox-static)

install_missing_packages bootstrap "${packages[@]}"
# libbpf 1.4 for uprobe_multi links; linked statically, so users need none of these.
install_newer_packages bootstrap libbpf-dev=1:1.4 bpftool=7.5 linux-libc-dev=6.12

if ! mountpoint -q /sys/kernel/tracing 2>/dev/null; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null \
    || echo "bootstrap: could not mount tracefs at /sys/kernel/tracing (not root?)" >&2
fi

# code-server + chromium for the real-VS-Code tests and the demo (PROBE_LENS_WITH_VSCODE=0 skips).
[ "${PROBE_LENS_WITH_VSCODE:-1}" = 1 ] && bash scripts/install-code-server.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run --silent build
