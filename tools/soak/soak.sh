#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Soak test (on demand, not in CI): a real guest does rng, scsi and vsock I/O without pause for
# MINUTES (default 30) while a second frontend connects to and disconnects from another socket
# of the rng daemon once a second. Every 30 s the daemons' RSS, RssAnon, descriptor and thread
# counts and JVM young/old generation (jcmd) are sampled into samples.csv; summary.md gets
# first/last/min/max per daemon, the guest's progress and the reconnect count, and says FAIL when
# a daemon died, QEMU ended early, the guest stopped making progress or reported bad data, a
# reconnect failed, or an fd/thread count's floor rose in the second half of the run (memory is
# reported, not judged).
#
#   tools/soak/soak.sh [MINUTES]
#
# Needs the daemons built (./mvnw package), QEMU and the guest tools (tools/guest/build-guest.sh).
# Environment: SOAK_OUT (result directory, default target/soak-<date> under the project root),
# RNG_BIN / SCSI_BIN / VSOCK_BIN (launchers; default device-*/target/bin/...), SOAK_INTERVAL
# (seconds, 30). The host end of the vsock traffic is socat (Debian package socat).
set -euo pipefail

minutes=${1:-30}
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
rng_bin=${RNG_BIN:-$root/device-rng/target/bin/vhost-device-rng}
scsi_bin=${SCSI_BIN:-$root/device-scsi/target/bin/vhost-device-scsi}
vsock_bin=${VSOCK_BIN:-$root/device-vsock/target/bin/vhost-device-vsock}
interval=${SOAK_INTERVAL:-30}
out=${SOAK_OUT:-$root/target/soak-$(date -u +%Y%m%dT%H%M%SZ)}
command -v socat >/dev/null || { echo "soak: socat is missing (apt-get install socat)" >&2; exit 2; }
for b in "$rng_bin" "$scsi_bin" "$vsock_bin"; do
  [ -x "$b" ] || { echo "soak: $b is missing: build it first (./mvnw package)" >&2; exit 2; }
done
mkdir -p "$out"
work=$(mktemp -d /tmp/vhd-soak.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

guest=$("$root/tools/guest/build-guest.sh")
guest=$(printf '%s\n' "$guest" | tail -n 1)
kernel=$guest/vmlinux
[ -e "$kernel" ] || kernel=$guest/vmlinuz

# The daemons: rng with two sockets (guest on 0, reconnecting frontend on 1), scsi with a
# 256 MiB sparse image.
truncate -s 256M "$work/disk.img"
"$rng_bin" -s "$work/rng.sock" -c 2 >"$out/rng.log" 2>&1 &
pids+=($!); rng_pid=$!
"$scsi_bin" -s "$work/scsi.sock" "$work/disk.img" >"$out/scsi.log" 2>&1 &
pids+=($!); scsi_pid=$!
for s in rng.sock0 rng.sock1 scsi.sock; do
  for _ in $(seq 600); do [ -S "$work/$s" ] && break; sleep 0.1; done
  [ -S "$work/$s" ] || { echo "soak: no socket $s" >&2; exit 1; }
done
# The launchers exec java, so these are the JVMs' pids.

# vsock: guest CID 3; guest->host connections to port 6001 reach $work/vm.vsock_6001, where socat
# echoes every byte back (the guest checks each connection's checksum).
"$vsock_bin" --guest-cid 3 --socket "$work/vsock.sock" --uds-path "$work/vm.vsock" \
  >"$out/vsock.log" 2>&1 &
pids+=($!); vsock_pid=$!
socat "UNIX-LISTEN:$work/vm.vsock_6001,fork" EXEC:cat 2>"$out/socat.log" &
pids+=($!)
for _ in $(seq 600); do [ -S "$work/vsock.sock" ] && break; sleep 0.1; done
[ -S "$work/vsock.sock" ] || { echo "soak: no socket vsock.sock" >&2; exit 1; }

# The guest: rng reads, scsi direct-I/O write + read-back and 4 echoed vsock connections of
# 64 KiB each per round, forever.
mkdir -p "$work/extra"
cat > "$work/extra/test.sh" <<'GUEST'
#!/bin/sh
set -e
disk=""
while [ -z "$disk" ]; do
  for d in /sys/block/sd*; do [ -e "$d/size" ] && disk=$(basename "$d"); done
  sleep 0.2
done
echo "SOAK disk=$disk rng=$(cat /sys/class/misc/hw_random/rng_current)"
dd if=/dev/urandom of=/tmp/pat bs=64k count=16 2>/dev/null
want=$(md5sum < /tmp/pat | cut -d' ' -f1)
i=0
while true; do
  n=$(head -c 4096 /dev/hwrng | wc -c)
  [ "$n" -eq 4096 ] || { echo "SOAK-RNG-SHORT $n"; exit 1; }
  off=$(( (i % 200) * 16 ))
  dd if=/tmp/pat of=/dev/$disk bs=64k seek=$off oflag=direct 2>/dev/null
  got=$(dd if=/dev/$disk bs=64k skip=$off count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "SOAK-SCSI-MISMATCH round $i"; exit 1; }
  v=$(vt multi 2 6001 4 65536 2>&1 | tail -n 1)
  case "$v" in *"conns=4 bad=0"*) ;; *) echo "SOAK-VSOCK-BAD round $i: $v"; exit 1 ;; esac
  i=$((i + 1))
  echo "SOAK-ROUND $i"
