// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * One region of guest RAM: guest-physical base, size, the frontend's virtual address for it, and
 * the mapping in this process. A region is shared by every {@link GuestMemory} map that contains
 * it (ADD_MEM_REG keeps the others), so it is reference counted: the last map to let go unmaps.
 */
public final class GuestRegion {
  private final long guestPhysAddr;
  private final long size;
  private final long userAddr;
  private final long mmapOffset;
  private final MemorySegment segment;
  private final Arena arena;
  private final AtomicInteger refs = new AtomicInteger(1);

  private GuestRegion(
      long guestPhysAddr, long size, long userAddr, long mmapOffset, MemorySegment segment,
      Arena arena) {
    this.guestPhysAddr = guestPhysAddr;
    this.size = size;
    this.userAddr = userAddr;
    this.mmapOffset = mmapOffset;
    this.segment = segment;
    this.arena = arena;
  }

  /**
   * Maps a region the frontend described, from the fd it sent. The mapping starts at the page
   * containing {@code mmapOffset} (mmap needs a page-aligned offset; libvhost-user does the same)
   * and the segment is then sliced to the region. The fd is not kept: the mapping holds the pages.
   *
   * @throws NativeException if the kernel refuses the mapping, or the region does not fit the file
   */
  public static GuestRegion map(
      long guestPhysAddr, long size, long userAddr, long mmapOffset, OwnedFd fd)
      throws NativeException {
    checkRange(guestPhysAddr, size, userAddr, mmapOffset);
    long fileSize = Mman.regularFileSize(fd.fd());
    if (fileSize >= 0 && Long.compareUnsigned(mmapOffset + size, fileSize) > 0) {
      // Touching a page past the end of the file raises SIGBUS; refuse instead.
      throw new NativeException("mmap(region past end of file)", Errno.EINVAL);
    }
    long pageStart = mmapOffset & ~(Mman.PAGE_SIZE - 1);
    long lead = mmapOffset - pageStart;
    Arena arena = Arena.ofShared();
    try {
      MemorySegment whole = Mman.mapShared(fd.fd(), pageStart, size + lead, arena);
      return new GuestRegion(
          guestPhysAddr, size, userAddr, mmapOffset, whole.asSlice(lead, size), arena);
    } catch (NativeException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /**
   * A region over memory this process already owns (tests, benchmarks, the Java frontend's own
   * view). {@code arena} is closed when the region is released; pass null to keep it open.
   */
  public static GuestRegion ofSegment(
      long guestPhysAddr, long userAddr, MemorySegment segment, Arena arena) {
    checkRange(guestPhysAddr, segment.byteSize(), userAddr, 0);
    return new GuestRegion(guestPhysAddr, segment.byteSize(), userAddr, 0, segment, arena);
  }

  private static void checkRange(long gpa, long size, long userAddr, long mmapOffset) {
    if (size <= 0) {
      throw new IllegalArgumentException("region size must be positive: " + size);
    }
    if (Long.compareUnsigned(gpa + size, gpa) <= 0
        || Long.compareUnsigned(userAddr + size, userAddr) <= 0
        || Long.compareUnsigned(mmapOffset + size, mmapOffset) <= 0) {
      throw new IllegalArgumentException("region end overflows 64 bits");
    }
  }

  public long guestPhysAddr() {
    return guestPhysAddr;
  }

  public long size() {
    return size;
  }

  /** The last guest-physical address of the region (inclusive). */
  public long lastAddr() {
    return guestPhysAddr + size - 1;
  }

  public long userAddr() {
    return userAddr;
  }

  public long mmapOffset() {
    return mmapOffset;
  }

  /** The region's bytes; offset 0 is {@link #guestPhysAddr()}. */
  public MemorySegment segment() {
    return segment;
  }

  boolean containsGpa(long gpa) {
    return Long.compareUnsigned(gpa - guestPhysAddr, size) < 0;
  }

  boolean containsUserAddr(long va) {
    return Long.compareUnsigned(va - userAddr, size) < 0;
  }

  GuestRegion retain() {
    int n;
    do {
      n = refs.get();
      if (n <= 0) {
        throw new IllegalStateException("region already unmapped");
      }
    } while (!refs.compareAndSet(n, n + 1));
    return this;
  }

  /** Drops one reference; the last one unmaps the region. */
  public void release() {
    if (refs.decrementAndGet() == 0 && arena != null) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return String.format(
        "region gpa=0x%x size=0x%x uaddr=0x%x offset=0x%x",
        guestPhysAddr, size, userAddr, mmapOffset);
  }
}
