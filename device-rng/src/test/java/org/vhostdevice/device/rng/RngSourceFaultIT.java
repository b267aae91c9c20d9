// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon with a FIFO as {@code --rng-source}: it starts without a writer, requests
 * wait (without burning CPU) while the FIFO is empty or its writer has gone, a new writer serves
 * them, and a frontend that leaves with a request pending does not stop the next one.
 */
class RngSourceFaultIT {
  private static final long FEATURES = 0x1_7100_0000L & ~(1L << 30);
  private static final int LEN = 16;

  @TempDir Path dir;

  /** One guest: a frontend with a started queue and one request buffer. */
  private static final class Guest implements AutoCloseable {
    final Frontend frontend;
    final GuestRam ram;
    final EventFd masked;
    final FrontendQueue queue;

    Guest(Path sock) throws Exception {
      frontend = Frontend.connect(sock);
      ram = GuestRam.create(0x4000_0000L, 1 << 20);
      masked = EventFd.create();
      queue = new FrontendQueue(0, ram, 64);
      frontend.qemuInit(1, masked);
      frontend.start(ram, FEATURES, queue);
    }

    long request() throws Exception {
      long buf = ram.alloc(LEN, 8);
      queue.driver().publish(queue.driver().addChain(new Buffer(buf, LEN, true)));
      queue.kick();
      return buf;
    }

    byte[] bytes(long buf) throws Exception {
      byte[] got = new byte[LEN];
      ram.memory().read(buf, MemorySegment.ofArray(got));
      return got;
    }

    @Override
    public void close() throws Exception {
      try (frontend; ram; masked; queue) {
        // closes all four
      }
    }
  }

  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, fields 14 and 15
  }

  private static long daemonPid(Path sock) {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(sock.toString()))
        .filter(p -> p.info().command().orElse("").endsWith("java"))
        .findFirst().orElseThrow().pid();
  }

  private static long count(String log, String text) {
    return log.lines().filter(l -> l.contains(text)).count();
  }

  private static void write(Path fifo, byte[] data) throws Exception {
    try (FileOutputStream w = new FileOutputStream(fifo.toFile())) {
      w.write(data);
    }
  }

  @Test
  void aFifoSourceThatEndsHoldsRequestsWithoutSpinningAndTheNextGuestIsServed() throws Exception {
    Path fifo = dir.resolve("entropy.fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    Path base = dir.resolve("rng.sock");
    Path sock = dir.resolve("rng.sock0");
    byte[] first = new byte[LEN];
    byte[] second = new byte[LEN];
    java.util.Arrays.fill(first, (byte) 0x5A);
    java.util.Arrays.fill(second, (byte) 0x3C);
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", base.toString(), "-f", fifo.toString())) {
      long pid = daemonPid(base);
      try (Guest g = new Guest(sock)) {
        long buf = g.request();
        assertNull(g.queue.awaitUsed(1000), "no writer yet: the request waits");
        long before = cpuTicks(pid);
        TimeUnit.SECONDS.sleep(3);
        long used = cpuTicks(pid) - before;
        assertTrue(used < 60, "the daemon used " + used + " ticks of CPU in 3 s while waiting");
        write(fifo, first); // the writer comes, writes and closes again
        UsedElement e = g.queue.awaitUsed(10_000);
        assertNotNull(e, d.log());
        assertEquals(LEN, e.len());
        assertArrayEquals(first, g.bytes(buf));
        g.request();
        assertNull(g.queue.awaitUsed(1500), "the writer has gone: the next request waits");
      } // the guest leaves with that request pending
      try (Guest g = new Guest(sock)) {
        long buf = g.request();
        write(fifo, second);
        UsedElement e = g.queue.awaitUsed(10_000);
        assertNotNull(e, d.log());
        assertEquals(LEN, e.len());
        assertArrayEquals(second, g.bytes(buf));
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop(), d.log());
      String log = d.log();
      long dry = count(log, "has no data");
      assertTrue(dry >= 2 && dry <= 3, "one line per dry spell:\n" + log);
      assertTrue(count(log, "delivers again") >= 1, log);
    }
  }
}
