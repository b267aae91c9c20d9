// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.vhostdevice.queue.GuestLayouts.U16;
import static org.vhostdevice.queue.GuestLayouts.U16_ATOMIC;
import static org.vhostdevice.queue.GuestLayouts.U32;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;

/**
 * The device side of a split virtqueue. One thread at a time drives it (the ring's worker, or
 * the control thread holding the ring's lock).
 *
 * <p>Ordering against the driver, which runs in another process: {@code avail.idx} is loaded with
 * acquire before any entry or descriptor behind it is read; used elements are written plainly and
 * published by a release store of {@code used.idx}; a full fence separates a store we publish
 * from a load of the driver's suppression field ({@code used_event}, {@code avail.flags},
 * {@code avail.idx} after re-enabling), the store→load case acquire/release cannot order.
 */
public final class SplitQueue {
  public static final int MAX_SIZE = 32768;

  private final int maxSize;
  private int size;
  private boolean ready;
  private long descTable;
  private long availRing;
  private long usedRing;
  private int nextAvail;
  private int nextUsed;
  private boolean eventIdx;
  /** Used elements added since the last publish. */
  private int batchAdded;

  // The rings resolved in the memory map they were last used with; re-resolved on a new map.
  private GuestMemory resolvedFor;
  private int resolvedSize;
  private MemorySegment desc;
  private MemorySegment avail;
  private MemorySegment used;

  public SplitQueue(int maxSize) {
    if (!isPowerOfTwo(maxSize) || maxSize > MAX_SIZE) {
      throw new IllegalArgumentException("queue size must be a power of two ≤ 32768: " + maxSize);
    }
    this.maxSize = maxSize;
    this.size = maxSize;
  }

  private static boolean isPowerOfTwo(int n) {
    return n > 0 && (n & (n - 1)) == 0;
  }

  public int maxSize() {
    return maxSize;
  }

  public int size() {
    return size;
  }

  /** Sets the driver's ring size; false (and unchanged) unless a power of two in 1..maxSize. */
  public boolean setSize(int n) {
    if (!isPowerOfTwo(n) || n > maxSize) {
      return false;
    }
    size = n;
    resolvedFor = null;
    return true;
  }

  /** Sets the three ring addresses (guest-physical); unchanged if any is misaligned. */
  public void setAddresses(long descGpa, long availGpa, long usedGpa) throws InvalidRingException {
    if (descGpa % VirtqDesc.ALIGN != 0 || availGpa % AvailRing.ALIGN != 0
        || usedGpa % UsedRing.ALIGN != 0) {
      throw new InvalidRingException(String.format(
          "misaligned ring: desc 0x%x (16), avail 0x%x (2), used 0x%x (4)",
          descGpa, availGpa, usedGpa));
    }
    descTable = descGpa;
    availRing = availGpa;
    usedRing = usedGpa;
    resolvedFor = null;
  }

  public long descTable() {
    return descTable;
  }

  public long availRing() {
    return availRing;
  }

  public long usedRing() {
    return usedRing;
  }

  public void setNextAvail(int index) {
    nextAvail = index & 0xFFFF;
  }

  public int nextAvail() {
    return nextAvail;
  }

  public void setNextUsed(int index) {
    nextUsed = index & 0xFFFF;
  }

  public int nextUsed() {
    return nextUsed;
  }

  public void setEventIdx(boolean enabled) {
    eventIdx = enabled;
  }

  public boolean eventIdx() {
    return eventIdx;
  }

  public void setReady(boolean r) {
    ready = r;
  }

  public boolean isReady() {
    return ready;
  }

  /** Back to the state of a new queue. */
  public void reset() {
    size = maxSize;
    ready = false;
    descTable = 0;
    availRing = 0;
    usedRing = 0;
    nextAvail = 0;
    nextUsed = 0;
    eventIdx = false;
    batchAdded = 0;
    resolvedFor = null;
  }

  /**
   * Resolves the three rings in {@code mem}: each must lie inside one region, and the index
   * fields must be naturally aligned in this process too (a frontend could pick an mmap offset
   * that misaligns them; atomic access would then fail).
   */
  private void resolve(GuestMemory mem) throws InvalidRingException {
    if (mem == resolvedFor && size == resolvedSize) {
      return;
    }
    try {
      desc = mem.slice(descTable, (long) VirtqDesc.SIZE * size);
      avail = mem.slice(availRing, AvailRing.byteSize(size));
      used = mem.slice(usedRing, UsedRing.byteSize(size));
    } catch (GuestMemoryException e) {
      resolvedFor = null;
      throw new InvalidRingException("ring not in guest memory: " + e.getMessage());
    }
    if (avail.address() % AvailRing.ALIGN != 0 || used.address() % UsedRing.ALIGN != 0) {
      resolvedFor = null;
      throw new InvalidRingException("ring indices are misaligned in the mapping");
    }
    resolvedFor = mem;
    resolvedSize = size;
  }

  /** Checks that the rings as programmed lie in guest memory (SET_VRING_ADDR). */
  public void checkLayout(GuestMemory mem) throws InvalidRingException {
    resolve(mem);
  }

  /**
   * Loads next-used from {@code used.idx} in guest memory. The index is not part of the
   * vhost-user state, so after a reconnect or a guest reboot it must come from the ring.
   */
  public void syncUsedIndex(GuestMemory mem) throws GuestMemoryException {
    MemorySegment idx = mem.slice(usedRing + UsedRing.IDX, 2);
    nextUsed = idx.get(U16, 0) & 0xFFFF;
  }

