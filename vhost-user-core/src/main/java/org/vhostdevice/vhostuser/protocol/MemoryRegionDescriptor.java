// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * One guest memory region as the frontend describes it: its guest physical address, size, the
 * frontend's own virtual address for it (which ring addresses refer to), and the offset of its
 * first byte in the fd that comes with it.
 */
public record MemoryRegionDescriptor(
    long guestPhysAddr, long memorySize, long userAddr, long mmapOffset) {
  public static final int SIZE = 32;
  static final int GUEST_PHYS_ADDR_OFFSET = 0;
  static final int MEMORY_SIZE_OFFSET = 8;
  static final int USER_ADDR_OFFSET = 16;
  static final int MMAP_OFFSET_OFFSET = 24;

  static MemoryRegionDescriptor read(ByteBuffer b, int at) {
    return new MemoryRegionDescriptor(
        b.getLong(at + GUEST_PHYS_ADDR_OFFSET), b.getLong(at + MEMORY_SIZE_OFFSET),
        b.getLong(at + USER_ADDR_OFFSET), b.getLong(at + MMAP_OFFSET_OFFSET));
  }

  void write(ByteBuffer b, int at) {
    b.putLong(at + GUEST_PHYS_ADDR_OFFSET, guestPhysAddr)
        .putLong(at + MEMORY_SIZE_OFFSET, memorySize)
        .putLong(at + USER_ADDR_OFFSET, userAddr)
        .putLong(at + MMAP_OFFSET_OFFSET, mmapOffset);
  }

  /** Rust's region check: non-empty, and no end address wraps around 2^64. Null if valid. */
  String problem() {
    if (memorySize == 0) {
      return "region at " + Payloads.hex(guestPhysAddr) + " has size 0";
    }
    if (Payloads.overflowsU64(guestPhysAddr, memorySize)
        || Payloads.overflowsU64(userAddr, memorySize)
        || Payloads.overflowsU64(mmapOffset, memorySize)) {
      return "region " + this + " wraps around the 64-bit address space";
    }
    return null;
  }

  /** The 32 wire bytes of this region. */
  public byte[] encode() {
    ByteBuffer b = Payloads.allocate(SIZE);
    write(b, 0);
    return b.array();
  }

  @Override
  public String toString() {
    return String.format("[gpa 0x%x size 0x%x uaddr 0x%x offset 0x%x]",
        guestPhysAddr, memorySize, userAddr, mmapOffset);
  }
}
