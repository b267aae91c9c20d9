// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * Measures the request queue's hot path (not a test): SET_VALUE then GET_VALUE on a simulated
 * line, over fake guest memory. Times and counts the bytes the JVM allocates on this thread
 * inside {@code handleQueue} only. Run: see docs/performance.md.
 */
public final class GpioHotPathMeasure {
  private GpioHotPathMeasure() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    long base = 0x1_0000;
    try (Arena arena = Arena.ofShared();
        SimulatedGpioChip chip = new SimulatedGpioChip(256)) {
      MemorySegment ram = arena.allocate(0x10000, 4096);
      GuestRegion region = GuestRegion.ofSegment(base, ram.address(), ram, null);
      GuestMemory memory = GuestMemory.of(List.of(region));
      region.release();
      DriverQueue driver = DriverQueue.layout(memory, 256, base);
      SplitQueue queue = new SplitQueue(GpioDevice.QUEUE_SIZE);
      queue.setSize(256);
      queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
      VirtQueue vq = new VirtQueue(0, queue);
      vq.beginBatch(memory);
      GpioDevice device = new GpioDevice(new GpioController(chip));
      long set = base + 0x8000;
      long get = base + 0x8010;
      memory.slice(set, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 5);
      memory.slice(set, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 200);
      memory.slice(get, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 4);
      memory.slice(get, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 200);
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().threadId();
      for (int phase = 0; phase < 2; phase++) {
        int n = phase == 0 ? rounds / 4 : rounds;
        long nanos = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
          memory.slice(set, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 4, i & 1);
          driver.publish(driver.addChain(new Buffer(set, 8, false),
              new Buffer(base + 0x9000, 2, true)));
          driver.publish(driver.addChain(new Buffer(get, 8, false),
              new Buffer(base + 0x9010, 2, true)));
          long a0 = threads.getThreadAllocatedBytes(tid);
          long t0 = System.nanoTime();
          device.handleQueue(0, vq);
          nanos += System.nanoTime() - t0;
          bytes += threads.getThreadAllocatedBytes(tid) - a0;
          queue.publishUsed(memory);
          driver.pollUsed();
          driver.pollUsed();
        }
        if (phase == 1) {
          System.out.printf("gpio SET_VALUE + GET_VALUE: %.0f ns per request, %.2f bytes"
              + " allocated per request in handleQueue (%d pairs)%n",
              (double) nanos / (2.0 * n), (double) bytes / (2.0 * n), n);
        }
      }
      memory.release();
    }
  }
}
