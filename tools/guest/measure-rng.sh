#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Guest /dev/hwrng throughput through vhost-device-rng versus QEMU's in-process virtio-rng-pci
# with rng-random on /dev/urandom, alternating the two in one run (ROUNDS each, default 3).
# The guest times `dd if=/dev/hwrng bs=4096 count=1024` (4 MiB) itself.
# Usage: tools/guest/measure-rng.sh [ROUNDS]     (needs the daemon built: ./mvnw package)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
launcher="$root/device-rng/target/bin/vhost-device-rng"
guest=$("$root/tools/guest/build-guest.sh")
work=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT

mkdir -p "$work/extra"
cat > "$work/extra/test.sh" <<'GUEST'
#!/bin/sh
s=$(cat /proc/uptime | cut -d' ' -f1)
dd if=/dev/hwrng of=/dev/null bs=4096 count=1024 2>/dev/null
e=$(cat /proc/uptime | cut -d' ' -f1)
echo "VHD-MEASURE $s $e"
GUEST
chmod +x "$work/extra/test.sh"
(cd "$work/extra" && echo test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
cat "$guest/initrd.cpio.gz" "$work/test.cpio" > "$work/initrd.img"

boot() {
  qemu-system-x86_64 -M q35 -accel tcg -m 256 -smp 1 -nographic -no-reboot -nodefaults \
    -serial stdio -kernel "$guest/vmlinuz" -initrd "$work/initrd.img" \
    -append "console=ttyS0 quiet panic=-1 rng_core.default_quality=0" \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem "$@" |
    awk '/VHD-MEASURE/ { printf "%.0f\n", 4096 / ($3 - $2) }'
}

"$launcher" --socket-path "$work/rng.sock" 2> "$work/daemon.log" &
daemon=$!
for _ in $(seq 1 300); do [ -S "$work/rng.sock0" ] && break; sleep 0.05; done

echo "round  vhost-device-rng (KiB/s)  qemu virtio-rng-pci (KiB/s)"
for i in $(seq 1 "$rounds"); do
  ours=$(boot -chardev socket,id=rng0,path="$work/rng.sock0" -device vhost-user-rng-pci,chardev=rng0)
  theirs=$(boot -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0)
  printf '%5d  %24s  %27s\n' "$i" "$ours" "$theirs"
done
