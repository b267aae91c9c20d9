// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.vhostdevice.queue.GuestLayouts.U16;
import static org.vhostdevice.queue.GuestLayouts.U32;
import static org.vhostdevice.queue.GuestLayouts.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads a request's device-readable bytes in order, across descriptors and regions. */
public final class Reader extends ChainCursor {
  Reader(DescriptorChain chain) {
    super(chain, false);
  }

  public long bytesRead() {
    return consumed();
  }

  /** Copies up to {@code dst.byteSize()} bytes; returns how many. */
  public long read(MemorySegment dst) {
    return transfer(dst, 0, dst.byteSize(), false);
  }

  public void readFully(MemorySegment dst) throws ChainTooShortException {
    require(dst.byteSize());
    transfer(dst, 0, dst.byteSize(), false);
  }

  public int readU8() throws ChainTooShortException {
    return (int) readLittleEndian(1);
  }

  public int readU16() throws ChainTooShortException {
    MemorySegment seg = contiguous(2);
    if (seg != null) {
      int v = seg.get(U16, contiguousOffset()) & 0xFFFF;
      advanceContiguous(2);
      return v;
    }
    return (int) readLittleEndian(2);
  }

  /** A little-endian u32 (returned in an int; mask with 0xFFFFFFFFL for the unsigned value). */
  public int readU32() throws ChainTooShortException {
    MemorySegment seg = contiguous(4);
    if (seg != null) {
      int v = seg.get(U32, contiguousOffset());
      advanceContiguous(4);
      return v;
    }
    return (int) readLittleEndian(4);
  }

  public long readU64() throws ChainTooShortException {
    MemorySegment seg = contiguous(8);
    if (seg != null) {
      long v = seg.get(U64, contiguousOffset());
      advanceContiguous(8);
      return v;
    }
    return readLittleEndian(8);
  }

  /** Slow path for a value that straddles two pieces. */
  private long readLittleEndian(int width) throws ChainTooShortException {
    require(width);
    long v = 0;
    for (int i = 0; i < width; i++) {
      MemorySegment seg = contiguous(1);
      v |= (seg.get(ValueLayout.JAVA_BYTE, contiguousOffset()) & 0xFFL) << (8 * i);
      advanceContiguous(1);
    }
    return v;
  }
}
