// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * QEMU killed (SIGKILL) while its guest writes to an ext4 file system on the daemon's disk: the
 * daemon logs the disconnect and gives back every descriptor, guest-memory mapping and worker
 * thread of that session; a second guest on the same daemon replays the journal, finds the
 * file that was synced before the kill intact, and e2fsck finds the file system clean.
 */
@Tag("guest")
class ScsiFaultIT {
  private static final Duration BOOT = Duration.ofSeconds(420);
  private static final long SIZE = 64L << 20;
  private static final String WORKER = "vhost-scsi-wor"; // comm is cut at 15 characters

  private static final String FIND_DISK = """
      disk=""
      i=0
      while [ -z "$disk" ]; do
        for d in /sys/block/sd*; do
          [ -e "$d/size" ] && [ "$(cat "$d/size")" = "%d" ] && disk=$(basename "$d")
        done
        [ -n "$disk" ] && break
        i=$((i + 1)); [ $i -lt 600 ] || { echo "disk missing:"; ls /sys/block; exit 1; }
        sleep 0.1
      done
      """.formatted(SIZE / 512);

  private static final String WRITER = FIND_DISK + """
      /usr/sbin/mke2fs -q -F -t ext4 /dev/$disk
      mkdir -p /mnt
      mount -t ext4 /dev/$disk /mnt
      dd if=/dev/urandom of=/mnt/before bs=1M count=2 2>/dev/null
      sync
      echo "BEFORE-MD5=$(md5sum < /mnt/before | cut -d' ' -f1)"
      i=0
      while true; do
        dd if=/dev/urandom of=/mnt/f$((i % 4)) bs=64k count=64 conv=fsync 2>/dev/null
        i=$((i + 1))
        echo "ROUND $i"
      done
      """;

  private static final String CHECKER = FIND_DISK + """
      mkdir -p /mnt
      mount -t ext4 /dev/$disk /mnt
      echo "AFTER-MD5=$(md5sum < /mnt/before | cut -d' ' -f1)"
      umount /mnt
      /usr/sbin/e2fsck -fn /dev/$disk
      echo "FSCK-CLEAN"
      """;

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  private static List<String> scsiDevice(Path socket) {
    return List.of("-chardev", "socket,id=c0,path=" + socket,
        "-device", "vhost-user-scsi-pci,chardev=c0,num_queues=1");
  }

  private static String console(Path work) throws Exception {
    Path c = work.resolve("console.txt");
    return Files.exists(c) ? Files.readString(c, StandardCharsets.ISO_8859_1) : "";
  }

  private static String find(String console, String key) {
    Matcher m = Pattern.compile(key + "=([0-9a-f]{32})").matcher(console);
    assertTrue(m.find(), key + " missing:\n" + console);
    return m.group(1);
  }

  @Test
  void killingQemuMidWriteLeavesNothingBehindAndTheNextGuestFindsACleanDisk() throws Exception {
    Path image = dir.resolve("disk.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(SIZE);
    }
    Path sock = dir.resolve("scsi.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", sock.toString(), image.toString())) {
      long pid = ProcSnapshot.daemonPid(sock);
      ProcSnapshot idle = ProcSnapshot.of(pid);

      Path work1 = Files.createDirectories(dir.resolve("writer"));
      Process qemu = GuestVm.start(WRITER, scsiDevice(sock), work1);
      long deadline = System.nanoTime() + BOOT.toNanos();
      while (!console(work1).contains("ROUND 3")) {
        assertTrue(qemu.isAlive() && System.nanoTime() < deadline,
            "the guest did not start writing:\n" + console(work1) + "\n--- daemon ---\n" + d.log());
        Thread.sleep(200);
      }
      ProcSnapshot busy = ProcSnapshot.of(pid);
      assertTrue(busy.memfdMappings() > 0, "guest memory is mapped while the guest runs: " + busy);
      assertTrue(busy.threadsNamed(WORKER) > 0, "a worker runs: " + busy.threads());
      qemu.destroyForcibly(); // SIGKILL in the middle of a write round
      assertTrue(qemu.waitFor(30, TimeUnit.SECONDS));
      String before = find(console(work1), "BEFORE-MD5");

      ProcSnapshot after = ProcSnapshot.of(pid);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((after.memfdMappings() > 0 || after.threadsNamed(WORKER) > 0
          || after.sessionFds() != idle.sessionFds()) && System.nanoTime() < until) {
        Thread.sleep(200);
        after = ProcSnapshot.of(pid);
      }
      assertEquals(0, after.memfdMappings(), "guest memory still mapped: " + after);
      assertEquals(0, after.threadsNamed(WORKER), "worker threads left: " + after.threads());
      assertEquals(idle.sessionFds(), after.sessionFds(),
          "descriptors before " + idle.fds() + "\nafter " + after.fds());
      assertTrue(after.fds().size() <= idle.fds().size() + 2,
          "descriptors before " + idle.fds() + "\nafter " + after.fds());
      assertTrue(d.isAlive(), d.log());
      String log = d.log();
      assertTrue(log.contains("frontend disconnected") || log.contains("ended"), log);

      GuestVm.Result check = GuestVm.boot(CHECKER, scsiDevice(sock), BOOT,
          Files.createDirectories(dir.resolve("checker")));
      assertTrue(check.passed(), check.console() + "\n--- daemon ---\n" + d.log());
      assertTrue(check.console().contains("FSCK-CLEAN"), check.console());
      assertEquals(before, find(check.console(), "AFTER-MD5"), "the file synced before the kill");
      System.err.printf("[ScsiFaultIT] idle: %d fds (%d session), %d threads; busy: %d fds,"
              + " %d memfd mappings, %d threads; after the kill: %d fds (%d session), %d threads%n",
          idle.fds().size(), idle.sessionFds(), idle.threads().size(), busy.fds().size(),
          busy.memfdMappings(), busy.threads().size(), after.fds().size(), after.sessionFds(),
          after.threads().size());
      assertEquals(0, d.stop(), d.log());
    }
  }
}
