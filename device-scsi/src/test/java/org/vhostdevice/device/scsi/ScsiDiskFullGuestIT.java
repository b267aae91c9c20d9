// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * A real guest writes to a disk whose image sits on a full tmpfs: Linux turns our SPACE
 * ALLOCATION FAILED sense into ENOSPC, so dd says "No space left on device" (not a generic I/O
 * error), and reads of the disk still work.
 */
@Tag("guest")
class ScsiDiskFullGuestIT {
  private static final long SIZE = 4L << 20;
  private static final String SCRIPT = """
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
      if dd if=/dev/urandom of=/dev/$disk bs=64k count=4 seek=32 oflag=direct 2>/tmp/err; then
        echo "WRITE-ACCEPTED"; exit 1
      fi
      cat /tmp/err
      grep -q "No space left on device" /tmp/err
      echo "ENOSPC-SEEN"
      dd if=/dev/$disk of=/dev/null bs=64k count=16 iflag=direct
      echo "READ-OK"
      """.formatted(SIZE / 512);

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  @Test
  void ddInTheGuestReportsNoSpaceLeftOnDevice() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir.resolve("mnt"), "512k")) {
      Path image = fs.sparse("disk.img", SIZE);
      Path sock = dir.resolve("scsi.sock");
      try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
          "-s", sock.toString(), image.toString())) {
        fs.fill("filler");
        GuestVm.Result r = GuestVm.boot(SCRIPT, List.of(
            "-chardev", "socket,id=c0,path=" + sock,
            "-device", "vhost-user-scsi-pci,chardev=c0,num_queues=1"),
            Duration.ofSeconds(420), Files.createDirectories(dir.resolve("guest")));
        assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
        assertTrue(r.console().contains("ENOSPC-SEEN") && r.console().contains("READ-OK"),
            r.console());
        assertTrue(d.isAlive(), d.log());
      }
    }
  }
}
