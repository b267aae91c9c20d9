// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/** ADD_MEM_REG and REM_MEM_REG: 8 padding bytes, then one region. */
public record SingleMemoryRegion(MemoryRegionDescriptor region) {
  public static final int SIZE = 40;
  static final int PADDING_OFFSET = 0;
  static final int REGION_OFFSET = 8;

  /**
   * Decodes and checks the region. ADD_MEM_REG must bring exactly the region's fd; REM_MEM_REG
   * may bring none, which {@link RequestValidator} already enforces.
   */
  public static SingleMemoryRegion decode(Message m) throws ProtocolException {
    Payloads.requireSize(m, SIZE);
    if (m.request() == FrontendRequest.ADD_MEM_REG && !m.isReply()) {
      Payloads.requireFds(m, 1);
    }
    MemoryRegionDescriptor r = MemoryRegionDescriptor.read(m.payload(), REGION_OFFSET);
    String problem = r.problem();
    if (problem != null) {
      throw Payloads.reject(m, problem);
    }
    return new SingleMemoryRegion(r);
  }

  public byte[] encode() {
    ByteBuffer b = Payloads.allocate(SIZE);
    region.write(b, REGION_OFFSET);
    return b.array();
  }
}
