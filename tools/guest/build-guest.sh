#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Builds (once per machine and kernel version) the Linux guest the end-to-end tests boot:
# Debian's kernel package, fetched with apt-get download and unpacked with dpkg-deb -x (never
# installed on the host), and a busybox-static initramfs with the virtio modules the devices
# need and an /init that loads them and then runs /test.sh from a second cpio appended per test.
#
# Usage: build-guest.sh [CACHE_DIR]      prints the directory holding vmlinuz (and vmlinux, the
#                                        uncompressed kernel, when it can be extracted) and
#                                        initrd.cpio.gz
# Needs: apt-get, dpkg-deb, depmod (kmod), cpio, gzip, busybox (busybox-static).
#
# Each device adds what its guest tests need without touching this script:
#   modules.d/<device>.list  kernel modules (one name per line, # comments), packed with their
#                            dependencies and loaded at boot in dependency order;
#   extras.d/<device>.sh     run with bash at build time to add files to the initramfs. It sees
#                            RD (the initramfs root), KROOT (the unpacked kernel package), KVER,
#                            WORK (scratch space) and can call, after `. "$LIB"`:
#                              vhd_copy_binary /usr/bin/prog   (the program and its shared libs)
#                              vhd_add_module /path/to/mod.ko  (an out-of-tree module, loaded last)
# The cache key hashes this script and both directories, so any change rebuilds the guest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${1:-${VHD_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vhost-device-java/guest}}
modules=()
for list in "$here"/modules.d/*.list; do
  [ -e "$list" ] || continue
  while read -r m _; do
    case "$m" in ''|'#'*) ;; *) modules+=("$m") ;; esac
  done < "$list"
done
inputs_hash=$(shopt -s nullglob
  cat "$0" "$here"/lib.sh "$here"/modules.d/*.list "$here"/extras.d/*.sh | sha256sum | cut -c1-12)

step() { printf '[guest] %s\n' "$*" >&2; }

for tool in apt-get apt-cache dpkg-deb depmod cpio gzip; do
  command -v "$tool" >/dev/null || { echo "build-guest: $tool is missing (apt-get install kmod cpio)" >&2; exit 1; }
done
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  busybox=/bin/busybox
fi
[ -x "$busybox" ] || { echo "build-guest: busybox-static is missing (apt-get install busybox-static)" >&2; exit 1; }

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
if [ -z "$kernel_pkg" ]; then
  echo "build-guest: cannot resolve linux-image-amd64 (run apt-get update first)" >&2
  exit 1
fi
out="$cache_root/$kernel_pkg-$inputs_hash"
if [ -f "$out/initrd.cpio.gz" ] && [ -f "$out/vmlinuz" ]; then
  printf '%s\n' "$out"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step "downloading $kernel_pkg"
(cd "$work" && apt-get download -q "$kernel_pkg" >/dev/null 2>&1) || {
  echo "build-guest: apt-get download $kernel_pkg failed" >&2; exit 1; }
step "unpacking it (dpkg-deb -x, nothing is installed)"
dpkg-deb -x "$work"/*.deb "$work/root"
version=$(ls "$work/root/lib/modules")
depmod -b "$work/root" "$version"
dep="$work/root/lib/modules/$version/modules.dep"

# Resolve each module's dependencies depth-first so that they load first.
declare -A seen=()
order=()
resolve() {
  local path=$1
  [ -n "${seen[$path]:-}" ] && return
  seen[$path]=1
  local deps
  deps=$(grep -m1 "^$path:" "$dep" | cut -d: -f2)
  for d in $deps; do resolve "$d"; done
  order+=("$path")
}
for m in "${modules[@]}"; do
  path=$(grep -m1 -E "/$m\.ko(\.[a-z]+)?:" "$dep" | cut -d: -f1)
  [ -n "$path" ] || { echo "build-guest: module $m not in $kernel_pkg" >&2; exit 1; }
  resolve "$path"
done

step "building the initramfs (busybox, ${#order[@]} modules)"
rd="$work/initrd"
mkdir -p "$rd"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$rd/bin/busybox"
: > "$rd/lib/modules/order"
for path in "${order[@]}"; do
  name=$(basename "$path")
  cp "$work/root/lib/modules/$version/$path" "$rd/lib/modules/$name"
  echo "$name" >> "$rd/lib/modules/order"
done
for extra in "$here"/extras.d/*.sh; do
  [ -e "$extra" ] || continue
  step "extras: $(basename "$extra")"
  RD="$rd" KROOT="$work/root" KVER="$version" WORK="$work/extra-$(basename "$extra" .sh)" \
    LIB="$here/lib.sh" bash -euo pipefail "$extra" >&2 ||
    { echo "build-guest: $(basename "$extra") failed" >&2; exit 1; }
done
cat > "$rd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done < /lib/modules/order
echo "VHD-BOOTED"
if [ -x /test.sh ]; then
  if /test.sh; then echo "VHD-RESULT: PASS"; else echo "VHD-RESULT: FAIL ($?)"; fi
else
  echo "VHD-RESULT: FAIL (no /test.sh)"
fi
poweroff -f
INIT
chmod +x "$rd/init"
mkdir -p "$out.tmp.$$"
(cd "$rd" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp.$$/initrd.cpio.gz"
cp "$work/root/boot/vmlinuz-$version" "$out.tmp.$$/vmlinuz"
# The uncompressed kernel boots through its PVH entry and saves the ~3 s of decompression that a
# bzImage costs under TCG. Debian compresses with xz: find the stream and unpack it.
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$out.tmp.$$/vmlinuz" | head -n 1 | cut -d: -f1 || true)
if [ -n "$offset" ] && command -v xz >/dev/null; then
  # xz complains about the bytes after its stream; the ELF check below is what counts.
  tail -c "+$((offset + 1))" "$out.tmp.$$/vmlinuz" | xz -dc > "$out.tmp.$$/vmlinux" 2>/dev/null || true
fi
if [ -s "$out.tmp.$$/vmlinux" ] &&
   [ "$(head -c 4 "$out.tmp.$$/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
  step "extracted the uncompressed vmlinux (PVH boot)"
else
  rm -f "$out.tmp.$$/vmlinux"
fi
echo "$version" > "$out.tmp.$$/version"
# Another build may have finished first: keep whichever landed.
mv -T "$out.tmp.$$" "$out" 2>/dev/null || rm -rf "$out.tmp.$$"
step "guest ready in $out"
printf '%s\n' "$out"
