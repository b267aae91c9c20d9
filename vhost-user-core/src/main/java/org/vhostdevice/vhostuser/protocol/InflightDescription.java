// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * GET_INFLIGHT_FD / SET_INFLIGHT_FD: the inflight tracking area. The two u16 counts are followed
 * by 4 padding bytes (natural C alignment), so both QEMU and Rust send 24 bytes.
 */
public record InflightDescription(long mmapSize, long mmapOffset, int numQueues, int queueSize) {
  public static final int SIZE = 24;
  static final int MMAP_SIZE_OFFSET = 0;
  static final int MMAP_OFFSET_OFFSET = 8;
  static final int NUM_QUEUES_OFFSET = 16;
  static final int QUEUE_SIZE_OFFSET = 18;
  private static final int U16_MAX = 0xFFFF;

  public InflightDescription {
    if (numQueues < 0 || numQueues > U16_MAX || queueSize < 0 || queueSize > U16_MAX) {
      throw new IllegalArgumentException(
          "numQueues " + numQueues + " and queueSize " + queueSize + " must be u16");
    }
  }

  public static InflightDescription decode(Message m) throws ProtocolException {
    Payloads.requireSize(m, SIZE);
    ByteBuffer b = m.payload();
    InflightDescription d = new InflightDescription(
        b.getLong(MMAP_SIZE_OFFSET), b.getLong(MMAP_OFFSET_OFFSET),
        Short.toUnsignedInt(b.getShort(NUM_QUEUES_OFFSET)),
        Short.toUnsignedInt(b.getShort(QUEUE_SIZE_OFFSET)));
    if (d.numQueues == 0 || d.queueSize == 0) {
      throw Payloads.reject(m, "numQueues " + d.numQueues + " and queueSize " + d.queueSize
          + " must both be non-zero");
    }
    return d;
  }

  public byte[] encode() {
    return Payloads.allocate(SIZE)
        .putLong(MMAP_SIZE_OFFSET, mmapSize)
        .putLong(MMAP_OFFSET_OFFSET, mmapOffset)
        .putShort(NUM_QUEUES_OFFSET, (short) numQueues)
        .putShort(QUEUE_SIZE_OFFSET, (short) queueSize)
        .array();
  }
}
