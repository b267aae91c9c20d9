#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# vhost-device-rng start-up: ms from exec to the listening socket (median and min of RUNS), and
# RSS after a guest connected and read 16 KiB, for several JVM flag sets.
# Usage: tools/measure-startup.sh [RUNS]   (after ./mvnw package; the guest needs QEMU)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
. "$root/build-support/find-jdk.sh"
java="$(vhd_find_jdk 25)/bin/java"
jar="$root/device-rng/target/bin/vhost-device-rng.jar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
guest=$("$root/tools/guest/build-guest.sh")
mkdir -p "$work/extra"
printf '#!/bin/sh\nhead -c 16384 /dev/hwrng > /dev/null\n' > "$work/extra/test.sh"
chmod +x "$work/extra/test.sh"
(cd "$work/extra" && echo test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
cat "$guest/initrd.cpio.gz" "$work/test.cpio" > "$work/initrd.img"
kernel="$guest/vmlinux"; [ -f "$kernel" ] || kernel="$guest/vmlinuz"

start() { # flags... ; sets $ms (exec to listening socket) and leaves $pid running
  rm -f "$work/s.sock0"
  local s e
  s=$(date +%s%N)
  "$java" "$@" --enable-native-access=ALL-UNNAMED -jar "$jar" -s "$work/s.sock" \
    > /dev/null 2>&1 &
  pid=$!
  while [ ! -S "$work/s.sock0" ]; do sleep 0.002; done
  e=$(date +%s%N)
  ms=$(( (e - s) / 1000000 ))
}

measure() { # name flags...
  local name=$1; shift
  local times=() t
  for _ in $(seq 1 "$runs"); do
    start "$@"; times+=("$ms")
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  local sorted med min rss
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  med=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  min=$(echo "$sorted" | head -n 1)
  start "$@"
  timeout 120 qemu-system-x86_64 -M q35 -accel tcg -m 256 -smp 1 -nographic -no-reboot -nodefaults \
    -serial null -kernel "$kernel" -initrd "$work/initrd.img" \
    -append "console=ttyS0 quiet panic=-1 rng_core.default_quality=0" \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
    -chardev socket,id=rng0,path="$work/s.sock0" -device vhost-user-rng-pci,chardev=rng0
  rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '| %-44s | %6s | %6s | %6s |\n' "$name" "$med" "$min" "$rss"
}

printf '| %-44s | %6s | %6s | %6s |\n' "JVM flags" "med ms" "min ms" "RSS MiB"
measure "default (G1)"
measure "-XX:+UseSerialGC -Xss256k (the launcher's)" -XX:+UseSerialGC -Xss256k
measure "SerialGC + -Xmx64m" -XX:+UseSerialGC -Xss256k -Xmx64m
"$java" -XX:+UseSerialGC -Xss256k -XX:ArchiveClassesAtExit="$work/app.jsa" --enable-native-access=ALL-UNNAMED -jar "$jar" --print-capabilities > /dev/null 2>&1 || true
measure "SerialGC + AppCDS (--print-capabilities run)" -XX:+UseSerialGC -Xss256k -XX:SharedArchiveFile="$work/app.jsa"
measure "SerialGC + -XX:TieredStopAtLevel=1" -XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1
