// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * A device's queue over fake guest memory, for device unit tests without sockets: two adjacent
 * 64 KiB regions of native memory (so buffers can straddle a region boundary), the driver's
 * rings at the start of the first, and a {@link VirtQueue} in an open batch over them.
 */
public final class QueueHarness implements AutoCloseable {
  public static final long R0 = 0x1_0000;
  public static final long R1 = 0x2_0000;
  public static final long DATA = R0 + 0x8000;

  public final Arena arena = Arena.ofShared();
  public final GuestMemory memory;
  public final DriverQueue driver;
  public final SplitQueue queue;
  public final VirtQueue vq;

  public QueueHarness(int index, int size, int maxSize) throws Exception {
    MemorySegment a = arena.allocate(0x10000, 4096);
    MemorySegment b = arena.allocate(0x10000, 4096);
    List<GuestRegion> regions = List.of(GuestRegion.ofSegment(R0, a.address(), a, null),
        GuestRegion.ofSegment(R1, b.address(), b, null));
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
    driver = DriverQueue.layout(memory, size, R0);
    queue = new SplitQueue(maxSize);
    queue.setSize(size);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    vq = new VirtQueue(index, queue);
    vq.beginBatch(memory);
  }

  /** Publishes what the device completed and returns the next used element (null if none). */
  public UsedElement used() throws Exception {
    queue.publishUsed(memory);
    return driver.pollUsed();
  }

  public void write(long gpa, byte[] bytes) throws Exception {
    memory.write(gpa, MemorySegment.ofArray(bytes));
  }

  public byte[] read(long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    memory.read(gpa, MemorySegment.ofArray(b));
    return b;
  }

  @Override
  public void close() {
    memory.release();
    arena.close();
  }
}