done
GUEST
chmod +x "$work/extra/test.sh"
(cd "$work/extra" && echo test.sh | cpio -o -H newc --quiet) > "$work/test.cpio"
size=$(stat -c %s "$guest/initrd.cpio.gz")
{ cat "$guest/initrd.cpio.gz"; head -c $(( (4 - size % 4) % 4 )) /dev/zero; cat "$work/test.cpio"; } \
  > "$work/initrd.img"
# no_timer_check: under TCG on a loaded host the kernel's early IO-APIC timer check can fail
# and panic the guest ("IO-APIC + timer doesn't work!"), which ends a long run for nothing.
accel=tcg
[ -w /dev/kvm ] && [ "${VHD_GUEST_ACCEL:-}" != tcg ] && accel=${VHD_GUEST_ACCEL:-kvm}
qemu-system-x86_64 -M q35 -accel "$accel" -m 256 -smp 1 -nographic -no-reboot -nodefaults \
  -serial stdio -kernel "$kernel" -initrd "$work/initrd.img" \
  -append "console=ttyS0 quiet panic=-1 rng_core.default_quality=0 no_timer_check" \
  -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
  -chardev "socket,id=rng0,path=$work/rng.sock0" -device vhost-user-rng-pci,chardev=rng0 \
  -chardev "socket,id=scsi0,path=$work/scsi.sock" \
  -device vhost-user-scsi-pci,chardev=scsi0,num_queues=1 \
  -chardev "socket,id=vs0,path=$work/vsock.sock" -device vhost-user-vsock-pci,chardev=vs0 \
  </dev/null >"$out/console.txt" 2>&1 &
pids+=($!); qemu_pid=$!

# The reconnecting frontend on the rng daemon's second socket.
# shellcheck source=/dev/null
. "$(dirname "$rng_bin")/find-jdk.sh"
java_bin=$(vhd_find_jdk 25)/bin/java
jcmd_bin=$(dirname "$java_bin")/jcmd
"$java_bin" --enable-native-access=ALL-UNNAMED -cp "$(dirname "$rng_bin")/vhost-device-rng.jar" \
  "$root/tools/soak/ReconnectLoop.java" "$work/rng.sock1" "$work/reconnect.status" \
  2>"$out/reconnect.log" &
pids+=($!)

# RSS includes the guest RAM the daemon has touched through its shared mapping (RssShmem),
# which grows with the guest's I/O; RssAnon (heap, stacks, JIT) is the daemon's own memory.
# RssAnon also holds the untouched-until-used young generation (eden is ~100 MiB by default and
# is touched page by page until the first young GC), so the heap is sampled too (jcmd): the old
# generation ("old_kb") is where a leak would show.
sample() { # daemon pid -> "rss_kb,rss_anon_kb,fds,threads,young_kb,old_kb"
  local p=$1
  if [ -d "/proc/$p" ]; then
    printf '%s,%s,%s,%s,%s' "$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")" \
      "$(awk '/^RssAnon:/ {print $2}' "/proc/$p/status")" \
      "$(ls "/proc/$p/fd" | wc -l)" "$(awk '/^Threads:/ {print $2}' "/proc/$p/status")" \
      "$("$jcmd_bin" "$p" GC.heap_info 2>/dev/null | awk '
        /^ *(DefNew|def new generation)/ { y = $0 } /^ *(Tenured|tenured generation)/ { o = $0 }
        function used(l,  i, n, f) { n = split(l, f, /[ ,]+/)
          for (i = 1; i < n; i++) if (f[i] == "used") { sub(/K$/, "", f[i + 1]); return f[i + 1] }
          return "" }
        END { printf "%s,%s", used(y), used(o) }')"
  else
    printf 'dead,dead,dead,dead,dead,dead'
  fi
}
rounds() { grep -c '^SOAK-ROUND' "$out/console.txt" 2>/dev/null || true; }

