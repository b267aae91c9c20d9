// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.OwnedFd;

/** The device's own thread that waits for sensor updates. */
class SensorEventLoopTest {
  @TempDir Path dir;

  @Test
  void noDescriptorsMeansNoThread() throws Exception {
    assertNull(SensorEventLoop.start(new int[] {-1, -1}, i -> {}, "t"));
  }

  @Test
  void aReadableDescriptorReportsItsSensorIndex() throws Exception {
    LinkedBlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
    try (EventFd a = EventFd.create(); EventFd b = EventFd.create()) {
      SensorEventLoop loop = SensorEventLoop.start(new int[] {a.fd(), -1, b.fd()}, i -> {
        seen.add(i);
        try {
          (i == 0 ? a : b).read(); // consume, as a sensor does
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "t");
      try {
        b.signal();
        assertEquals(2, seen.poll(5, TimeUnit.SECONDS));
        a.signal();
        assertEquals(0, seen.poll(5, TimeUnit.SECONDS));
      } finally {
        loop.close();
      }
    }
  }

  @Test
  void aHungUpSourceIsDroppedInsteadOfSpinning() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    LinkedBlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
    try (OwnedFd fd = IioNative.openForEvents(fifo)) {
      SensorEventLoop loop = SensorEventLoop.start(new int[] {fd.fd()}, seen::add, "t");
      try {
        // A writer that goes away without writing: the FIFO reports hang-up, never data.
        new FileOutputStream(fifo.toFile()).close();
        Thread.sleep(300);
        assertTrue(seen.isEmpty(), "a hang-up is not an update");
        assertTrue(loop.wakeups() <= 2, loop.wakeups() + " wake-ups: the loop spins");
      } finally {
        loop.close();
      }
    }
  }

  @Test
  void closeEndsTheThread() throws Exception {
    try (EventFd a = EventFd.create()) {
      SensorEventLoop loop = SensorEventLoop.start(new int[] {a.fd()}, i -> {}, "scmi-test-loop");
      loop.close();
      assertTrue(Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().equals("scmi-test-loop") && t.isAlive()));
    }
  }
}
