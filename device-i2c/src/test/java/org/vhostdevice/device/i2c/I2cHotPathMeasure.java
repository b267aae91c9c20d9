// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

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
 * Measures the device's hot path (not a test): a register read as the guest driver sends it (a
 * 1-byte write of the register number and a 4-byte read, one transfer) against the simulated
 * adapter, over fake guest memory. Times and counts the bytes the JVM allocates on this thread
 * inside {@code handleQueue} only (the driver side of the measurement allocates, the device
 * should not). Run: see docs/performance.md.
 */
public final class I2cHotPathMeasure {
  private I2cHotPathMeasure() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    long base = 0x1_0000;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment ram = arena.allocate(0x10000, 4096);
      GuestRegion region = GuestRegion.ofSegment(base, ram.address(), ram, null);
      GuestMemory memory = GuestMemory.of(List.of(region));
      region.release();
      DriverQueue driver = DriverQueue.layout(memory, 256, base);
      SplitQueue queue = new SplitQueue(I2cDevice.QUEUE_SIZE);
      queue.setSize(256);
      queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
      VirtQueue vq = new VirtQueue(0, queue);
      vq.beginBatch(memory);
      I2cDevice device = new I2cDevice(
          I2cMap.open(DeviceList.parse("1:32"), cfg -> new SimulatedI2cBus(1, cfg.clients())));
      long hdrW = base + 0x8000;
      long hdrR = base + 0x8010;
      long data = base + 0x9000;
      memory.slice(hdrW, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (32 << 1));
      memory.slice(hdrR, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (32 << 1));
      memory.slice(hdrR, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 4, 2);
      memory.slice(data, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x10);
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().threadId();
      for (int phase = 0; phase < 2; phase++) {
        int n = phase == 0 ? rounds / 4 : rounds; // phase 0 warms up
        long nanos = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
          driver.publish(driver.addChain(new Buffer(hdrW, 8, false), new Buffer(data, 1, false),
              new Buffer(base + 0xA000, 1, true)));
          driver.publish(driver.addChain(new Buffer(hdrR, 8, false),
              new Buffer(data + 0x10, 4, true), new Buffer(base + 0xA001, 1, true)));
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
          System.out.printf("i2c register read (write 1 + read 4, one transfer): %.0f ns per"
              + " transfer, %.2f bytes allocated per transfer in handleQueue (%d transfers)%n",
              (double) nanos / n, (double) bytes / n, n);
        }
      }
      memory.release();
    }
  }
}
