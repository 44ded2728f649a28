#!/usr/bin/env bash
# Prepares what the shipped binaries are built with, so they run on any x86-64 Linux with glibc
# 2.31 or newer (Debian 11, Ubuntu 20.04): a Debian bullseye sysroot (its glibc, libstdc++,
# zlib and jansson, made by debootstrap) and, built against it, elfutils' libelf and libdw as
# position-independent static libraries (Debian's libdw.a is not PIC, so it cannot go into the
# addon). The helper's newer pieces come from this machine: libbpf (static) and the kernel's
# UAPI headers, which do not depend on glibc's version.
# Output: out/dist/toolchain/{sysroot,deps}. Idempotent: a second run only checks its stamps.
# Usage: dist-toolchain.sh   (root: debootstrap needs it)
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
cd "$(dirname "$0")/.."

toolchain=out/dist/toolchain
sysroot=$toolchain/sysroot
deps=$toolchain/deps
mirror=${PROBE_LENS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The elfutils release this machine's libdw-dev is, from Debian's archive; pinned by its hash.
elfutils_version=0.188
elfutils_sha256=fb8b0e8d0802005b9a309c60c1d8de32dd2951b56f0c3a3cb56d21ce01595dff

install_missing_packages dist-toolchain debootstrap m4

if [ ! -f "$sysroot/.complete" ]; then
  echo "dist-toolchain: debootstrap bullseye into $sysroot"
  rm -rf "$sysroot"
  mkdir -p "$toolchain"
  debootstrap --variant=minbase --include=libc6-dev,libstdc++-10-dev,zlib1g-dev,libjansson-dev \
    bullseye "$sysroot" "$mirror" > "$toolchain/debootstrap.log" 2>&1 \
    || { tail -20 "$toolchain/debootstrap.log" >&2; exit 1; }
  # The linker reads the sysroot's libraries through their symlinks; absolute ones point at
  # this machine's files, so make them relative to the sysroot.
  find "$sysroot/usr/lib" "$sysroot/usr/lib64" -type l -lname '/*' | while read -r link; do
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$sysroot$(readlink "$link")")" "$link"
  done
  touch "$sysroot/.complete"
fi

# Rebuilt whenever this script changes.
deps_stamp=$deps/.complete-$(sha256sum "$0" | cut -c1-16)
if [ ! -f "$deps_stamp" ]; then
  echo "dist-toolchain: elfutils $elfutils_version, static and PIC, against the sysroot"
  rm -rf "$deps"
  mkdir -p "$deps/src" "$deps/include/elfutils" "$deps/lib"
  tarball=$deps/src/elfutils_$elfutils_version.orig.tar.bz2
  curl -fsS -o "$tarball" "$mirror/pool/main/e/elfutils/elfutils_$elfutils_version.orig.tar.bz2"
  echo "$elfutils_sha256  $tarball" | sha256sum -c --quiet
  tar -xjf "$tarball" -C "$deps/src"
  src=$deps/src/elfutils-$elfutils_version
  sysroot_path=$(realpath "$sysroot")
  # Symbol versions are for shared libraries; in a static one they break the link.
  (cd "$src" && ./configure -q CC="gcc --sysroot=$sysroot_path" CFLAGS="-O2 -fPIC" \
     --disable-symbol-versioning --disable-debuginfod --disable-libdebuginfod \
     --without-bzlib --without-lzma --without-zstd --disable-nls) > "$deps/configure.log" 2>&1 \
    || { tail -20 "$deps/configure.log" >&2; exit 1; }
  make -s -j"$(nproc)" -C "$src/lib" > "$deps/make.log" 2>&1
  archives=(libebl/libebl_pic.a backends/libebl_backends_pic.a libcpu/libcpu_pic.a
            libdwelf/libdwelf_pic.a libdwfl/libdwfl_pic.a libdw/libdw_pic.a libelf/libelf_pic.a)
  for archive in "${archives[@]}"; do
    make -s -j"$(nproc)" -C "$src/$(dirname "$archive")" "$(basename "$archive")" >> "$deps/make.log" 2>&1 \
      || { tail -20 "$deps/make.log" >&2; exit 1; }
  done
  # One libdw.a holding what libdw.so does, as Debian's has it: -ldw -lelf links either.
  { echo "create $deps/lib/libdw.a"
    for archive in "${archives[@]::6}" lib/libeu.a; do echo "addlib $src/$archive"; done
    echo save; echo end; } | ar -M
  cp "$src/libelf/libelf_pic.a" "$deps/lib/libelf.a"
  cp "$src"/libdw/{libdw.h,known-dwarf.h} "$src/libdwelf/libdwelf.h" "$src/libdwfl/libdwfl.h" \
     "$src/version.h" "$deps/include/elfutils/"
  cp "$src"/libelf/{libelf.h,gelf.h,nlist.h,elf.h} "$src/libdw/dwarf.h" "$deps/include/"
  # The helper's libbpf and kernel headers: newer than bullseye's, independent of glibc.
  cp -r /usr/include/bpf /usr/include/linux /usr/include/asm-generic "$deps/include/"
  cp -r /usr/include/x86_64-linux-gnu/asm "$deps/include/"
  cp /usr/lib/x86_64-linux-gnu/libbpf.a "$deps/lib/"
  rm -rf "$deps/src"
  touch "$deps_stamp"
fi
