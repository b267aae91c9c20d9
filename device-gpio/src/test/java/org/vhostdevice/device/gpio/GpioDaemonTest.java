// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * The daemon in this JVM (so its threads can be counted): a guest that hangs up while an
 * interrupt wait is pending leaves no edge-loop thread behind, and the next guest is served.
 */
class GpioDaemonTest {
  private static final long FEATURES = 0x1_7100_0001L;

  @TempDir Path dir;

  private static long edgeLoops() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("vhost-gpio-edges") && t.isAlive()).count();
  }

  private static byte[] request(GuestRam ram, FrontendQueue q, int type, int gpio, int value)
      throws Exception {
    long req = ram.alloc(8, 8);
    long resp = ram.alloc(2, 8);
    MemorySegment r = ram.memory().slice(req, 8);
    r.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) type);
    r.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) gpio);
    r.set(ValueLayout.JAVA_INT_UNALIGNED, 4, value);
    q.driver().publish(q.driver().addChain(new Buffer(req, 8, false), new Buffer(resp, 2, true)));
    q.kick();
    UsedElement e = q.awaitUsed(10_000);
    assertNotNull(e);
    return ram.memory().slice(resp, e.len()).toArray(ValueLayout.JAVA_BYTE);
  }

  @Test
  void aGuestHangingUpDuringAWaitLeavesNoThreadAndTheNextGuestIsServed() throws Exception {
    GpioMain main = new GpioMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("gpio.sock").toString(), "-l", "s4",
        "--log-level", "warn");
    GpioController controller = GpioMain.open(main.validate().get(0));
    Daemon daemon = new Daemon(GpioMain.SPEC, main.socket, i -> new GpioDevice(controller));
    daemon.start();
    long before = edgeLoops();
    try {
      try (Frontend f = Frontend.connect(dir.resolve("gpio.sock0"));
          GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
          FrontendQueue requests = new FrontendQueue(0, ram, 16);
          FrontendQueue events = new FrontendQueue(1, ram, 16)) {
        f.qemuInit(2);
        f.start(ram, FEATURES, requests, events);
        assertEquals(before + 1, edgeLoops(), "one edge loop for the device");
        assertArrayEquals(new byte[] {0, 0}, request(ram, requests, 3, 1, GpioChip.DIRECTION_IN));
        assertArrayEquals(new byte[] {0, 0}, request(ram, requests, 6, 1, IrqType.EDGE_BOTH));
        long irq = ram.alloc(2, 8);
        long status = ram.alloc(1, 8);
        ram.memory().slice(irq, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 1);
        events.driver().publish(events.driver().addChain(new Buffer(irq, 2, false),
            new Buffer(status, 1, true)));
        events.kick();
        Thread.sleep(200); // the buffer is waiting now; hang up
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (edgeLoops() > before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(before, edgeLoops(), "the edge loop ended with the session");
      try (Frontend f = Frontend.connect(dir.resolve("gpio.sock0"));
          GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
          FrontendQueue requests = new FrontendQueue(0, ram, 16);
          FrontendQueue events = new FrontendQueue(1, ram, 16)) {
        f.qemuInit(2);
        f.start(ram, FEATURES, requests, events);
        assertArrayEquals(new byte[] {0, 0}, request(ram, requests, 2, 1, 0),
            "the new guest finds line 1 released");
        assertArrayEquals(new byte[] {0, 0}, request(ram, requests, 6, 1, IrqType.EDGE_RISING),
            "and its interrupt type back at NONE");
      }
    } finally {
      daemon.stop();
      controller.chip().close();
    }
  }
}
