// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable map of guest RAM: regions sorted by guest-physical address, never overlapping.
 * Buffers (descriptor addresses) are guest-physical; ring addresses from SET_VRING_ADDR are the
 * frontend's virtual addresses and go through {@link #userToGuest} once.
 *
 * <p>A map is reference counted. Workers {@link GuestMemoryHandle#acquire() acquire} the current
 * map for one batch and release it afterwards; a replaced map unmaps its regions only when the
 * last worker has let go, so no mapping disappears under a running request.
 */
public final class GuestMemory {
  private static final GuestRegion[] NO_REGIONS = new GuestRegion[0];

  private final GuestRegion[] regions;
  private final AtomicInteger refs = new AtomicInteger(1);

  private GuestMemory(GuestRegion[] regions) {
    this.regions = regions;
  }

  /** A map with no memory at all: every access fails. */
  public static GuestMemory empty() {
    return new GuestMemory(NO_REGIONS);
  }

  /**
   * Builds a map from regions in any order. The new map takes a reference to each region.
   *
   * @throws IllegalArgumentException if two regions overlap in guest-physical space
   */
  public static GuestMemory of(List<GuestRegion> regions) {
    GuestRegion[] sorted = regions.toArray(NO_REGIONS);
    java.util.Arrays.sort(
        sorted, Comparator.comparing(GuestRegion::guestPhysAddr, Long::compareUnsigned));
    for (int i = 1; i < sorted.length; i++) {
      if (Long.compareUnsigned(sorted[i].guestPhysAddr(), sorted[i - 1].lastAddr()) <= 0) {
        throw new IllegalArgumentException(
            "overlapping guest regions: " + sorted[i - 1] + " and " + sorted[i]);
      }
    }
    for (GuestRegion r : sorted) {
      r.retain();
    }
    return new GuestMemory(sorted);
  }

  /** A copy of this map with {@code added} inserted (ADD_MEM_REG). */
  public GuestMemory with(GuestRegion added) {
    List<GuestRegion> list = new ArrayList<>(List.of(regions));
    list.add(added);
    return of(list);
  }

  /** A copy of this map without the region that starts at {@code gpa} and has {@code size}. */
  public GuestMemory without(GuestRegion removed) {
    List<GuestRegion> list = new ArrayList<>(List.of(regions));
    list.remove(removed);
    return of(list);
  }

  /** The region exactly matching {@code gpa} and {@code size}, or null (REM_MEM_REG). */
  public GuestRegion findExact(long gpa, long size) {
    for (GuestRegion r : regions) {
      if (r.guestPhysAddr() == gpa && r.size() == size) {
        return r;
      }
    }
    return null;
  }

  public List<GuestRegion> regions() {
    return List.of(regions);
  }

  public int regionCount() {
    return regions.length;
  }

  /** The region containing {@code gpa}, or null. */
  public GuestRegion regionOf(long gpa) {
    // Maps hold a handful of regions: a linear scan beats a binary search here.
    for (GuestRegion r : regions) {
      if (r.containsGpa(gpa)) {
        return r;
      }
    }
    return null;
  }

  /**
   * The bytes {@code [gpa, gpa+length)}, which must lie in a single region (rings, descriptor
   * tables, fixed-size headers).
   */
  public MemorySegment slice(long gpa, long length) throws GuestMemoryException {
    GuestRegion r = regionOf(gpa);
    if (r == null) {
      throw GuestMemoryException.unmapped(gpa, length);
    }
    long offset = gpa - r.guestPhysAddr();
    if (length < 0 || Long.compareUnsigned(length, r.size() - offset) > 0) {
      throw GuestMemoryException.unmapped(gpa, length);
    }
    return r.segment().asSlice(offset, length);
  }

  /**
   * Calls {@code sink} with the pieces of {@code [gpa, gpa+length)}, split at region boundaries,
   * in address order. Fails before calling {@code sink} if any byte of the range is unmapped.
   */
  public void forEachPiece(long gpa, long length, PieceSink sink) throws GuestMemoryException {
    checkRange(gpa, length);
    long addr = gpa;
    long left = length;
    while (left > 0) {
      GuestRegion r = regionOf(addr);
      long offset = addr - r.guestPhysAddr();
      long n = Math.min(left, r.size() - offset);
      sink.accept(r.segment(), offset, n);
      addr += n;
      left -= n;
    }
  }

  /** Receives one piece of a guest range: {@code length} bytes of {@code region} at {@code offset}. */
  @FunctionalInterface
  public interface PieceSink {
    void accept(MemorySegment region, long offset, long length);
  }

  /** Throws unless every byte of {@code [gpa, gpa+length)} is backed, possibly by several regions. */
  public void checkRange(long gpa, long length) throws GuestMemoryException {
    if (length < 0 || length > 0 && Long.compareUnsigned(gpa + length - 1, gpa) < 0) {
      throw GuestMemoryException.unmapped(gpa, length);
    }
    long addr = gpa;
    long left = length;
    while (left > 0) {
      GuestRegion r = regionOf(addr);
      if (r == null) {
        throw GuestMemoryException.unmapped(gpa, length);
      }
      long n = Math.min(left, r.size() - (addr - r.guestPhysAddr()));
      addr += n;
      left -= n;
    }
  }

  /** Copies guest bytes at {@code gpa} into {@code dst} (all of it), across regions. */
  public void read(long gpa, MemorySegment dst) throws GuestMemoryException {
    long[] pos = {0};
    forEachPiece(
        gpa,
        dst.byteSize(),
        (seg, off, n) -> {
          MemorySegment.copy(seg, off, dst, pos[0], n);
          pos[0] += n;
        });
  }

  /** Copies all of {@code src} into guest memory at {@code gpa}, across regions. */
  public void write(long gpa, MemorySegment src) throws GuestMemoryException {
    long[] pos = {0};
    forEachPiece(
        gpa,
        src.byteSize(),
        (seg, off, n) -> {
          MemorySegment.copy(src, pos[0], seg, off, n);
          pos[0] += n;
        });
  }

  /** Translates a frontend virtual address (SET_VRING_ADDR) to a guest-physical one. */
  public long userToGuest(long userAddr) throws GuestMemoryException {
    for (GuestRegion r : regions) {
      if (r.containsUserAddr(userAddr)) {
        return userAddr - r.userAddr() + r.guestPhysAddr();
      }
    }
    throw new GuestMemoryException(
        "frontend address 0x" + Long.toHexString(userAddr) + " is not in any memory region");
  }

  /** Takes a reference unless the map was already retired; returns whether it did. */
  boolean tryRetain() {
    int n;
    do {
      n = refs.get();
      if (n <= 0) {
        return false;
      }
    } while (!refs.compareAndSet(n, n + 1));
    return true;
  }

  /** Drops a reference; the last one releases the regions (unmapping those no other map holds). */
  public void release() {
    int n = refs.decrementAndGet();
    if (n == 0) {
      for (GuestRegion r : regions) {
        r.release();
      }
    } else if (n < 0) {
      throw new IllegalStateException("guest memory map released twice");
    }
  }

  @Override
  public String toString() {
    return "GuestMemory" + List.of(regions);
  }
}
