// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.scsi.ScsiHarness.Result;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon with its image on a tmpfs that runs full: a WRITE that needs new space gets
 * CHECK CONDITION, DATA PROTECT / SPACE ALLOCATION FAILED WRITE PROTECT (what QEMU's scsi-disk
 * reports for ENOSPC, and what Linux turns back into ENOSPC), reads keep working, and writes
 * work again once space is freed. One log line for a burst of failed writes.
 */
class ScsiDiskFullIT {
  @TempDir Path dir;

  @Test
  void aFullDiskFailsTheWriteWithSpaceAllocationFailedAndKeepsServing() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir.resolve("mnt"), "512k")) {
      Path image = fs.sparse("disk.img", 4 << 20);
      Path sock = dir.resolve("scsi.sock");
      byte[] early = new byte[8 * 512];
      new java.util.Random(1).nextBytes(early);
      byte[] late = new byte[64 * 512];
      new java.util.Random(2).nextBytes(late);
      try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
          "-s", sock.toString(), image.toString());
          ScsiSession s = new ScsiSession(sock)) {
        assertTrue(s.write10(0, early).good(), d.log());
        fs.fill("filler");
        for (int i = 0; i < 5; i++) {
          Result w = s.write10(4096 + 64 * i, late);
          assertEquals(ScsiStatus.CHECK_CONDITION, w.status(), d.log());
          assertArrayEquals(new int[] {7, 0x27, 0x07}, w.senseTriple(), d.log());
        }
        Result r = s.read10(0, 8);
        assertTrue(r.good(), d.log());
        assertArrayEquals(early, r.dataIn(), "data written before the disk filled up");
        assertTrue(s.read10(4096, 64).good(), "reading unwritten blocks works too");

        Files.delete(fs.dir.resolve("filler"));
        assertTrue(s.write10(4096, late).good(), d.log());
        assertArrayEquals(late, s.read10(4096, 64).dataIn());
        assertTrue(d.isAlive());
        String log = d.log();
        assertEquals(1, log.lines().filter(l -> l.contains("failed writes so far")).count(), log);
        assertTrue(log.contains("ENOSPC"), log);
      }
      assertArrayEquals(early, Arrays.copyOf(Files.readAllBytes(image), early.length));
    }
  }
}
