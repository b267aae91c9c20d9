// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * vhost-device-gpio as a process, driven by the project's frontend the way QEMU 7.2 drives it,
 * but acking VIRTIO_GPIO_F_IRQ (which QEMU 7.2 does not offer its guests): the config and names,
 * line operations on the simulated chip, edge interrupts through the event queue, an interrupt
 * disable returning the waiting buffer, and a second guest on the same socket starting afresh.
 */
class GpioProcessIT {
  private static final long FEATURES = 0x1_7100_0001L;
  private static final long TIMEOUT_MS = 10_000;

  @TempDir Path dir;

  /** One guest session: memory, both queues, and request helpers. */
  private static final class Guest implements AutoCloseable {
    final Frontend f;
    final GuestRam ram;
    final FrontendQueue requests;
    final FrontendQueue events;

    Guest(Path socket) throws Exception {
      f = Frontend.connect(socket);
      ram = GuestRam.create(0x4000_0000L, 1 << 20);
      requests = new FrontendQueue(0, ram, 64);
      events = new FrontendQueue(1, ram, 64);
      f.qemuInit(2);
    }

    void start() throws Exception {
      f.start(ram, FEATURES, requests, events);
    }

    MemorySegment at(long gpa, int len) throws Exception {
      return ram.memory().slice(gpa, len);
    }

    /** Sends one request; returns the response bytes (status first), as long as used says. */
    byte[] request(int type, int gpio, int value, int payload) throws Exception {
      long req = ram.alloc(8, 8);
      long resp = ram.alloc(1 + payload, 8);
      MemorySegment r = at(req, 8);
      r.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) type);
      r.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) gpio);
      r.set(ValueLayout.JAVA_INT_UNALIGNED, 4, value);
      requests.driver().publish(requests.driver().addChain(new Buffer(req, 8, false),
          new Buffer(resp, 1 + payload, true)));
      requests.kick();
      UsedElement e = requests.awaitUsed(TIMEOUT_MS);
      assertNotNull(e, "no response to request type " + type);
      return at(resp, e.len()).toArray(ValueLayout.JAVA_BYTE);
    }

    void ok(int type, int gpio, int value) throws Exception {
      assertArrayEquals(new byte[] {0, 0}, request(type, gpio, value, 1),
          "request " + type + " on " + gpio);
    }

    /** Posts an event buffer for {@code gpio}; returns the status address. */
    long eventBuffer(int gpio) throws Exception {
      long req = ram.alloc(2, 8);
      long status = ram.alloc(1, 8);
      at(req, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) gpio);
      at(status, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5A);
      events.driver().publish(events.driver().addChain(new Buffer(req, 2, false),
          new Buffer(status, 1, true)));
      events.kick();
      return status;
    }

    @Override
    public void close() {
      f.close();
      requests.close();
      events.close();
      ram.close();
    }
  }

  @Test
  void aGuestDrivesTheSimulatedChipAndGetsEdgeInterrupts() throws Exception {
    Path sock = dir.resolve("gpio.sock0");
    try (DaemonProcess d = DaemonProcess.start(dir.resolve("gpio.sock1"),
        dir.resolve("daemon.log"), "-s", dir.resolve("gpio.sock").toString(), "-c", "2",
        "-l", "s4:s2")) {
      try (Guest g = new Guest(sock)) {
        assertEquals(FEATURES, g.f.getFeatures());
        assertEquals(2, g.f.getQueueNum());
        assertArrayEquals(new byte[] {4, 0, 0, 0, 28, 0, 0, 0}, g.f.getConfig(0, 8), d.log());
        g.start();
        byte[] names = g.request(1, 0, 0, 28);
        assertEquals(0, names[0]);
        assertEquals("dummy0\0dummy1\0dummy2\0dummy3\0",
            new String(names, 1, 28, StandardCharsets.US_ASCII));
        g.ok(5, 0, 1);
        g.ok(3, 0, GpioChip.DIRECTION_OUT);
        g.ok(3, 1, GpioChip.DIRECTION_IN);
        assertArrayEquals(new byte[] {0, 1}, g.request(4, 1, 0, 1), "line 1 reads line 0");
        assertArrayEquals(new byte[] {0, 2}, g.request(2, 1, 0, 1), "line 1 is an input");
        // An edge: falling on line 1 when line 0 goes low.
        g.ok(6, 1, IrqType.EDGE_BOTH);
        long status = g.eventBuffer(1);
        assertNull(g.events.awaitUsed(300), "no edge yet");
        g.ok(5, 0, 0);
        UsedElement e = g.events.awaitUsed(TIMEOUT_MS);
        assertNotNull(e, d.log());
        assertEquals(1, e.len());
        assertEquals(1, g.at(status, 1).get(ValueLayout.JAVA_BYTE, 0), "VALID");
        // Disabling the interrupt hands the next waiting buffer back at once.
        long second = g.eventBuffer(1);
        assertNull(g.events.awaitUsed(300));
        g.ok(6, 1, IrqType.NONE);
        e = g.events.awaitUsed(TIMEOUT_MS);
        assertNotNull(e, d.log());
        assertEquals(0, g.at(second, 1).get(ValueLayout.JAVA_BYTE, 0), "INVALID");
        // A line past the last is an error, and the device keeps serving.
        assertEquals(1, g.request(4, 4, 0, 1)[0]);
        assertArrayEquals(new byte[] {0, 2}, g.request(2, 1, 0, 1));
      }
      // The next guest on the same socket finds every line released.
      try (Guest g = new Guest(sock)) {
        g.start();
        assertArrayEquals(new byte[] {0, 0}, g.request(2, 0, 0, 1), "direction NONE again");
        assertArrayEquals(new byte[] {0, 0}, g.request(4, 1, 0, 1), "nothing drives line 1");
      }
      // The second socket serves the second chip.
      try (Guest g = new Guest(dir.resolve("gpio.sock1"))) {
        assertArrayEquals(new byte[] {2, 0, 0, 0, 14, 0, 0, 0}, g.f.getConfig(0, 8));
      }
      assertTrue(d.isAlive());
      assertEquals(0, d.stop());
    }
  }

  @Test
  void aMissingHostChipFailsTheStartWithStatusOne() throws Exception {
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("g.sock").toString(), "-l", "4242").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.waitFor());
    assertTrue(out.contains("Could not open gpio device"), out);
  }

  @Test
  void aCountMismatchIsAUsageErrorWithStatusTwo() throws Exception {
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("g.sock").toString(), "-c", "2", "-l", "s4").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.waitFor());
    assertTrue(out.contains("Socket count (2) doesn't match device count 1"), out);
  }
}
