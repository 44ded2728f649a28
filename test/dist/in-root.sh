#!/usr/bin/env bash
# Runs a command chrooted into a root file system, on this kernel, with /proc, /sys (BTF,
# tracefs) and /dev mounted in a mount namespace of its own: they go away with the command,
# whatever becomes of it. Usage: in-root.sh ROOT COMMAND ARGS...
set -euo pipefail
root=$1
shift
exec unshare --mount --propagation private -- bash -c '
  root=$1; shift
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  exec chroot "$root" "$@"' in-root "$root" "$@"
