// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * The vring state payload: a ring index and a number whose meaning depends on the request (ring
 * size, next available index, enable flag). Both are u32.
 */
public record VringState(int index, int num) {
  public static final int SIZE = 8;
  static final int INDEX_OFFSET = 0;
  static final int NUM_OFFSET = 4;

  public static VringState decode(Message m) throws ProtocolException {
    Payloads.requireSize(m, SIZE);
    ByteBuffer b = m.payload();
    return new VringState(b.getInt(INDEX_OFFSET), b.getInt(NUM_OFFSET));
  }

  public byte[] encode() {
    return Payloads.allocate(SIZE).putInt(INDEX_OFFSET, index).putInt(NUM_OFFSET, num).array();
  }
}
