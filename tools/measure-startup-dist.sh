#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Start-up of vhost-device-rng as users run it: ms from exec to the listening socket (median and
# min of RUNS) and the CPU ms the process had used by then (user+sys, all threads), for
#   - the build's launcher without class-data sharing (the state before issue 4),
#   - the build's launcher with its self-made dynamic AppCDS archive (warm),
#   - the packaged launcher: bundled jlink runtime + the AOT cache trained at build time,
# plus `java -version` on the bundled runtime as the floor. The load average is printed: wall
# times on a busy machine say little; CPU ms less so.
# Usage: tools/measure-startup-dist.sh [RUNS]   (after ./mvnw -DskipTests package)
#        tools/measure-startup-dist.sh RUNS LAUNCHER...   (only these rng launchers, interleaved
#        round by round: for comparing variants of one step under the same machine load)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-9}
dev="$root/device-rng/target/bin/vhost-device-rng"
pkg="$root/dist/target/dist/root/usr/bin/vhost-device-rng"
[ -x "$dev" ] && [ -x "$pkg" ] || { echo "build first: ./mvnw -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)

measure() { # name cmd...
  local name=$1; shift
  local walls=() cpus=() s e pid st
  for _ in $(seq 1 "$runs"); do
    rm -f "$work/s.sock0"
    s=$(date +%s%N)
    "$@" -s "$work/s.sock" > /dev/null 2>&1 &
    pid=$!
    while [ ! -S "$work/s.sock0" ]; do sleep 0.001; done
    e=$(date +%s%N)
    read -r -a st < "/proc/$pid/stat"
    walls+=($(( (e - s) / 1000000 )))
    cpus+=($(( (st[13] + st[14]) * 1000 / tck )))
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  printf '| %-52s | %6s | %6s | %6s |\n' "$name" \
    "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" \
    "$(printf '%s\n' "${walls[@]}" | sort -n | head -n 1)" \
    "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
if [ $# -gt 1 ]; then
  shift
  printf '| %-52s | %6s | %6s | %6s |\n' "launcher" "med ms" "min ms" "CPU ms"
  for round in 1 2 3; do
    for l in "$@"; do
      measure "round $round: $l" "$l"
    done
  done
  exit 0
fi
floor=()
for _ in $(seq 1 "$runs"); do
  s=$(date +%s%N)
  "$root/dist/target/dist/root/usr/lib/vhost-device/runtime/bin/java" -XX:+UseSerialGC -version 2>/dev/null
  floor+=($(( ($(date +%s%N) - s) / 1000000 )))
done
echo "java -version on the bundled runtime: median $(printf '%s\n' "${floor[@]}" | sort -n |
  sed -n "$(( (runs + 1) / 2 ))p") ms"
printf '| %-52s | %6s | %6s | %6s |\n' "launcher" "med ms" "min ms" "CPU ms"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 54))" "--------" "--------" "--------"
VHOST_DEVICE_CDS_DIR=/proc/nonexistent measure "build launcher, no CDS" "$dev"
export VHOST_DEVICE_CDS_DIR="$work/cds"
"$dev" --print-capabilities > /dev/null 2>&1   # writes the dynamic archive
measure "build launcher, dynamic AppCDS (warm)" "$dev"
unset VHOST_DEVICE_CDS_DIR
measure "package launcher: jlink runtime + AOT cache" "$pkg"
# Classes the package launcher still generates at run time, which no AOT cache can hold:
# annotation proxies and method-handle lambda forms (0 since the CLI model, docs/performance.md).
generated=$(VHOST_DEVICE_JAVA_OPTS=-Xlog:class+load=info "$pkg" --print-capabilities 2>/dev/null |
  grep -c -e '__dynamic_proxy__' -e '__JVM_LookupDefineClass__' || true)
echo "classes generated at run time by the package launcher (--print-capabilities): $generated"
