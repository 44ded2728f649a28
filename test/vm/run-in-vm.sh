#!/usr/bin/env bash
# Runs one command inside a throwaway qemu VM that boots Debian's own kernel, so tests can use
# kprobes and fentry/fexit, which the host kernel does not offer. The guest sees the host's root
# file system read-only over 9p and runs the host's binaries; the command's stdout, stderr and exit
# status come back through a second, writable 9p export of a host temp dir, so kernel and boot
# messages never mix with them. See test/vm/README.md.
#
# Exit status: the command's own, or 3 when the VM cannot be started here ("kernel-probe VM
# unavailable: ..."), 4 when the VM died while the command ran (e.g. a guest kernel panic),
# 124 on timeout.
set -euo pipefail

readonly self=$(readlink -f "${BASH_SOURCE[0]}")
readonly busybox=/bin/busybox
readonly qemu=qemu-system-x86_64
readonly kernel_root=${PROBE_LENS_VM_KERNEL_ROOT:-}
# Loaded in this order. Missing ones are skipped when built in (or absent on newer kernels, like
# fscache), but the required ones must exist as a module or be built in.
readonly modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
                  netfs fscache 9pnet 9pnet_virtio 9p)
readonly required_modules=" virtio_ring virtio virtio_pci 9pnet 9pnet_virtio 9p "
readonly passed_env=(PATH HOME LANG LC_ALL TERM TZ CI)

usage() {
  cat <<'EOF'
usage: test/vm/run-in-vm.sh [--timeout SECONDS] [--env NAME[=VALUE]]... [--verbose] -- COMMAND [ARGS...]

Boots the newest installed Debian kernel under qemu (software emulation), runs COMMAND as root
in the host's working directory with the host's root file system mounted read-only, and exits
with COMMAND's status. /tmp and /run inside are fresh tmpfs: keep files the command needs
outside /tmp.

  --timeout SECONDS   kill the VM after this long, exit 124 (default 600)
  --env NAME[=VALUE]  pass this variable too (PATH, HOME, LANG, LC_ALL, TERM, TZ, CI and
                      PROBE_LENS_* are passed already)
  --verbose           stream the guest console (kernel and boot messages) to stderr

PROBE_LENS_VM_KERNEL=VERSION picks a kernel instead of the newest one; PROBE_LENS_VM_KERNEL_ROOT=DIR
looks for kernels in DIR/boot and DIR/lib/modules (one unpacked there, test/vm/fetch-kernel.sh).
EOF
}

say() { echo "run-in-vm: $*" >&2; }
unavailable() { echo "kernel-probe VM unavailable: $*" >&2; exit 3; }

