// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * SET_LOG_BASE: the size of the dirty-page bitmap to map from the attached fd, and the offset in
 * that fd of the bit for guest address 0. The fd itself is checked by the handler, because the
 * backend's reply echoes this body without one.
 */
public record LogDescription(long mmapSize, long mmapOffset) {
  public static final int SIZE = 16;
  static final int MMAP_SIZE_OFFSET = 0;
  static final int MMAP_OFFSET_OFFSET = 8;

  /**
   * Decodes the 16-byte form. The 8-byte form the spec text still describes has no map size, so
   * it cannot be mapped safely and is refused here even though the validator lets it through.
   */
  public static LogDescription decode(Message m) throws ProtocolException {
    Payloads.requireSize(m, SIZE);
    ByteBuffer b = m.payload();
    LogDescription d =
        new LogDescription(b.getLong(MMAP_SIZE_OFFSET), b.getLong(MMAP_OFFSET_OFFSET));
    if (d.mmapSize == 0) {
      throw Payloads.reject(m, "log size is 0");
    }
    if (Payloads.overflowsU64(d.mmapOffset, d.mmapSize)) {
      throw Payloads.reject(m, "log offset " + Payloads.hex(d.mmapOffset) + " + size "
          + Payloads.hex(d.mmapSize) + " wraps around");
    }
    return d;
  }

  public byte[] encode() {
    return Payloads.allocate(SIZE)
        .putLong(MMAP_SIZE_OFFSET, mmapSize)
        .putLong(MMAP_OFFSET_OFFSET, mmapOffset)
        .array();
  }
}
