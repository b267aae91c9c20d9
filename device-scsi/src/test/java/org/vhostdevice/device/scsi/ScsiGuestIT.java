// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
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
 * vhost-device-scsi processes under QEMU with a real Linux guest (virtio_scsi + sd), one disk per
 * guest: a writable 64 MiB disk and a read-only 8 MiB one. The first boot checks the size, a
 * direct-I/O pattern round trip (also checksummed on the host image) and mke2fs + mount + copy +
 * umount + fsck; the second, served by the same process, finds the file system and the file
 * intact. A third boot checks that the read-only LUN is read-only in the guest, reads the host
 * content, and refuses writes even when the guest kernel lets one through.
 *
 * <p>One vhost-user-scsi device per guest: with two SCSI HBAs in one guest the guest's SCSI scan
 * stalls under TCG, and with one it occasionally does (README, "Known issue"; a lost notification
 * between the vhost-user core and QEMU is suspected). A fourth boot runs two request queues in a
 * two-vCPU guest.
 */
@Tag("guest")
class ScsiGuestIT {
  private static final Duration BOOT = Duration.ofSeconds(420);
  private static final long RW_SIZE = 64L << 20;
  private static final long RO_SIZE = 8L << 20;
  private static final long PATTERN_AT = 60L << 20;
  private static final int PATTERN_SIZE = 4 << 20;

  /** Finds the disk of {@code blocks} 512-byte blocks as $disk, waiting for the SCSI scan. */
  private static String findDisk(long blocks) {
    return """
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
        echo "DISK $disk ro=$(cat /sys/block/$disk/ro)"
        """.formatted(blocks);
  }

  private static final String FIRST_BOOT = findDisk(RW_SIZE / 512) + """
      rw=$disk
      [ "$(cat /sys/block/$rw/ro)" = 0 ]
      dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
      want=$(md5sum < /tmp/pat | cut -d' ' -f1)
      dd if=/tmp/pat of=/dev/$rw bs=1M seek=60 oflag=direct conv=fsync 2>/dev/null
      back=$(dd if=/dev/$rw bs=1M skip=60 count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
      echo "PATTERN-MD5=$want READBACK-MD5=$back"
      [ "$back" = "$want" ]
      /usr/sbin/mke2fs -q -F -t ext4 /dev/$rw 56M
      mkdir -p /mnt
      mount -t ext4 /dev/$rw /mnt
      cp /tmp/pat /mnt/file
      cp /bin/busybox /mnt/busybox
      sync
      umount /mnt
      /usr/sbin/e2fsck -fn /dev/$rw
      echo "FSCK-CLEAN"
      echo 3 > /proc/sys/vm/drop_caches
      mount -t ext4 -o ro /dev/$rw /mnt
      [ "$(md5sum < /mnt/file | cut -d' ' -f1)" = "$want" ]
      cmp /bin/busybox /mnt/busybox
      umount /mnt
      after=$(dd if=/dev/$rw bs=1M skip=60 count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
      [ "$after" = "$want" ]
      """;

  private static final String READ_ONLY_BOOT = findDisk(RO_SIZE / 512) + """
      ro=$disk
      [ "$(cat /sys/block/$ro/ro)" = 1 ]
      echo "RO-MD5=$(dd if=/dev/$ro bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
      if dd if=/dev/zero of=/dev/$ro bs=4096 count=1 oflag=direct 2>/dev/null; then
        echo "the guest kernel wrote to a write-protected disk"; exit 1
      fi
      blockdev --setrw /dev/$ro
      if dd if=/dev/zero of=/dev/$ro bs=4096 count=1 oflag=direct 2>/dev/null; then
        echo "RO-WRITE-ACCEPTED"; exit 1
      fi
      echo "RO-WRITE-REFUSED"
      """;

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  private static List<String> scsiDevice(String id, Path socket) {
    return List.of("-chardev", "socket,id=" + id + ",path=" + socket,
        "-device", "vhost-user-scsi-pci,chardev=" + id + ",num_queues=1");
  }

