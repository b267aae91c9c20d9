#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Guest disk throughput through vhost-device-scsi versus QEMU's in-process virtio-scsi-pci +
# scsi-hd, alternating the two (one guest boot each) for ROUNDS rounds (default 3):
#   sequential read and write: busybox dd, 1 MiB blocks, O_DIRECT (iflag/oflag=direct), MiB MB
#   random read: randread.c, 4 KiB O_DIRECT reads at queue depth 1, COUNT reads, IOPS
# Both disks are copies of the same random-filled image; QEMU's uses its default cache mode
# (writeback, page cache) like the daemon (buffered FileChannel I/O).
# Usage: device-scsi/tools/measure-scsi.sh [ROUNDS] [MiB] [COUNT]
#   (needs the daemon built: ./mvnw -f device-scsi/pom.xml package; LAUNCHER=... to override)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
mib=${2:-64}
count=${3:-2000}
launcher=${LAUNCHER:-$(ls "$root"/device-scsi/target*/bin/vhost-device-scsi 2>/dev/null | head -n 1)}
[ -x "$launcher" ] || { echo "build the daemon first (no vhost-device-scsi launcher)" >&2; exit 1; }
guest=$("$root/tools/guest/build-guest.sh")
kernel="$guest/vmlinuz"
[ -e "$guest/vmlinux" ] && kernel="$guest/vmlinux"
accel=tcg
[ -w /dev/kvm ] && accel=kvm
work=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT

size_mib=$((mib * 2))
dd if=/dev/urandom of="$work/ours.img" bs=1M count="$size_mib" status=none
cp "$work/ours.img" "$work/qemu.img"

mkdir -p "$work/extra/bin"
gcc -static -O2 -o "$work/extra/bin/randread" "$here/randread.c"
cat > "$work/extra/test.sh" <<GUEST
#!/bin/sh
set -e
now() { cut -d' ' -f1 /proc/uptime; }
i=0
while [ ! -e /sys/block/sda/size ]; do
  i=\$((i + 1)); [ \$i -lt 600 ] || { ls /sys/block; exit 1; }; sleep 0.1
done
s=\$(now); dd if=/dev/sda of=/dev/null bs=1M count=$mib iflag=direct 2>/dev/null; e=\$(now)
echo "VHD-MEASURE seqread \$s \$e"
s=\$(now); dd if=/dev/zero of=/dev/sda bs=1M count=$mib oflag=direct 2>/dev/null; e=\$(now)
echo "VHD-MEASURE seqwrite \$s \$e"
echo "VHD-MEASURE randread \$(/bin/randread /dev/sda $count)"
GUEST
chmod +x "$work/extra/test.sh"
(cd "$work/extra" && printf '%s\n' bin bin/randread test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
base_size=$(stat -c %s "$guest/initrd.cpio.gz")
cp "$guest/initrd.cpio.gz" "$work/initrd.img"
# The kernel looks for the next archive at a 4-byte boundary.
truncate -s $(( (base_size + 3) / 4 * 4 )) "$work/initrd.img"
cat "$work/test.cpio" >> "$work/initrd.img"

"$launcher" --socket-path "$work/scsi.sock" "$work/ours.img" 2> "$work/daemon.log" &
daemon=$!
for _ in $(seq 1 600); do [ -S "$work/scsi.sock" ] && break; sleep 0.05; done

# One guest, one disk: prints "seqread MiB/s", "seqwrite MiB/s", "randread IOPS" lines.
boot() {
  timeout "${TIMEOUT:-900}" qemu-system-x86_64 -M q35 -accel "$accel" -m 256 -smp 1 -nographic \
    -no-reboot -nodefaults -serial stdio -kernel "$kernel" -initrd "$work/initrd.img" \
    -append "console=ttyS0 quiet panic=-1" \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem "$@" \
    2>&1 | tr -d '\r' | tee -a "$work/console.txt" | awk -v mib="$mib" '
      /^VHD-MEASURE seq/ { printf "%.1f\n", mib / ($4 - $3) }
      /^VHD-MEASURE randread/ { print $3 }' | paste -sd' '
}

echo "accel=$accel, ${mib} MiB per sequential pass (1 MiB O_DIRECT), $count random 4 KiB O_DIRECT reads (QD1)"
printf '%-5s  %-21s  %-21s  %-21s\n' round "seq read MiB/s" "seq write MiB/s" "rand 4K read IOPS"
printf '%-5s  %-10s %-10s  %-10s %-10s  %-10s %-10s\n' "" ours qemu ours qemu ours qemu
for r in $(seq 1 "$rounds"); do
  read -r o_sr o_sw o_rr <<< "$(boot -chardev socket,id=c0,path="$work/scsi.sock" \
    -device vhost-user-scsi-pci,chardev=c0,num_queues=1)"
  read -r q_sr q_sw q_rr <<< "$(boot -drive file="$work/qemu.img",format=raw,if=none,id=d0 \
    -device virtio-scsi-pci,id=vs0,num_queues=1 -device scsi-hd,drive=d0,bus=vs0.0)"
  printf '%-5d  %-10s %-10s  %-10s %-10s  %-10s %-10s\n' "$r" "${o_sr:--}" "${q_sr:--}" \
    "${o_sw:--}" "${q_sw:--}" "${o_rr:--}" "${q_rr:--}"
done
