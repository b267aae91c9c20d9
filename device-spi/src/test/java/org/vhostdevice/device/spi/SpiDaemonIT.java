// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon as a process, with its documented test backend (QEMU 7.2 has no virtio-spi
 * device, so the Java frontend plays QEMU, in QEMU's message order).
 */
class SpiDaemonIT {
  @TempDir Path dir;

  private static String run(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = DaemonProcess.launcher().toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue() + ":" + out;
  }

  @Test
  void helpAndCapabilities() throws Exception {
    String help = run("--help");
    assertTrue(help.startsWith("0:"), help);
    assertTrue(help.contains("--simulate") && help.contains("FOR TESTING ONLY"), help);
    String caps = run("--print-capabilities");
    assertTrue(caps.contains("\"type\": \"spi\""), caps);
  }

  @Test
  void aMissingSpidevEndsTheStartWithStatus1() throws Exception {
    String out = run("-s", dir.resolve("s").toString(), "-l", "/nonexistent/spidev0.0");
    assertTrue(out.startsWith("1:"), out);
    assertTrue(out.contains("SPI device file doesn't exists or can't be accessed"), out);
  }

  @Test
  void servesGuestsAcrossBadRequestsAndBrokenConnections() throws Exception {
    Path base = dir.resolve("spi.sock");
    Path sock = dir.resolve("spi.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"),
        "-s", base.toString(), "--simulate")) {
      // A frontend that vanishes in the middle of the set-up.
      try (Frontend f = Frontend.connect(sock)) {
        f.getFeatures();
        f.setOwner();
      }
      try (Frontend f = Frontend.connect(sock);
          GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
          FrontendQueue q = new FrontendQueue(0, ram, 64)) {
        f.qemuInit(1);
        assertEquals(32, f.getConfig(0, 32).length);
        f.start(ram, 0x1_3100_0000L, q);
        // A head that is too short, then a good request in the next kick.
        long bad = ram.alloc(16, 8);
        long badRes = ram.alloc(1, 8);
        q.driver().publish(q.driver().addChain(new Buffer(bad, 16, false),
            new Buffer(badRes, 1, true)));
        q.kick();
        UsedElement e = q.awaitUsed(10_000);
        assertNotNull(e);
        assertEquals(1, e.len());
        assertEquals(SpiTransferHead.VIRTIO_SPI_PARAM_ERR, read(ram, badRes, 1)[0]);

        long head = ram.alloc(32, 8);
        long tx = ram.alloc(4, 8);
        long rx = ram.alloc(4, 8);
        long res = ram.alloc(1, 8);
        ram.memory().write(head, MemorySegment.ofArray(
            VirtioSpiDeviceTest.head(0, 8, 1, 1, 0, 1_000_000)));
        ram.memory().write(tx, MemorySegment.ofArray(new byte[] {9, 8, 7, 6}));
        q.driver().publish(q.driver().addChain(new Buffer(head, 32, false),
            new Buffer(tx, 4, false), new Buffer(rx, 4, true), new Buffer(res, 1, true)));
        q.kick();
        assertEquals(5, q.awaitUsed(10_000).len());
        assertArrayEquals(new byte[] {9, 8, 7, 6}, read(ram, rx, 4));
        assertEquals(SpiTransferHead.VIRTIO_SPI_TRANS_OK, read(ram, res, 1)[0]);
        f.stop(q);
      }
      try (Frontend f = Frontend.connect(sock)) {
        assertEquals(0x1_7100_0000L, f.getFeatures(), d.log());
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop(), d.log());
    }
    assertTrue(!Files.exists(sock), "the socket file is removed on SIGTERM");
  }

  private static long count(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.count();
    }
  }

  /** Sessions that end cleanly or vanish mid-transfer give back every fd and thread. */
  @Test
  void everySessionFreesItsFdsAndThreads() throws Exception {
    Path sock = dir.resolve("spi.sock0");
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("spi.sock").toString(), "--simulate")
        .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(sock) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Path proc = Path.of("/proc", Long.toString(p.pid()));
      byte[] cfg = new byte[32];
      SpiDaemonTest.session(sock, new byte[] {1}, cfg); // warm-up
      Thread.sleep(300);
      long fds = count(proc.resolve("fd"));
      long threads = count(proc.resolve("task"));
      for (int i = 0; i < 3; i++) {
        SpiDaemonTest.session(sock, new byte[] {(byte) i, 2, 3}, cfg);
        try (Frontend f = Frontend.connect(sock);
            GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
            FrontendQueue q = new FrontendQueue(0, ram, 64)) {
          f.qemuInit(1);
          f.start(ram, 0x1_3100_0000L, q);
          long head = ram.alloc(32, 8);
          long res = ram.alloc(1, 8);
          q.driver().publish(q.driver().addChain(new Buffer(head, 32, false),
              new Buffer(res, 1, true)));
          q.kick();
        } // gone without stopping the queue
      }
      Thread.sleep(500);
      assertTrue(count(proc.resolve("fd")) <= fds, "fds leaked");
      assertTrue(count(proc.resolve("task")) <= threads, "threads leaked");
      assertTrue(p.isAlive());
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
  }

  private static byte[] read(GuestRam ram, long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    ram.memory().read(gpa, MemorySegment.ofArray(b));
    return b;
  }
}