  private static String md5(Path file, long offset, int length) throws Exception {
    byte[] b = new byte[length];
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(offset);
      f.readFully(b);
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  private static String find(String console, String key) {
    Matcher m = Pattern.compile(key + "=([0-9a-f]{32})").matcher(console);
    assertTrue(m.find(), key + " missing:\n" + console);
    return m.group(1);
  }

  private static GuestVm.Result boot(String script, Path socket, Path work) throws Exception {
    return GuestVm.boot(script, scsiDevice("c0", socket), BOOT, Files.createDirectories(work));
  }

  @Test
  void aGuestFormatsMountsAndChecksTheDiskAndASecondBootIsServed() throws Exception {
    Path rwImage = dir.resolve("rw.img");
    try (RandomAccessFile f = new RandomAccessFile(rwImage.toFile(), "rw")) {
      f.setLength(RW_SIZE);
    }
    Path sock = dir.resolve("rw.sock");
    try (DaemonProcess rw = DaemonProcess.start(sock, dir.resolve("rw.log"),
        "-s", sock.toString(), rwImage.toString())) {
      GuestVm.Result first = boot(FIRST_BOOT, sock, dir.resolve("boot1"));
      assertTrue(first.passed(), first.console() + "\n--- daemon ---\n" + rw.log());
      assertTrue(first.console().contains("FSCK-CLEAN"), first.console());
      // The host image holds exactly what the guest wrote.
      String pattern = find(first.console(), "PATTERN-MD5");
      assertEquals(pattern, md5(rwImage, PATTERN_AT, PATTERN_SIZE), "pattern on the host image");
      byte[] sb = new byte[2];
      try (RandomAccessFile f = new RandomAccessFile(rwImage.toFile(), "r")) {
        f.seek(1024 + 0x38);
        f.readFully(sb);
      }
      assertArrayEquals(new byte[] {0x53, (byte) 0xEF}, sb, "ext4 superblock magic on the host");

      GuestVm.Result second = boot(findDisk(RW_SIZE / 512) + """
          /usr/sbin/e2fsck -fn /dev/$disk
          mkdir -p /mnt
          mount -t ext4 -o ro /dev/$disk /mnt
          echo "FILE-MD5=$(md5sum < /mnt/file | cut -d' ' -f1)"
          umount /mnt
          """, sock, dir.resolve("boot2"));
      assertTrue(second.passed(), second.console() + "\n--- daemon ---\n" + rw.log());
      assertEquals(pattern, find(second.console(), "FILE-MD5"));
      assertTrue(rw.isAlive());
      assertEquals(0, rw.stop());
    }
  }

  @Test
  void aReadOnlyLunIsReadOnlyInTheGuestAndRefusesWrites() throws Exception {
    byte[] roContent = new byte[(int) RO_SIZE];
    new java.util.Random(8).nextBytes(roContent);
    Path roImage = Files.write(dir.resolve("ro.img"), roContent);
    roImage.toFile().setWritable(false);
    Path sock = dir.resolve("ro.sock");
    try (DaemonProcess ro = DaemonProcess.start(sock, dir.resolve("ro.log"),
        "-r", "--solid-state", "-s", sock.toString(), roImage.toString())) {
      GuestVm.Result r = boot(READ_ONLY_BOOT, sock, dir.resolve("ro"));
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + ro.log());
      assertTrue(r.console().contains("RO-WRITE-REFUSED"), r.console());
      assertEquals(md5(roImage, 0, (int) RO_SIZE), find(r.console(), "RO-MD5"));
      assertArrayEquals(roContent, Files.readAllBytes(roImage), "the read-only image is unchanged");
    }
  }

  @Test
  void twoRequestQueuesServeATwoCpuGuest() throws Exception {
    Path image = dir.resolve("mq.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(RW_SIZE);
    }
    Path sock = dir.resolve("mq.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("mq.log"),
        "--num-queues", "2", "-s", sock.toString(), image.toString())) {
      List<String> devices = List.of("-smp", "2", "-chardev", "socket,id=c0,path=" + sock,
          "-device", "vhost-user-scsi-pci,chardev=c0,num_queues=2");
      GuestVm.Result r = GuestVm.boot(findDisk(RW_SIZE / 512) + """
          echo "HW-QUEUES=$(cat /sys/class/scsi_host/host*/nr_hw_queues)"
          [ "$(cat /sys/class/scsi_host/host*/nr_hw_queues)" = 2 ]
          dd if=/dev/urandom of=/tmp/p bs=1M count=8 2>/dev/null
          dd if=/tmp/p of=/dev/$disk bs=64k oflag=direct 2>/dev/null
          [ "$(dd if=/dev/$disk bs=64k count=128 iflag=direct 2>/dev/null | md5sum)" = \
            "$(md5sum < /tmp/p)" ]
          """, devices, BOOT, Files.createDirectories(dir.resolve("mq")));
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
    }
  }
}
