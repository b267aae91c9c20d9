// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** SET_MEM_TABLE: the whole guest memory map, one fd per region in the same order. */
public record MemoryTable(List<MemoryRegionDescriptor> regions) {
  static final int NREGIONS_OFFSET = 0;
  static final int PADDING_OFFSET = 4;
  static final int REGIONS_OFFSET = 8;

  /**
   * Rust's limit, not QEMU's 8 (VHOST_MEMORY_BASELINE_NREGIONS): rust-vmm frontends
   * (cloud-hypervisor through the vhost crate) send up to 32 regions here, and the receive path
   * has room for 32 fds, so refusing 9..32 would only break those frontends.
   */
  public static final int MAX_REGIONS = 32;

  public MemoryTable {
    regions = List.copyOf(regions);
  }

  public static MemoryTable decode(Message m) throws ProtocolException {
    ByteBuffer b = m.payload();
    if (m.size() < REGIONS_OFFSET) {
      throw Payloads.reject(m, "payload of " + m.size() + " bytes is shorter than its header");
    }
    int n = b.getInt(NREGIONS_OFFSET);
    if (n < 1 || n > MAX_REGIONS) {
      throw Payloads.reject(m, Integer.toUnsignedString(n) + " regions, expected 1.."
          + MAX_REGIONS);
    }
    if (b.getInt(PADDING_OFFSET) != 0) {
      throw Payloads.reject(m, "padding is not zero");
    }
    if (m.size() != sizeOf(n)) {
      throw Payloads.reject(m, "payload is " + m.size() + " bytes, " + n + " regions need "
          + sizeOf(n));
    }
    if (m.fdCount() != n) {
      throw Payloads.reject(m, n + " regions but " + m.fdCount() + " fd(s)");
    }
    List<MemoryRegionDescriptor> regions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      MemoryRegionDescriptor r =
          MemoryRegionDescriptor.read(b, REGIONS_OFFSET + i * MemoryRegionDescriptor.SIZE);
      String problem = r.problem();
      if (problem != null) {
        throw Payloads.reject(m, problem);
      }
      regions.add(r);
    }
    return new MemoryTable(regions);
  }

  /** The payload size of a table with {@code n} regions. */
  public static int sizeOf(int n) {
    return REGIONS_OFFSET + n * MemoryRegionDescriptor.SIZE;
  }

  public byte[] encode() {
    ByteBuffer b = Payloads.allocate(sizeOf(regions.size()));
    b.putInt(NREGIONS_OFFSET, regions.size());
    for (int i = 0; i < regions.size(); i++) {
      regions.get(i).write(b, REGIONS_OFFSET + i * MemoryRegionDescriptor.SIZE);
    }
    return b.array();
  }
}