# Single-quotes a word for the guest's /bin/sh.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# Fills module_files (kernel-tree paths, in load order, dependencies first) for kernel $1, or
# sets module_problem and returns 1.
declare -a module_files
module_problem=
resolve_modules() {
  local kver=$1 dir=$kernel_root/lib/modules/$1 line path deps name dep i
  local -A path_of=() deps_of=() builtin=() seen=()
  module_files=()
  if [ ! -r "$dir/modules.dep" ]; then module_problem="$dir/modules.dep is missing"; return 1; fi
  while IFS= read -r line; do
    path=${line%%:*}; deps=${line#*:}
    name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
    path_of[$name]=$path; deps_of[$name]=$deps
  done <"$dir/modules.dep"
  if [ -r "$dir/modules.builtin" ]; then
    while IFS= read -r path; do
      name=${path##*/}; name=${name%%.ko*}; builtin[${name//-/_}]=1
    done <"$dir/modules.builtin"
  fi
  for name in "${modules[@]}"; do
    if [ -z "${path_of[$name]:-}" ]; then
      if [ -z "${builtin[$name]:-}" ] && [[ $required_modules == *" $name "* ]]; then
        module_problem="kernel $kver has no $name module and does not build it in"
        return 1
      fi
      continue
    fi
    # modules.dep lists a module's dependencies so that the last one must be loaded first.
    read -r -a deps <<<"${deps_of[$name]}"
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
      dep=${deps[i]}
      [ -n "${seen[$dep]:-}" ] || { seen[$dep]=1; module_files+=("$dep"); }
    done
    path=${path_of[$name]}
    [ -n "${seen[$path]:-}" ] || { seen[$path]=1; module_files+=("$path"); }
  done
  for path in "${module_files[@]}"; do
    if [ ! -r "$dir/$path" ]; then module_problem="$dir/$path is missing"; return 1; fi
  done
}

# Sets kver and kernel_image to the newest kernel under /boot with usable modules.
find_kernel() {
  local image version candidates=() rejected=()
  if [ -n "${PROBE_LENS_VM_KERNEL:-}" ]; then
    candidates=("$kernel_root/boot/vmlinuz-$PROBE_LENS_VM_KERNEL")
  else
    mapfile -t candidates < <(printf '%s\n' "$kernel_root"/boot/vmlinuz-* | sort -rV)
  fi
  for image in "${candidates[@]}"; do
    version=${image#"$kernel_root"/boot/vmlinuz-}
    if [ ! -e "$image" ]; then rejected+=("$image does not exist")
    elif [ ! -r "$image" ]; then rejected+=("$image is not readable (run as root)")
    elif [ ! -d "$kernel_root/lib/modules/$version" ]; then rejected+=("no $kernel_root/lib/modules/$version for $image")
    elif ! resolve_modules "$version"; then rejected+=("$module_problem")
    else kver=$version; kernel_image=$image; return 0
    fi
  done
  [ ${#rejected[@]} -gt 0 ] || rejected=("no $kernel_root/boot/vmlinuz-* found")
  unavailable "$(IFS=';'; echo "${rejected[*]}") — install one with: apt-get install linux-image-amd64"
}

# The guest's /init: busybox sh. Mounts both shares, runs /io/job in a chroot of the host's root,
# writes its status to /io/status and powers off. /io/started tells the host the command began.
write_init() {
  cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
  echo "run-in-vm guest: $*"
  [ -w /io ] && echo "$*" >/io/error
  poweroff -f
}

while read -r m; do
  insmod "/modules/$m.ko" || fail "insmod $m failed"
done </modules/order

opts=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$opts" io /io || fail "cannot mount the host's result dir (9p tag io)"
mount -t 9p -o "$opts,ro,cache=loose" host /newroot || fail "cannot mount the host's root (9p tag host)"
r=/newroot
mount -t proc proc $r/proc &&
  mount -t sysfs sysfs $r/sys &&
  mount -t devtmpfs devtmpfs $r/dev &&
  mkdir -p $r/dev/pts $r/dev/shm &&
  mount -t devpts devpts $r/dev/pts &&
  mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm &&
  mount -t tmpfs -o mode=1777 tmpfs $r/tmp &&
  mount -t tmpfs -o mode=755 tmpfs $r/run &&
  mount -t tracefs tracefs $r/sys/kernel/tracing &&
  mount -t debugfs debugfs $r/sys/kernel/debug &&
  mount -t bpf bpf $r/sys/fs/bpf ||
  fail "cannot mount the guest's proc, sys, dev, tmpfs, tracefs, debugfs or bpffs"
# A checkout under /tmp or /run is hidden by the fresh tmpfs: the host shares it on its own.
if [ -s /io/workdir ]; then
  work=$(cat /io/workdir)
  mkdir -p "$r$work" && mount -t 9p -o "$opts,ro,cache=loose" work "$r$work" ||
    fail "cannot mount the host's working tree $work (9p tag work)"
fi

: >/io/started
env -i /bin/chroot $r /bin/sh -c "$(cat /io/job)" </dev/null >/io/stdout 2>/io/stderr
echo $? >/io/status.new && mv /io/status.new /io/status
poweroff -f
EOF
}

# Sets initramfs to a cached image for $kver, building it when the kernel or this script changed.
build_initramfs() {
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/probe-lens/vm key stage path name
  key=$({ cat "$self"; echo "$kver"; stat -c '%s %Y' "$kernel_root/lib/modules/$kver/modules.dep" "$busybox"
        } | sha256sum)
  initramfs=$cache/initramfs-$kver-${key:0:16}.cpio.gz
  [ -s "$initramfs" ] && return 0

  [ -x "$busybox" ] || unavailable "$busybox is missing — install it with: apt-get install busybox-static"
  if ldd "$busybox" >/dev/null 2>&1; then
    unavailable "$busybox is dynamically linked — install busybox-static"
  fi
  mkdir -p "$cache" || unavailable "cannot create the cache dir $cache"
  stage=$(mktemp -d "$cache/stage.XXXXXX")
  mkdir -p "$stage"/{bin,modules,io,newroot,proc,sys,dev}
  cp "$busybox" "$stage/bin/busybox"
  for path in "${module_files[@]}"; do
    name=${path##*/}; name=${name%%.ko*}
    echo "$name" >>"$stage/modules/order"
    path=$kernel_root/lib/modules/$kver/$path
    case $path in
      *.ko) cp "$path" "$stage/modules/$name.ko" ;;
      *.ko.xz) "$busybox" unxz -c "$path" >"$stage/modules/$name.ko" ;;
      *.ko.gz) "$busybox" gunzip -c "$path" >"$stage/modules/$name.ko" ;;
      *.ko.zst)
        command -v zstd >/dev/null || unavailable "$path is zstd-compressed — install zstd"
        zstd -q -d -c "$path" >"$stage/modules/$name.ko" ;;
      *) rm -rf "$stage"; unavailable "$path: unknown module compression" ;;
    esac
  done
  write_init >"$stage/init"
  chmod 755 "$stage/init"
  (cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null | "$busybox" gzip -6) \
    >"$stage.cpio.gz"
  rm -rf "$stage"
  # Drop stale images (other kernels, older versions of this script) and abandoned builds, then
  # publish atomically so concurrent runs never see a half-written image.
  find "$cache" -maxdepth 1 \( -name 'initramfs-*' -o -name 'stage.*' \) -mmin +60 \
    -exec rm -rf {} + 2>/dev/null || true
  mv "$stage.cpio.gz" "$initramfs"
}

