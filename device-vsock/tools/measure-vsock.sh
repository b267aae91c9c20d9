#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Throughput and connection-setup rate of vhost-device-vsock with a real Linux guest (the
# project's test guest, tools/guest/build-guest.sh, whose /usr/bin/vt is built by
# tools/guest/extras.d/vsock.sh), then the engine's per-packet cost without a guest
# (EngineCost). Prints markdown tables for docs/performance.md.
#
# Usage (from the project root, after building the module):
#   ./mvnw -B -q -f device-vsock/pom.xml -Dbuild.dir.name=target-vsock -DskipTests package
#   device-vsock/tools/measure-vsock.sh [BUILD_DIR]       # default device-vsock/target-vsock
# Needs qemu-system-x86_64, socat, cpio, gzip. Uses KVM when /dev/kvm is usable, else TCG.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/device-vsock/target-vsock}
launcher=$build/bin/vhost-device-vsock
[ -x "$launcher" ] || { echo "measure-vsock: no launcher at $launcher (build first)" >&2; exit 1; }
for tool in qemu-system-x86_64 socat cpio gzip; do
  command -v "$tool" >/dev/null || { echo "measure-vsock: $tool is missing" >&2; exit 1; }
done
guest=$(bash "$root/tools/guest/build-guest.sh")
accel=tcg
[ -w /dev/kvm ] && accel=kvm
kernel=$guest/vmlinux
[ -f "$kernel" ] || kernel=$guest/vmlinuz

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

MIB=$((1 << 20))
sizes="64 4096 65536"
# Small writes move far fewer bytes in the same time: keep each run short under TCG.
bytes_for() { if [ "$1" -eq 64 ]; then echo $((4 * MIB)); else echo $((64 * MIB)); fi; }
SETUPS=${SETUPS:-500}

script=$work/extra/test.sh
mkdir -p "$work/extra"
{
  echo '#!/bin/sh'
  echo 'set -e'
  for s in $sizes; do echo "vt send 2 6000 $(bytes_for "$s") $s 1"; done
  for s in $sizes; do echo "vt recv 5000"; done
  echo "vt setup 2 6002 $SETUPS"
} > "$script"
chmod +x "$script"
(cd "$work/extra" && echo test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
base=$guest/initrd.cpio.gz
cp "$base" "$work/initrd.img"
# Pad the compressed base to 4 bytes so the kernel finds the appended archive (as GuestVm does).
pad=$(( (4 - $(stat -c %s "$base") % 4) % 4 ))
head -c "$pad" /dev/zero >> "$work/initrd.img"
cat "$work/test.cpio" >> "$work/initrd.img"

sock=$work/vm.sock
uds=$work/vm.vsock
"$launcher" --guest-cid 3 --socket "$sock" --uds-path "$uds" > "$work/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/daemon.log" >&2; exit 1; }

# Host programs: a sink for guest->host data and an acceptor for the connection-setup run.
socat -b 65536 -u "UNIX-LISTEN:${uds}_6000,fork,backlog=64" OPEN:/dev/null &
pids+=($!)
socat -u "UNIX-LISTEN:${uds}_6002,fork,backlog=512" OPEN:/dev/null &
pids+=($!)

qemu-system-x86_64 -M q35 -accel "$accel" -m 256 -smp 1 -nographic -no-reboot -nodefaults \
  -serial stdio -kernel "$kernel" -initrd "$work/initrd.img" \
  -append "console=ttyS0 quiet panic=-1" \
  -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
  -chardev "socket,id=v0,path=$sock" -device vhost-user-vsock-pci,chardev=v0 \
  > "$work/console.txt" 2>&1 &
qemu=$!
pids+=($qemu)

# Host -> guest: each time the guest listens on 5000 again, send the next size.
n=0
for s in $sizes; do
  n=$((n + 1))
  while [ "$(grep -c 'listening on 5000' "$work/console.txt" || true)" -lt "$n" ]; do
    kill -0 "$qemu" 2>/dev/null || { cat "$work/console.txt" >&2; exit 1; }
    sleep 0.2
  done
  { printf 'CONNECT 5000\n'; head -c "$(bytes_for "$s")" /dev/zero; } \
    | socat -b "$s" -u - "UNIX-CONNECT:$uds"
done
wait "$qemu" || true
grep -q 'VHD-RESULT: PASS' "$work/console.txt" || { cat "$work/console.txt" "$work/daemon.log" >&2; exit 1; }

echo "guest: $(uname -m), accel $accel, 1 vCPU, 256 MiB; host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| direction | write size | bytes | ms | MiB/s |"
echo "| --- | ---: | ---: | ---: | ---: |"
i=0
grep -o 'vt-send bytes=[0-9]* sum=[0-9a-f]* ms=[0-9]*' "$work/console.txt" | while read -r _ b _ m; do
  set -- $sizes; shift $i; i=$((i + 1))
  b=${b#bytes=}; m=${m#ms=}
  echo "| guest→host | $1 B | $b | $m | $(awk -v b="$b" -v m="$m" 'BEGIN { printf "%.1f", b / 1048576 / (m / 1000) }') |"
done
i=0
grep -o 'vt-recv bytes=[0-9]* sum=[0-9a-f]* ms=[0-9]*' "$work/console.txt" | while read -r _ b _ m; do
  set -- $sizes; shift $i; i=$((i + 1))
  b=${b#bytes=}; m=${m#ms=}
  echo "| host→guest | $1 B | $b | $m | $(awk -v b="$b" -v m="$m" 'BEGIN { printf "%.1f", b / 1048576 / (m / 1000) }') |"
done
echo
grep -o 'vt-setup conns=[0-9]* ms=[0-9]*' "$work/console.txt" | while read -r _ c m; do
  c=${c#conns=}; m=${m#ms=}
  echo "connection setups (guest connect + close, to a host listener): $c in $m ms = $(awk -v c="$c" -v m="$m" 'BEGIN { printf "%.0f", c / (m / 1000) }')/s"
done

echo
echo "Engine cost without a guest (EngineCost, in-process rings, real Unix socket):"
echo
cd "$root"
cp=$("$root/mvnw" -B -q -o -f device-vsock/pom.xml -Dbuild.dir.name="$(basename "$build")" \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
. "$root/build-support/find-jdk.sh"
jdk=$(vhd_find_jdk 25)
"$jdk/bin/java" --enable-native-access=ALL-UNNAMED -cp "$build/test-classes:$build/classes:$cp" \
  org.vhostdevice.device.vsock.EngineCost "${ENGINE_SECONDS:-3}" 2>/dev/null
