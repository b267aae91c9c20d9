// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;

/**
 * "Guest RAM" of the Java frontend: memfd regions at chosen guest-physical addresses, mapped in
 * this process. As in QEMU and the Rust tests, a region's address in this process is the
 * frontend virtual address sent in SET_MEM_TABLE, and ring addresses for SET_VRING_ADDR are
 * translated into that space with {@link #userAddr}.
 *
 * <p>Not thread-safe: one test or tool builds its rings and buffers from one thread.
 */
public final class GuestRam implements AutoCloseable {
  private final Arena arena = Arena.ofShared();
  private final List<OwnedFd> fds = new ArrayList<>();
  private final List<MemoryRegionDescriptor> descriptors = new ArrayList<>();
  private final GuestMemory memory;
  /** Next free guest-physical address of each region, for {@link #alloc}. */
  private final long[] next;
  private int allocRegion;
  private boolean closed;

  private GuestRam(List<long[]> layout) throws NativeException {
    next = new long[layout.size()];
    List<GuestRegion> regions = new ArrayList<>();
    GuestMemory built = null;
    try {
      for (int i = 0; i < layout.size(); i++) {
        long[] r = layout.get(i);
        long offset = r.length > 2 ? r[2] : 0;
        regions.add(mapRegion(r[0], r[1], offset));
        next[i] = r[0];
      }
      built = GuestMemory.of(regions);
    } catch (NativeException | RuntimeException e) {
      close();
      throw e;
    } finally {
      // The map holds its own references; the arena, not the regions, owns the mappings.
      regions.forEach(GuestRegion::release);
    }
    memory = built;
  }

  private GuestRegion mapRegion(long gpa, long size, long mmapOffset) throws NativeException {
    if (size <= 0 || mmapOffset < 0) {
      throw new IllegalArgumentException("region size must be positive and offset not negative");
    }
    OwnedFd fd = Memfd.create("guest-ram", mmapOffset + size);
    fds.add(fd);
    // mmap needs a page-aligned offset: map from the page start and slice, as a backend does.
    long pageStart = mmapOffset & ~(Mman.PAGE_SIZE - 1);
    long lead = mmapOffset - pageStart;
    MemorySegment seg = Mman.mapShared(fd.fd(), pageStart, lead + size, arena).asSlice(lead);
    descriptors.add(new MemoryRegionDescriptor(gpa, size, seg.address(), mmapOffset));
    return GuestRegion.ofSegment(gpa, seg.address(), seg, null);
  }

  /** One region of {@code size} bytes at guest-physical {@code gpa}. */
  public static GuestRam create(long gpa, long size) throws NativeException {
    return create(List.of(new long[] {gpa, size}));
  }

  /**
   * Several regions, each {@code {gpa, size}} or {@code {gpa, size, mmapOffset}} (the region then
   * starts that far into its memfd, to exercise a backend's offset handling). The order is the
   * order of SET_MEM_TABLE and of {@link #alloc}; regions must not overlap but may touch.
   */
  public static GuestRam create(List<long[]> layout) throws NativeException {
    if (layout.isEmpty()) {
      throw new IllegalArgumentException("at least one region is needed");
    }
    for (long[] r : layout) {
      if (r.length < 2 || r.length > 3) {
        throw new IllegalArgumentException("a region is {gpa, size} or {gpa, size, mmapOffset}");
      }
    }
    return new GuestRam(layout);
  }

  /** This process's view of guest RAM, for DriverQueue and for checking what the backend wrote. */
  public GuestMemory memory() {
    return memory;
  }

  /** The regions as SET_MEM_TABLE describes them, in creation order. */
  public List<MemoryRegionDescriptor> descriptors() {
    return List.copyOf(descriptors);
  }

  /** The memfd of each region, in the order of {@link #descriptors()}; still owned by us. */
  public int[] fds() {
    return fds.stream().mapToInt(OwnedFd::fd).toArray();
  }

  /** The frontend virtual address of {@code gpa} (what SET_VRING_ADDR carries). */
  public long userAddr(long gpa) {
    for (MemoryRegionDescriptor d : descriptors) {
      if (Long.compareUnsigned(gpa - d.guestPhysAddr(), d.memorySize()) < 0) {
        return gpa - d.guestPhysAddr() + d.userAddr();
      }
    }
    throw new IllegalArgumentException("0x" + Long.toHexString(gpa) + " is not guest RAM");
  }

  /**
   * Hands out {@code size} bytes aligned to {@code align} (a power of two) and returns their
   * guest-physical address. Allocations never straddle regions: when the current region is full,
   * the next one in creation order is used.
   *
   * @throws IllegalStateException when no region has room left
   */
  public long alloc(long size, long align) {
    if (size <= 0 || align <= 0 || (align & (align - 1)) != 0) {
      throw new IllegalArgumentException("size > 0 and a power-of-two alignment are required");
    }
    for (; allocRegion < next.length; allocRegion++) {
      MemoryRegionDescriptor d = descriptors.get(allocRegion);
      long at = (next[allocRegion] + align - 1) & -align;
      if (at - d.guestPhysAddr() + size <= d.memorySize()) {
        next[allocRegion] = at + size;
        return at;
      }
    }
    throw new IllegalStateException("guest RAM exhausted (" + size + " bytes asked)");
  }

  /** Unmaps every region and closes the memfds; a backend's own mappings stay valid. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (memory != null) {
      memory.release();
    }
    arena.close();
    fds.forEach(OwnedFd::close);
  }
}
