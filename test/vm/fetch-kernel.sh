#!/usr/bin/env bash
# Unpacks the current kernel of a Debian release (its linux-image-amd64's) into DIR, for
# run-in-vm.sh's PROBE_LENS_VM_KERNEL_ROOT=DIR, with apt on a list of its own: nothing is
# installed on this machine. Prints the kernel's version. Once: a second run finds it.
# Usage: fetch-kernel.sh SUITE DIR   (e.g. bullseye, for Debian 11's 5.10)
set -euo pipefail
suite=$1 dir=$2
mirror=${PROBE_LENS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -f "$dir/.version" ]; then cat "$dir/.version"; exit 0; fi
rm -rf "$dir"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/archives/partial"
touch "$dir/apt/status"	# what this machine has installed must not count
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$dir/apt/sources.list"
apt_options=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=- -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::State::status=$dir/apt/status"
             -o "Dir::Cache=$dir/apt" -o "Dir::Cache::archives=$dir/apt/archives" -o APT::Architecture=amd64 -o APT::Sandbox::User=root -qq)
apt-get "${apt_options[@]}" update
# The metapackage depends on the kernel package of the moment (linux-image-5.10.0-NN-amd64).
image=$(apt-cache "${apt_options[@]}" depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
(cd "$dir/apt/archives" && apt-get "${apt_options[@]}" download "$image")
dpkg-deb -x "$dir"/apt/archives/"$image"_*.deb "$dir"
version=${image#linux-image-}
depmod -b "$dir" "$version"
rm -rf "$dir/apt"
echo "$version" | tee "$dir/.version"