echo "elapsed_s,rng_rss_kb,rng_rss_anon_kb,rng_fds,rng_threads,rng_young_kb,rng_old_kb,scsi_rss_kb,scsi_rss_anon_kb,scsi_fds,scsi_threads,scsi_young_kb,scsi_old_kb,vsock_rss_kb,vsock_rss_anon_kb,vsock_fds,vsock_threads,vsock_young_kb,vsock_old_kb,guest_rounds,reconnects,reconnect_failures" \
  > "$out/samples.csv"
early=0
start=$(date +%s)
end=$((start + minutes * 60))
while true; do
  now=$(date +%s)
  st=$(cat "$work/reconnect.status" 2>/dev/null || echo "cycles=0 failures=0")
  cyc=${st#cycles=}; cyc=${cyc%% *}
  fail=${st##*failures=}
  echo "$((now - start)),$(sample "$rng_pid"),$(sample "$scsi_pid"),$(sample "$vsock_pid"),$(rounds),$cyc,$fail" \
    >> "$out/samples.csv"
  [ "$now" -ge "$end" ] && break
  kill -0 "$qemu_pid" 2>/dev/null || { echo "soak: QEMU ended early" >&2; early=1; break; }
  sleep $(( interval < end - now ? interval : end - now ))
done

# Summary.
python3 - "$out" "$minutes" "$early" <<'PY'
import csv, sys
out, minutes, early = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
rows = list(csv.DictReader(open(f"{out}/samples.csv")))
console = open(f"{out}/console.txt", errors="replace").read()
verdict, lines = "PASS", []
def col(name):
    return [r[name] for r in rows]
lines.append(f"# Soak: {minutes} min, {len(rows)} samples\n")
lines.append("| daemon | metric | first | last | min | max | 2nd half growth |")
lines.append("| --- | --- | --- | --- | --- | --- | --- |")
for d in ("rng", "scsi", "vsock"):
    for m, unit in (("rss_kb", "RSS KiB (with guest RAM)"), ("rss_anon_kb", "RssAnon KiB"),
                    ("fds", "fds"), ("threads", "threads"), ("young_kb", "heap young KiB"),
                    ("old_kb", "heap old KiB")):
        v = col(f"{d}_{m}")
        if "dead" in v:
            verdict = "FAIL"
            lines.append(f"| {d} | {unit} | died | | | | |")
            continue
        if "" in v:
            lines.append(f"| {d} | {unit} | not sampled (jcmd) | | | | |")
            continue
        v = [int(x) for x in v]
        half = v[len(v) // 2:]
        growth = half[-1] - half[0]
        lines.append(f"| {d} | {unit} | {v[0]} | {v[-1]} | {min(v)} | {max(v)} | {growth:+d} |")
        # Counts move with the connections open at the moment of a sample (the reconnect loop,
        # vsock rounds): a leak is a floor that rises, so compare the lowest of the last three
        # samples with the highest of the first three of the second half.
        if m in ("fds", "threads") and len(half) >= 6 and min(half[-3:]) > max(half[:3]):
            verdict = "FAIL"
rounds = [int(x) for x in col("guest_rounds")]
if early:
    verdict = "FAIL"; lines.append("- QEMU ended before the end of the run (see console.txt)")
lines.append("")
lines.append(f"- guest rounds (4 KiB from /dev/hwrng, 1 MiB direct write and read-back, 4 echoed"
             f" vsock connections of 64 KiB): {rounds[-1]}")
lines.append(f"- reconnect cycles on rng.sock1: {rows[-1]['reconnects']}, failed: {rows[-1]['reconnect_failures']}")
if len(rounds) > 2 and rounds[-1] == rounds[len(rounds) // 2]:
    verdict = "FAIL"; lines.append("- the guest made no progress in the second half")
for bad in ("SOAK-RNG-SHORT", "SOAK-SCSI-MISMATCH", "SOAK-VSOCK-BAD", "VHD-RESULT: FAIL"):
    if bad in console:
        verdict = "FAIL"; lines.append(f"- guest reported {bad}")
if rows[-1]["reconnect_failures"] not in ("0", ""):
    verdict = "FAIL"
lines.append(f"\nVerdict: {verdict} (memory is reported, not judged: RSS includes the guest RAM"
             " the daemon touched, and the JVM heap grows until a full GC)")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if verdict == "PASS" else 1)
PY
