// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue.driver;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.AvailRing;
import org.vhostdevice.queue.UsedRing;
import org.vhostdevice.queue.VirtqDesc;

/**
 * The driver (guest) side of a split virtqueue, for tests, tools and benchmarks: lays out the
 * rings in guest memory, builds chains (also indirect and deliberately malformed ones), makes
 * them available with the same ordering a guest kernel uses, and reaps used elements.
 */
public final class DriverQueue {
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LITTLE_ENDIAN);
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LITTLE_ENDIAN);
  private static final VarHandle U16_ATOMIC =
      ValueLayout.JAVA_SHORT.withOrder(LITTLE_ENDIAN).varHandle();

  /** One buffer of a chain: guest-physical address, length, device-writable or not. */
  public record Buffer(long gpa, int len, boolean writable) {}

  /** A completed request: the head the device returned and the length it reported. */
  public record UsedElement(int id, int len) {}

  private final GuestMemory memory;
  private final int size;
  private final long descGpa;
  private final long availGpa;
  private final long usedGpa;
  private final MemorySegment desc;
  private final MemorySegment avail;
  private final MemorySegment used;

  private final int[] freeStack;
  private int freeTop;
  private final boolean[] inUse;
  private int availIdx;
  private int lastUsed;
  private int lastKickAvail;
  private boolean eventIdx;

  public DriverQueue(GuestMemory memory, int size, long descGpa, long availGpa, long usedGpa) {
    if (size <= 0 || (size & (size - 1)) != 0 || size > 32768) {
      throw new IllegalArgumentException("queue size must be a power of two ≤ 32768: " + size);
    }
    this.memory = memory;
    this.size = size;
    this.descGpa = descGpa;
    this.availGpa = availGpa;
    this.usedGpa = usedGpa;
    try {
      this.desc = memory.slice(descGpa, (long) VirtqDesc.SIZE * size);
      this.avail = memory.slice(availGpa, AvailRing.byteSize(size));
      this.used = memory.slice(usedGpa, UsedRing.byteSize(size));
    } catch (GuestMemoryException e) {
      throw new IllegalArgumentException("rings do not fit guest memory: " + e.getMessage(), e);
    }
    freeStack = new int[size];
    for (int i = 0; i < size; i++) {
      freeStack[i] = size - 1 - i;
    }
    freeTop = size;
    inUse = new boolean[size];
    // A fresh ring: zero indices and flags (the memory may have held an older ring).
    avail.fill((byte) 0);
    used.fill((byte) 0);
  }

  /** Descriptor table at {@code baseGpa} (16-aligned), then the avail ring, then the used ring. */
  public static DriverQueue layout(GuestMemory memory, int size, long baseGpa) {
    long d = align(baseGpa, VirtqDesc.ALIGN);
    long a = align(d + (long) VirtqDesc.SIZE * size, AvailRing.ALIGN);
    long u = align(a + AvailRing.byteSize(size), UsedRing.ALIGN);
    return new DriverQueue(memory, size, d, a, u);
  }

  /** Bytes {@link #layout} needs from a 16-aligned base. */
  public static long footprint(int size) {
    long a = (long) VirtqDesc.SIZE * size;
    long u = align(a + AvailRing.byteSize(size), UsedRing.ALIGN);
    return u + UsedRing.byteSize(size);
  }

  private static long align(long v, long a) {
    return (v + a - 1) & -a;
  }

  public int size() {
    return size;
  }

  public long descTable() {
    return descGpa;
  }

  public long availRing() {
    return availGpa;
  }

  public long usedRing() {
    return usedGpa;
  }

  public GuestMemory memory() {
    return memory;
  }

  public int freeDescriptors() {
    return freeTop;
  }

  private int take() {
    if (freeTop == 0) {
      throw new IllegalStateException("no free descriptors");
    }
    int i = freeStack[--freeTop];
    inUse[i] = true;
    return i;
  }

  /** Writes a chain of {@code buffers} into free descriptors and returns its head (unpublished). */
  public int addChain(Buffer... buffers) {
    if (buffers.length == 0 || buffers.length > freeTop) {
      throw new IllegalArgumentException("need 1.." + freeTop + " buffers, got " + buffers.length);
    }
    int[] idx = new int[buffers.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = take();
    }
    for (int i = 0; i < idx.length; i++) {
      Buffer b = buffers[i];
      boolean last = i == idx.length - 1;
      int flags = (b.writable() ? VirtqDesc.F_WRITE : 0) | (last ? 0 : VirtqDesc.F_NEXT);
      writeDescriptor(idx[i], b.gpa(), b.len(), flags, last ? 0 : idx[i + 1]);
    }
    return idx[0];
  }

  /** Writes {@code buffers} as an indirect table at {@code tableGpa}; returns the head. */
  public int addIndirectChain(long tableGpa, Buffer... buffers) {
    MemorySegment table;
    try {
      table = memory.slice(tableGpa, (long) VirtqDesc.SIZE * buffers.length);
    } catch (GuestMemoryException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    for (int i = 0; i < buffers.length; i++) {
      Buffer b = buffers[i];
      boolean last = i == buffers.length - 1;
      long off = (long) VirtqDesc.SIZE * i;
      table.set(U64, off + VirtqDesc.ADDR, b.gpa());
      table.set(U32, off + VirtqDesc.LEN, b.len());
      table.set(U16, off + VirtqDesc.FLAGS,
          (short) ((b.writable() ? VirtqDesc.F_WRITE : 0) | (last ? 0 : VirtqDesc.F_NEXT)));
      table.set(U16, off + VirtqDesc.NEXT, (short) (last ? 0 : i + 1));
    }
    int head = take();
    writeDescriptor(head, tableGpa, VirtqDesc.SIZE * buffers.length, VirtqDesc.F_INDIRECT, 0);
    return head;
  }

  /** Writes descriptor {@code index} verbatim (any values: for malformed chains). */
  public void writeDescriptor(int index, long addr, int len, int flags, int next) {
    long off = (long) VirtqDesc.SIZE * index;
    desc.set(U64, off + VirtqDesc.ADDR, addr);
    desc.set(U32, off + VirtqDesc.LEN, len);
    desc.set(U16, off + VirtqDesc.FLAGS, (short) flags);
    desc.set(U16, off + VirtqDesc.NEXT, (short) next);
  }

  /** Makes {@code head} available: ring entry first, then avail.idx with release ordering. */
  public void publish(int head) {
    avail.set(U16, AvailRing.RING + 2L * (availIdx & (size - 1)), (short) head);
    availIdx = (availIdx + 1) & 0xFFFF;
    U16_ATOMIC.setRelease(avail, (long) AvailRing.IDX, (short) availIdx);
  }

  /** Sets avail.idx to any value (a hostile driver). */
  public void setAvailIdx(int idx) {
    availIdx = idx & 0xFFFF;
    U16_ATOMIC.setRelease(avail, (long) AvailRing.IDX, (short) availIdx);
  }

  public int availIdx() {
    return availIdx;
  }

  public void setEventIdx(boolean enabled) {
    eventIdx = enabled;
  }

  /** Sets used_event: with EVENT_IDX, notify me once used.idx passes it. */
  public void setUsedEvent(int value) {
    U16_ATOMIC.setRelease(avail, AvailRing.usedEventOffset(size), (short) value);
  }

  public void setAvailFlags(int flags) {
    U16_ATOMIC.setRelease(avail, (long) AvailRing.FLAGS, (short) flags);
  }

  /**
   * Whether the device wants a kick for what was published since the last call (the guest's
   * virtqueue_kick_prepare): NO_NOTIFY without EVENT_IDX, the avail_event window with it.
   */
  public boolean kickNeeded() {
    VarHandle.fullFence();
    int old = lastKickAvail;
    lastKickAvail = availIdx;
    if (eventIdx) {
      int availEvent =
          (short) U16_ATOMIC.getAcquire(used, UsedRing.availEventOffset(size)) & 0xFFFF;
      return ((availIdx - availEvent - 1) & 0xFFFF) < ((availIdx - old) & 0xFFFF);
    }
    int flags = (short) U16_ATOMIC.getAcquire(used, (long) UsedRing.FLAGS);
    return (flags & UsedRing.F_NO_NOTIFY) == 0;
  }

  /** used.idx as the device last published it. */
  public int usedIdx() {
    return (short) U16_ATOMIC.getAcquire(used, (long) UsedRing.IDX) & 0xFFFF;
  }

  public int usedFlags() {
    return (short) U16_ATOMIC.getAcquire(used, (long) UsedRing.FLAGS) & 0xFFFF;
  }

  public int availEvent() {
    return (short) U16_ATOMIC.getAcquire(used, UsedRing.availEventOffset(size)) & 0xFFFF;
  }

  /**
   * Asks for a notification at the next used element (the guest's virtqueue_enable_cb): with
   * EVENT_IDX used_event = the next index we will read, without it the NO_INTERRUPT flag is
   * cleared. Returns true if used elements are already waiting (no notification will come).
   */
  public boolean enableCallbacks() {
    if (eventIdx) {
      setUsedEvent(lastUsed);
    } else {
      setAvailFlags(0);
    }
    VarHandle.fullFence();
    return usedIdx() != lastUsed;
  }

  /** The next used element, or null; its descriptors go back to the free list. */
  public UsedElement pollUsed() {
    if (usedIdx() == lastUsed) {
      return null;
    }
    long off = UsedRing.RING + (long) UsedRing.ELEM_SIZE * (lastUsed & (size - 1));
    int id = used.get(U32, off + UsedRing.ELEM_ID);
    int len = used.get(U32, off + UsedRing.ELEM_LEN);
    lastUsed = (lastUsed + 1) & 0xFFFF;
    free(id);
    return new UsedElement(id, len);
  }

  /** Returns the chain starting at {@code head} to the free list (walking its NEXT links). */
  private void free(int head) {
    int i = head;
    for (int steps = 0; steps < size && i >= 0 && i < size && inUse[i]; steps++) {
      inUse[i] = false;
      freeStack[freeTop++] = i;
      long off = (long) VirtqDesc.SIZE * i;
      int flags = desc.get(U16, off + VirtqDesc.FLAGS);
      if ((flags & VirtqDesc.F_NEXT) == 0) {
        return;
      }
      i = desc.get(U16, off + VirtqDesc.NEXT) & 0xFFFF;
    }
  }
}