# The shell script the guest runs in the chroot: environment, working directory, command.
write_job() {
  local name value
  for name in "${passed_env[@]}" $(compgen -e | grep '^PROBE_LENS_' || true); do
    [ -n "${!name+set}" ] && printf 'export %s=%s\n' "$name" "$(quote "${!name}")"
  done
  for name in "${extra_env[@]}"; do
    if [[ $name == *=* ]]; then value=${name#*=}; name=${name%%=*}
    elif [ -n "${!name+set}" ]; then value=${!name}
    else continue
    fi
    printf 'export %s=%s\n' "$name" "$(quote "$value")"
  done
  echo 'export PROBE_LENS_IN_VM=1'
  printf 'cd %s || { echo %s >&2; exit 125; }\n' "$(quote "$PWD")" \
    "$(quote "run-in-vm: cannot cd to $PWD inside the VM")"
  printf 'exec'; printf ' %s' "$(quote "${command[0]}")"
  for arg in "${command[@]:1}"; do printf ' %s' "$(quote "$arg")"; done
  echo
}

timeout=600
verbose=0
extra_env=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; timeout=$2; shift 2 ;;
    --timeout=*) timeout=${1#*=}; [[ $timeout =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; shift ;;
    --env) [[ ${2:-} =~ ^[A-Za-z_][A-Za-z0-9_]*(=.*)?$ ]] || { usage >&2; exit 2; }
           extra_env+=("$2"); shift 2 ;;
    --verbose) verbose=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
command=("$@")

command -v "$qemu" >/dev/null || unavailable "$qemu not found — install it with: apt-get install qemu-system-x86"
find_kernel
build_initramfs

io=$(mktemp -d "${TMPDIR:-/tmp}/probe-lens-vm.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$io"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
: >"$io/stdout"; : >"$io/stderr"; : >"$io/console.log"
write_job >"$io/job"
# The guest's /tmp and /run are its own: a working tree there (a CI checkout, say) is shared
# separately — its git top level, or the directory itself — at the same path.
work_share=()
if [[ $PWD == /tmp || $PWD == /tmp/* || $PWD == /run/* ]]; then
  work=$(git -C "$PWD" rev-parse --show-toplevel 2>/dev/null || echo "$PWD")
  printf '%s' "$work" >"$io/workdir"
  work_share=(-virtfs "local,path=${work//,/,,},mount_tag=work,security_model=none,readonly=on,multidevs=remap")
fi

start=${EPOCHREALTIME/./}
# qemu option values escape a comma by doubling it.
timeout -k 10 "$timeout" "$qemu" \
  -accel tcg,thread=multi -cpu max -m 2G -smp 2 -nographic -monitor none -no-reboot -nic none \
  -kernel "$kernel_image" -initrd "$initramfs" \
  -append 'console=ttyS0 quiet loglevel=3 panic=-1' \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=${io//,/,,},mount_tag=io,security_model=none" "${work_share[@]}" \
  </dev/null >"$io/console.log" 2>"$io/qemu.log" &
vm=$!
pids+=("$vm")
tail -c +1 -s 0.2 -f --pid="$vm" "$io/stdout" & pids+=($!)
tail -c +1 -s 0.2 -f --pid="$vm" "$io/stderr" >&2 & pids+=($!)
[ $verbose = 0 ] || { tail -c +1 -s 0.2 -f --pid="$vm" "$io/console.log" >&2 & pids+=($!); }
vm_status=0
wait "$vm" || vm_status=$?
wait "${pids[@]:1}" 2>/dev/null || true
elapsed_ms=$(( (${EPOCHREALTIME/./} - start) / 1000 ))
[ "${PROBE_LENS_VM_TIMING:-0}" = 0 ] || say "kernel $kver: boot-run-poweroff took ${elapsed_ms} ms"

last_lines() {
  echo "--- last guest console lines (kernel $kver) ---"
  # Drop the firmware's terminal escapes and the serial line's carriage returns.
  tail -n 20 "$io/console.log" | sed -E 's/\x1b(\[[0-9;?]*[A-Za-z]|c)//g; s/\r//g'
  [ ! -s "$io/qemu.log" ] || { echo "--- qemu ---"; tail -n 10 "$io/qemu.log"; }
}
if [ "$vm_status" = 124 ] || [ "$vm_status" = 137 ]; then
  say "timed out after ${timeout}s running: ${command[*]}"
  last_lines >&2
  exit 124
elif [ -s "$io/status" ]; then
  exit "$(cat "$io/status")"
elif [ -s "$io/error" ]; then
  unavailable "$(cat "$io/error") (kernel $kver)"
elif [ -e "$io/started" ]; then
  say "the VM died while running: ${command[*]} (qemu exit $vm_status)"
  last_lines >&2
  exit 4
else
  last_lines >&2
  unavailable "the VM stopped before the command started (kernel $kver, qemu exit $vm_status)"
fi