  private int availIdx() {
    return (short) U16_ATOMIC.getAcquire(avail, (long) AvailRing.IDX) & 0xFFFF;
  }

  /** How many heads the driver has made available and we have not popped. */
  public int pending(GuestMemory mem) throws InvalidRingException {
    resolve(mem);
    int pending = (availIdx() - nextAvail) & 0xFFFF;
    if (pending > size) {
      throw new InvalidRingException(
          "available index is " + pending + " entries ahead of a " + size + "-entry ring");
    }
    return pending;
  }

  /**
   * Pops the next request into {@code into}: false if none is available. On a malformed chain
   * the head is still consumed and {@link InvalidChainException} says which head to return.
   */
  public boolean pop(GuestMemory mem, DescriptorChain into)
      throws InvalidRingException, InvalidChainException {
    if (pending(mem) == 0) {
      return false;
    }
    int head = avail.get(U16, AvailRing.RING + 2L * (nextAvail & (size - 1))) & 0xFFFF;
    nextAvail = (nextAvail + 1) & 0xFFFF;
    into.fill(mem, desc, size, head);
    return true;
  }

  /** Un-pops the last request (the device cannot take it yet). */
  public void undoPop() {
    nextAvail = (nextAvail - 1) & 0xFFFF;
  }

  /**
   * Writes a used element for {@code head}; it becomes visible to the driver at the next {@link
   * #publishUsed}.
   */
  public void addUsed(GuestMemory mem, int head, int len) throws InvalidRingException {
    if (head < 0 || head >= size) {
      throw new IllegalArgumentException("head " + head + " is outside a " + size + "-entry ring");
    }
    resolve(mem);
    long off = UsedRing.RING + (long) UsedRing.ELEM_SIZE * (nextUsed & (size - 1));
    used.set(U32, off + UsedRing.ELEM_ID, head);
    used.set(U32, off + UsedRing.ELEM_LEN, len);
    nextUsed = (nextUsed + 1) & 0xFFFF;
    batchAdded++;
  }

  /**
   * Publishes the used elements added since the last call (one release store of {@code
   * used.idx}) and decides whether the driver wants a notification for them. Call once per
   * batch: the decision covers the whole batch. Returns false when nothing was added.
   */
  public boolean publishUsed(GuestMemory mem) throws InvalidRingException {
    if (batchAdded == 0) {
      return false;
    }
    resolve(mem);
    U16_ATOMIC.setRelease(used, (long) UsedRing.IDX, (short) nextUsed);
    VarHandle.fullFence();
    int added = batchAdded;
    batchAdded = 0;
    if (!eventIdx) {
      int flags = (short) U16_ATOMIC.getAcquire(avail, (long) AvailRing.FLAGS);
      return (flags & AvailRing.F_NO_INTERRUPT) == 0;
    }
    if (added > 0xFFFF) {
      return true; // the u16 window cannot describe the batch: notify to be safe
    }
    int usedEvent =
        (short) U16_ATOMIC.getAcquire(avail, AvailRing.usedEventOffset(size)) & 0xFFFF;
    return needsEvent(usedEvent, nextUsed, (nextUsed - added) & 0xFFFF);
  }

  /** vring_need_event: does {@code event} lie in the window (old, new] of indices just passed? */
  static boolean needsEvent(int event, int newIdx, int oldIdx) {
    return ((newIdx - event - 1) & 0xFFFF) < ((newIdx - oldIdx) & 0xFFFF);
  }

  /** Asks the driver not to kick (without EVENT_IDX; with it, kicks stop by themselves). */
  public void disableNotification(GuestMemory mem) throws InvalidRingException {
    if (!eventIdx) {
      resolve(mem);
      U16_ATOMIC.setRelease(used, (long) UsedRing.FLAGS, (short) UsedRing.F_NO_NOTIFY);
    }
  }

  /**
   * Asks the driver to kick again, then re-checks the ring: true if buffers became available
   * while notifications were off (the caller must process them; no kick will come for them).
   */
  public boolean enableNotification(GuestMemory mem) throws InvalidRingException {
    resolve(mem);
    if (eventIdx) {
      // Kick me once you pass the entry I will look at next (not the current avail.idx, which
      // could skip an entry that is already pending).
      U16_ATOMIC.setRelease(used, UsedRing.availEventOffset(size), (short) nextAvail);
    } else {
      U16_ATOMIC.setRelease(used, (long) UsedRing.FLAGS, (short) 0);
    }
    VarHandle.fullFence();
    return availIdx() != nextAvail;
  }

  public QueueState state() {
    return new QueueState(
        maxSize, size, ready, descTable, availRing, usedRing, nextAvail, nextUsed, eventIdx);
  }

  /** Restores a saved state; every value is validated as if set one by one. */
  public void restore(QueueState s) {
    if (s.maxSize() != maxSize) {
      throw new IllegalArgumentException("state of a " + s.maxSize() + "-entry queue");
    }
    if (!isPowerOfTwo(s.size()) || s.size() > maxSize) {
      throw new IllegalArgumentException("bad queue size " + s.size());
    }
    if ((s.nextAvail() & ~0xFFFF) != 0 || (s.nextUsed() & ~0xFFFF) != 0) {
      throw new IllegalArgumentException("ring indices are 16-bit");
    }
    try {
      setAddresses(s.descTable(), s.availRing(), s.usedRing());
    } catch (InvalidRingException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    size = s.size();
    ready = s.ready();
    nextAvail = s.nextAvail();
    nextUsed = s.nextUsed();
    eventIdx = s.eventIdx();
    batchAdded = 0;
    resolvedFor = null;
  }
}
