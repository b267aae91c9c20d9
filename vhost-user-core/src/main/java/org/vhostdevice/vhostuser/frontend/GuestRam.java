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
 * "Guest RAM" of the Java frontend: memfd regions mapped in this process. As in QEMU, the address
 * of a region in this process is the "frontend virtual address" sent in SET_MEM_TABLE, and ring
 * addresses in SET_VRING_ADDR are translated to it.
 */
public final class GuestRam implements AutoCloseable {
  private final Arena arena = Arena.ofShared();
  private final List<OwnedFd> fds = new ArrayList<>();
  private final List<MemoryRegionDescriptor> descriptors = new ArrayList<>();
  private final GuestMemory memory;
  private long next;
  private final long end;

  private GuestRam(long[] gpaAndSize) throws NativeException {
    List<GuestRegion> regions = new ArrayList<>();
    try {
      for (int i = 0; i < gpaAndSize.length; i += 2) {
        long gpa = gpaAndSize[i];
        long size = gpaAndSize[i + 1];
        OwnedFd fd = Memfd.create("guest-ram", size);
        fds.add(fd);
        MemorySegment seg = Mman.mapShared(fd.fd(), 0, size, arena);
        regions.add(GuestRegion.ofSegment(gpa, seg.address(), seg, null));
        descriptors.add(new MemoryRegionDescriptor(gpa, size, seg.address(), 0));
      }
      memory = GuestMemory.of(regions);
    } catch (NativeException | RuntimeException e) {
      close();
      throw e;
    } finally {
      regions.forEach(GuestRegion::release);
    }
    next = gpaAndSize[0];
    end = gpaAndSize[0] + gpaAndSize[1];
  }

  /** One region of {@code size} bytes at guest-physical {@code gpa}. */
  public static GuestRam create(long gpa, long size) throws NativeException {
    return new GuestRam(new long[] {gpa, size});
  }

  /** Several regions: pairs of guest-physical base and size. */
  public static GuestRam create(long... gpaAndSize) throws NativeException {
    if (gpaAndSize.length == 0 || gpaAndSize.length % 2 != 0) {
      throw new IllegalArgumentException("pairs of (gpa, size) expected");
    }
    return new GuestRam(gpaAndSize);
  }

  /** This process's view, for DriverQueue and for reading what the backend wrote. */
  public GuestMemory memory() {
    return memory;
  }

  public List<MemoryRegionDescriptor> descriptors() {
    return List.copyOf(descriptors);
  }

  public int[] fds() {
    return fds.stream().mapToInt(OwnedFd::fd).toArray();
  }

  /** The frontend virtual address of {@code gpa}. */
  public long userAddr(long gpa) {
    for (MemoryRegionDescriptor d : descriptors) {
      if (Long.compareUnsigned(gpa - d.guestPhysAddr(), d.memorySize()) < 0) {
        return gpa - d.guestPhysAddr() + d.userAddr();
      }
    }
    throw new IllegalArgumentException("0x" + Long.toHexString(gpa) + " is not guest RAM");
  }

  /** Hands out {@code size} bytes of the first region, aligned to {@code align}. */
  public long alloc(long size, long align) {
    long at = (next + align - 1) & -align;
    if (at + size > end) {
      throw new IllegalStateException("guest RAM exhausted");
    }
    next = at + size;
    return at;
  }

  @Override
  public void close() {
    if (memory != null) {
      memory.release();
    }
    arena.close();
    fds.forEach(OwnedFd::close);
  }
}
