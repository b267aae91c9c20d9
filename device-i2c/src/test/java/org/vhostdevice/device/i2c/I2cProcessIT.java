// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * vhost-device-i2c as a process with simulated adapters, driven by the project's frontend in
 * QEMU 7.2's message order: combined transfers, the status codes, malformed requests, two guests
 * sharing the adapter map, and a guest reconnecting.
 */
class I2cProcessIT {
  private static final long FEATURES = 0x1_7100_0001L;

  @TempDir Path dir;

  private static final class Guest implements AutoCloseable {
    final Frontend f;
    final GuestRam ram;
    final FrontendQueue q;

    Guest(Path socket) throws Exception {
      f = Frontend.connect(socket);
      ram = GuestRam.create(0x4000_0000L, 1 << 20);
      q = new FrontendQueue(0, ram, 64);
      f.qemuInit(1);
      f.start(ram, FEATURES, q);
    }

    MemorySegment at(long gpa, int len) throws Exception {
      return ram.memory().slice(gpa, len);
    }

    /** One message: {address, read?, bytes-or-length}; returns head and buffers. */
    long[] message(int addr, boolean read, byte[] data) throws Exception {
      long hdr = ram.alloc(8, 8);
      at(hdr, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (addr << 1));
      at(hdr, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 4, read ? 2 : 0);
      long buf = ram.alloc(data.length, 8);
      at(buf, data.length).copyFrom(MemorySegment.ofArray(data));
      long status = ram.alloc(1, 8);
      at(status, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5A);
      int head = q.driver().addChain(new Buffer(hdr, 8, false),
          new Buffer(buf, data.length, read), new Buffer(status, 1, true));
      return new long[] {head, buf, status, data.length};
    }

    /** Publishes the messages together (one kick: one transfer) and collects the used lens. */
    List<UsedElement> transfer(long[]... msgs) throws Exception {
      for (long[] m : msgs) {
        q.driver().publish((int) m[0]);
      }
      q.kick();
      List<UsedElement> used = new ArrayList<>();
      for (int i = 0; i < msgs.length; i++) {
        UsedElement e = q.awaitUsed(10_000);
        assertNotNull(e);
        used.add(e);
      }
      return used;
    }

    int status(long[] m) throws Exception {
      return at(m[2], 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    byte[] data(long[] m) throws Exception {
      return at(m[1], (int) m[3]).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
      f.close();
      q.close();
      ram.close();
    }
  }

  @Test
  void twoGuestsShareTheSimulatedClientsAndAReconnectKeepsThem() throws Exception {
    try (DaemonProcess d = DaemonProcess.start(dir.resolve("i2c.sock1"),
        dir.resolve("daemon.log"), "-s", dir.resolve("i2c.sock").toString(), "-c", "2",
        "-l", "1:32,bus:33", "--simulate")) {
      try (Guest g = new Guest(dir.resolve("i2c.sock0"))) {
        assertEquals(FEATURES, g.f.getFeatures());
        // Write registers 0x40.. then read them back with a combined write + read.
        long[] w = g.message(32, false, new byte[] {0x40, 0x11, 0x22});
        assertEquals(List.of(new UsedElement((int) w[0], 1)), g.transfer(w));
        assertEquals(0, g.status(w));
        long[] ptr = g.message(32, false, new byte[] {0x40});
        long[] r = g.message(32, true, new byte[3]);
        List<UsedElement> used = g.transfer(ptr, r);
        assertEquals(1, used.get(0).len());
        assertEquals(4, used.get(1).len(), "3 data bytes + status");
        assertArrayEquals(new byte[] {0x11, 0x22, 0x42}, g.data(r));
        // An address nobody serves: ERR, nothing written.
        long[] none = g.message(0x50, true, new byte[2]);
        assertEquals(1, g.transfer(none).get(0).len());
        assertEquals(1, g.status(none));
        // A malformed request (zero-length buffer) fails its transfer; the next one works.
        long hdr = g.ram.alloc(8, 8);
        long status = g.ram.alloc(1, 8);
        int bad = g.q.driver().addChain(new Buffer(hdr, 8, false), new Buffer(hdr, 0, false),
            new Buffer(status, 1, true));
        g.q.driver().publish(bad);
        g.q.kick();
        assertEquals(1, g.q.awaitUsed(10_000).len());
        assertEquals(1, g.at(status, 1).get(ValueLayout.JAVA_BYTE, 0));
        long[] again = g.message(33, true, new byte[1]);
        g.transfer(again);
        assertEquals(0, g.status(again));
      }
      // The other guest sees what the first one wrote: the adapters are shared.
      try (Guest g = new Guest(dir.resolve("i2c.sock1"))) {
        long[] ptr = g.message(32, false, new byte[] {0x40});
        long[] r = g.message(32, true, new byte[2]);
        g.transfer(ptr, r);
        assertArrayEquals(new byte[] {0x11, 0x22}, g.data(r));
      }
      // And the first socket serves a reconnecting guest.
      try (Guest g = new Guest(dir.resolve("i2c.sock0"))) {
        long[] ptr = g.message(32, false, new byte[] {0x41});
        long[] r = g.message(32, true, new byte[1]);
        g.transfer(ptr, r);
        assertArrayEquals(new byte[] {0x22}, g.data(r));
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop());
    }
  }

  @Test
  void anAdapterThatCannotBeOpenedFailsTheStartWithStatusOne() throws Exception {
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("i2c.sock").toString(), "-l", "55555:4").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.waitFor());
    assertTrue(out.contains("Low level I2c failure: Failed to open adapter at /dev/i2c-55555"),
        out);
  }

  @Test
  void address128IsAUsageErrorWithStatusTwo() throws Exception {
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("i2c.sock").toString(), "-l", "1:128").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.waitFor());
    assertTrue(out.contains("Invalid client address: 128"), out);
  }
}
