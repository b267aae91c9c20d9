// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.vhostdevice.queue.GuestLayouts.U16;
import static org.vhostdevice.queue.GuestLayouts.U32;
import static org.vhostdevice.queue.GuestLayouts.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes a response into a request's device-writable bytes in order, across descriptors and
 * regions. {@link #bytesWritten()} is the position reached (skipped bytes included), which is
 * what a device reports as the used length.
 */
public final class Writer extends ChainCursor {
  Writer(DescriptorChain chain) {
    super(chain, true);
  }

  public long bytesWritten() {
    return consumed();
  }

  /** Copies up to {@code src.byteSize()} bytes; returns how many. */
  public long write(MemorySegment src) {
    return transfer(src, 0, src.byteSize(), true);
  }

  public void writeFully(MemorySegment src) throws ChainTooShortException {
    require(src.byteSize());
    transfer(src, 0, src.byteSize(), true);
  }

  public void writeU8(int value) throws ChainTooShortException {
    writeLittleEndian(value, 1);
  }

  public void writeU16(int value) throws ChainTooShortException {
    MemorySegment seg = contiguous(2);
    if (seg != null) {
      seg.set(U16, contiguousOffset(), (short) value);
      advanceContiguous(2);
      return;
    }
    writeLittleEndian(value, 2);
  }

  public void writeU32(int value) throws ChainTooShortException {
    MemorySegment seg = contiguous(4);
    if (seg != null) {
      seg.set(U32, contiguousOffset(), value);
      advanceContiguous(4);
      return;
    }
    writeLittleEndian(value, 4);
  }

  public void writeU64(long value) throws ChainTooShortException {
    MemorySegment seg = contiguous(8);
    if (seg != null) {
      seg.set(U64, contiguousOffset(), value);
      advanceContiguous(8);
      return;
    }
    writeLittleEndian(value, 8);
  }

  /** Slow path for a value that straddles two pieces. */
  private void writeLittleEndian(long value, int width) throws ChainTooShortException {
    require(width);
    for (int i = 0; i < width; i++) {
      MemorySegment seg = contiguous(1);
      seg.set(ValueLayout.JAVA_BYTE, contiguousOffset(), (byte) (value >>> (8 * i)));
      advanceContiguous(1);
    }
  }
}
