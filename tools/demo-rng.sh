#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# See it work: boots a throw-away Linux VM whose virtio-rng device is served by our
# vhost-device-rng daemon, and shows the guest reading random bytes from it.
# Installs QEMU and friends with apt-get if they are missing (as root), builds the daemon and
# the guest (cached), then cleans up after itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "run as root, or install them first: apt-get install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

launcher="$root/device-rng/target/bin/vhost-device-rng"
if [ ! -x "$launcher" ]; then
  step "building vhost-device-rng (./mvnw package)"
  (cd "$root" && ./mvnw -q -B -pl device-rng -am package -DskipTests -Djacoco.skip=true)
fi

step "preparing the guest kernel and initramfs (cached after the first run)"
guest=$("$root/tools/guest/build-guest.sh")

work=$(mktemp -d)
daemon=""
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step "starting vhost-device-rng on $work/rng.sock0"
"$launcher" --socket-path "$work/rng.sock" 2> "$work/daemon.log" &
daemon=$!
for _ in $(seq 1 300); do [ -S "$work/rng.sock0" ] && break; sleep 0.05; done
[ -S "$work/rng.sock0" ] || { cat "$work/daemon.log" >&2; exit 1; }

mkdir -p "$work/extra"
cat > "$work/extra/test.sh" <<'GUEST'
#!/bin/sh
echo
echo "guest: hw_random device in use: $(cat /sys/class/misc/hw_random/rng_current)"
echo "guest: 64 bytes from /dev/hwrng, served by the Java daemon:"
head -c 64 /dev/hwrng | od -An -tx1
echo "guest: reading 1 MiB takes:"
time head -c 1048576 /dev/hwrng > /dev/null
GUEST
chmod +x "$work/extra/test.sh"
(cd "$work/extra" && echo test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
cat "$guest/initrd.cpio.gz" "$work/test.cpio" > "$work/initrd.img"

step "booting the VM (QEMU, software emulation: a few seconds)"
qemu-system-x86_64 -M q35 -accel tcg -m 256 -smp 1 -nographic -no-reboot -nodefaults \
  -serial stdio -kernel "$guest/vmlinuz" -initrd "$work/initrd.img" \
  -append "console=ttyS0 quiet panic=-1 rng_core.default_quality=0" \
  -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
  -chardev socket,id=rng0,path="$work/rng.sock0" \
  -device vhost-user-rng-pci,chardev=rng0 | grep -E '^(guest|real|user|sys| [0-9a-f]{2} )'

step "done; the daemon's log:"
sed 's/^/    /' "$work/daemon.log"
